import * as z from 'zod/mini';
import type { Vault } from '#shared/core/vault';
import { Watches } from '#shared/core/watches';
import { parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

export const listWatches = (vault: Pick<Vault, 'watches'>) =>
  httpRoute(async (event, caller) => {
    parseQuery(event, z.strictObject({}));
    return { status: 200, body: { watches: await vault.watches.list(caller) } };
  });

export const handler = listWatches(vaultFromEnvironment({ watches: Watches }));
