import * as z from 'zod/mini';
import type { Vault } from '#shared/core/vault';
import { Watches } from '#shared/core/watches';
import { EVENT_TYPES } from '#shared/events';
import { parseBody, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseWatchedPrefix } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';

const body = z.strictObject({
  prefix: z.string(),
  types: z.optional(
    z.nullable(
      z.array(z.enum(EVENT_TYPES)).check(
        z.minLength(1, 'must name at least one event type (or be left out for every type)'),
        z.refine((types) => new Set(types).size === types.length, 'must not name a type twice'),
      ),
    ),
  ),
});

export const createWatch = (vault: Pick<Vault, 'extensions' | 'watches'>) =>
  httpRoute(async (event, caller) => {
    parseQuery(event, z.strictObject({}));
    const request = parseBody(event, body);
    const watched = parseWatchedPrefix(request.prefix, vault.extensions);
    const watch = await vault.watches.watch(caller, watched, request.types ?? null);
    return { status: 201, body: { watch } };
  });

export const handler = createWatch(vaultFromEnvironment({ watches: Watches }));
