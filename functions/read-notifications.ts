import * as z from 'zod';
import type { Vault } from '#shared/core/vault';
import { parseBody, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const body = z.strictObject({ upTo: z.string().min(1).max(1024) });

export const readNotifications = (vault: Vault) =>
  httpRoute(async (event, caller) => {
    parseQuery(event, z.strictObject({}));
    const { upTo } = parseBody(event, body);
    return { status: 200, body: await vault.feed.markRead(caller, upTo) };
  });

export const handler = readNotifications(vaultFromEnvironment());
