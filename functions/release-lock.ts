import * as z from 'zod/mini';
import type { Vault } from '#shared/core/vault';
import { fields, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const query = z.strictObject({ force: z.optional(fields.boolean) });

export const releaseLock = (vault: Vault) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    const { force } = parseQuery(event, query);
    return { status: 200, body: { released: await vault.locks.release(caller, name, force ?? false) } };
  });

export const handler = releaseLock(vaultFromEnvironment());
