import * as z from 'zod/mini';
import { Files } from '#shared/core/files';
import type { Vault } from '#shared/core/vault';
import { parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

export const getFile = (vault: Pick<Vault, 'extensions' | 'files'>) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    parseQuery(event, z.strictObject({}));
    return { status: 200, body: await vault.files.get(caller, name) };
  });

export const handler = getFile(vaultFromEnvironment({ files: Files }));
