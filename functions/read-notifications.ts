import * as z from 'zod/mini';
import { Feed } from '#shared/core/feed';
import type { Vault } from '#shared/core/vault';
import { parseBody, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const body = z.strictObject({ upTo: z.string().check(z.minLength(1), z.maxLength(1024)) });

export const readNotifications = (vault: Pick<Vault, 'feed'>) =>
  httpRoute(async (event, caller) => {
    parseQuery(event, z.strictObject({}));
    const { upTo } = parseBody(event, body);
    return { status: 200, body: await vault.feed.markRead(caller, upTo) };
  });

export const handler = readNotifications(vaultFromEnvironment({ feed: Feed }));
