import * as z from 'zod/mini';
import { Files } from '#shared/core/files';
import type { Vault } from '#shared/core/vault';
import { badRequest } from '#shared/errors';
import { DEFAULT_LIMIT, fields, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseFolderPrefix, parseNamePrefix } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';

const query = z.strictObject({
  prefix: z.optional(z.string()),
  status: z.optional(z.enum(['available', 'checked_out'])),
  // (v2) depth=1: only the files directly in the folder `prefix`.
  depth: z.optional(z.literal('1')),
  // (v2) released=true: only files with a released version (what operators see).
  released: z.optional(fields.boolean),
  limit: z.optional(fields.limit),
  cursor: z.optional(fields.cursor),
});

export const listFiles = (vault: Pick<Vault, 'files'>) =>
  httpRoute(async (event, caller) => {
    const { prefix, status, depth, released, limit, cursor } = parseQuery(event, query);
    const directOnly = depth === '1';
    if (directOnly && prefix !== undefined && !prefix.endsWith('/'))
      throw badRequest('with depth=1, prefix must be a folder: "" or a prefix ending in "/"');
    const page = await vault.files.list(caller, {
      prefix:
        prefix === undefined ? '' : directOnly ? parseFolderPrefix(prefix).key : parseNamePrefix(prefix),
      directOnly,
      status: status ?? null,
      releasedOnly: released ?? false,
      limit: limit ?? DEFAULT_LIMIT,
      cursor: cursor ?? null,
    });
    return { status: 200, body: { files: page.items, nextCursor: page.nextCursor } };
  });

export const handler = listFiles(vaultFromEnvironment({ files: Files }));
