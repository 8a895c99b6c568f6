import * as z from 'zod/mini';
import { Locks } from '#shared/core/locks';
import type { Vault } from '#shared/core/vault';
import { DEFAULT_LIMIT, fields, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const query = z.strictObject({
  user: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  limit: z.optional(fields.limit),
  cursor: z.optional(fields.cursor),
});

export const listLocks = (vault: Pick<Vault, 'locks'>) =>
  httpRoute(async (event, caller) => {
    const { user, limit, cursor } = parseQuery(event, query);
    const page = await vault.locks.list(caller, {
      user: user ?? null,
      limit: limit ?? DEFAULT_LIMIT,
      cursor: cursor ?? null,
    });
    return { status: 200, body: { locks: page.items, nextCursor: page.nextCursor } };
  });

export const handler = listLocks(vaultFromEnvironment({ locks: Locks }));
