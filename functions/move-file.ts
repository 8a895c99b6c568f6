import * as z from 'zod/mini';
import { Lifecycle } from '#shared/core/lifecycle';
import type { Vault } from '#shared/core/vault';
import { fields, parseBody, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseFileName } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';

const body = z.strictObject({ to: z.string(), message: z.optional(fields.message) });

export const moveFile = (vault: Pick<Vault, 'extensions' | 'lifecycle'>) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    parseQuery(event, z.strictObject({}));
    const request = parseBody(event, body);
    const to = parseFileName(request.to, vault.extensions);
    const file = await vault.lifecycle.move(caller, name, to, request.message ?? '');
    return { status: 200, body: { file } };
  });

export const handler = moveFile(vaultFromEnvironment({ lifecycle: Lifecycle }));
