import * as z from 'zod/mini';
import { Releases } from '#shared/core/releases';
import type { Vault } from '#shared/core/vault';
import { fields, parseBody, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const body = z.strictObject({ version: fields.versionNumber, message: fields.requiredMessage });

export const release = (vault: Pick<Vault, 'extensions' | 'releases'>) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    parseQuery(event, z.strictObject({}));
    const { version, message } = parseBody(event, body);
    return { status: 200, body: { file: await vault.releases.release(caller, name, version, message) } };
  });

export const handler = release(vaultFromEnvironment({ releases: Releases }));
