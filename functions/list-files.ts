import * as z from 'zod';
import { DEFAULT_LIMIT, fields, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseNamePrefix } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';
import type { Vault } from '#shared/vault';

const query = z.strictObject({
  prefix: z.string().optional(),
  status: z.enum(['available', 'checked_out']).optional(),
  limit: fields.limit.optional(),
  cursor: fields.cursor.optional(),
});

export const listFiles = (vault: Vault) =>
  httpRoute(async (event) => {
    const { prefix, status, limit, cursor } = parseQuery(event, query);
    const page = await vault.listFiles({
      prefix: prefix === undefined ? '' : parseNamePrefix(prefix),
      status: status ?? null,
      limit: limit ?? DEFAULT_LIMIT,
      cursor: cursor ?? null,
    });
    return { status: 200, body: { files: page.items, nextCursor: page.nextCursor } };
  });

export const handler = listFiles(vaultFromEnvironment());
