import * as z from 'zod/mini';
import { Locks } from '#shared/core/locks';
import type { Vault } from '#shared/core/vault';
import { fields, parseBody, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const body = z.strictObject({ message: z.optional(fields.message) });

export const checkout = (vault: Pick<Vault, 'extensions' | 'locks'>) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    parseQuery(event, z.strictObject({}));
    const { message } = parseBody(event, body);
    const { created, lock, file } = await vault.locks.checkout(caller, name, message ?? '');
    return { status: created ? 201 : 200, body: { lock, file } };
  });

export const handler = checkout(vaultFromEnvironment({ locks: Locks }));
