import * as z from 'zod/mini';
import type { Vault } from '#shared/core/vault';
import { Watches } from '#shared/core/watches';
import { parseBody, parsePathWatchId, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

export const deleteWatch = (vault: Pick<Vault, 'watches'>) =>
  httpRoute(async (event, caller) => {
    const watchId = parsePathWatchId(event);
    parseQuery(event, z.strictObject({}));
    parseBody(event, z.strictObject({}));
    return { status: 200, body: { watch: await vault.watches.unwatch(caller, watchId) } };
  });

export const handler = deleteWatch(vaultFromEnvironment({ watches: Watches }));
