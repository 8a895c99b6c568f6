import * as z from 'zod/mini';
import { Files } from '#shared/core/files';
import type { Vault } from '#shared/core/vault';
import { fields, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';
import { s3Blobs } from '#shared/runtime-s3';

const query = z.strictObject({ version: z.optional(fields.version) });

export const download = (vault: Pick<Vault, 'extensions' | 'files'>) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    const { version } = parseQuery(event, query);
    return { status: 200, body: await vault.files.download(caller, name, version ?? null) };
  });

export const handler = download(vaultFromEnvironment({ files: Files }, { blobs: s3Blobs }));
