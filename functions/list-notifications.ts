import * as z from 'zod/mini';
import { Feed } from '#shared/core/feed';
import type { Vault } from '#shared/core/vault';
import { DEFAULT_LIMIT, fields, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const query = z.strictObject({ limit: z.optional(fields.limit), cursor: z.optional(fields.cursor) });

export const listNotifications = (vault: Pick<Vault, 'feed'>) =>
  httpRoute(async (event, caller) => {
    const { limit, cursor } = parseQuery(event, query);
    const page = await vault.feed.list(caller, limit ?? DEFAULT_LIMIT, cursor ?? null);
    return {
      status: 200,
      body: { notifications: page.items, nextCursor: page.nextCursor, unread: page.unread },
    };
  });

export const handler = listNotifications(vaultFromEnvironment({ feed: Feed }));
