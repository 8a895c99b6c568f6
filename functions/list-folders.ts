import * as z from 'zod/mini';
import { Files } from '#shared/core/files';
import type { Vault } from '#shared/core/vault';
import { DEFAULT_LIMIT, fields, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseFolderPrefix } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';

const query = z.strictObject({
  prefix: z.optional(z.string()),
  limit: z.optional(fields.limit),
  cursor: z.optional(fields.cursor),
});

export const listFolders = (vault: Pick<Vault, 'files'>) =>
  httpRoute(async (event, caller) => {
    const { prefix, limit, cursor } = parseQuery(event, query);
    const parent = parseFolderPrefix(prefix ?? '');
    const page = await vault.files.folders(caller, parent.key, limit ?? DEFAULT_LIMIT, cursor ?? null);
    return { status: 200, body: { folders: page.items, nextCursor: page.nextCursor } };
  });

export const handler = listFolders(vaultFromEnvironment({ files: Files }));
