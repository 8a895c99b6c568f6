import * as z from 'zod/mini';
import { Lifecycle } from '#shared/core/lifecycle';
import type { Vault } from '#shared/core/vault';
import { fields, parseBody, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const body = z.strictObject({ message: z.optional(fields.message) });

export const deleteFile = (vault: Pick<Vault, 'extensions' | 'lifecycle'>) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    parseQuery(event, z.strictObject({}));
    const { message } = parseBody(event, body);
    return { status: 200, body: { trashed: await vault.lifecycle.delete(caller, name, message ?? '') } };
  });

export const handler = deleteFile(vaultFromEnvironment({ lifecycle: Lifecycle }));
