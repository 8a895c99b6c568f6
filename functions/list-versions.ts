import * as z from 'zod/mini';
import { Files } from '#shared/core/files';
import type { Vault } from '#shared/core/vault';
import { DEFAULT_LIMIT, fields, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const query = z.strictObject({ limit: z.optional(fields.limit), cursor: z.optional(fields.cursor) });

export const listVersions = (vault: Pick<Vault, 'extensions' | 'files'>) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    const { limit, cursor } = parseQuery(event, query);
    const page = await vault.files.versions(caller, name, limit ?? DEFAULT_LIMIT, cursor ?? null);
    return { status: 200, body: { versions: page.items, nextCursor: page.nextCursor } };
  });

export const handler = listVersions(vaultFromEnvironment({ files: Files }));
