import * as z from 'zod/mini';
import { Lifecycle } from '#shared/core/lifecycle';
import type { Vault } from '#shared/core/vault';
import { DEFAULT_LIMIT, fields, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseNamePrefix } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';

const query = z.strictObject({
  prefix: z.optional(z.string()),
  limit: z.optional(fields.limit),
  cursor: z.optional(fields.cursor),
});

export const listTrash = (vault: Pick<Vault, 'lifecycle'>) =>
  httpRoute(async (event, caller) => {
    const { prefix, limit, cursor } = parseQuery(event, query);
    const page = await vault.lifecycle.trash(
      caller,
      prefix === undefined ? '' : parseNamePrefix(prefix),
      limit ?? DEFAULT_LIMIT,
      cursor ?? null,
    );
    return { status: 200, body: { trashed: page.items, nextCursor: page.nextCursor } };
  });

export const handler = listTrash(vaultFromEnvironment({ lifecycle: Lifecycle }));
