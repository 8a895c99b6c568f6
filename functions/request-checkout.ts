import * as z from 'zod/mini';
import { Requests } from '#shared/core/requests';
import type { Vault } from '#shared/core/vault';
import { fields, parseBody, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const body = z.strictObject({ message: z.optional(fields.message) });

export const requestCheckout = (vault: Pick<Vault, 'extensions' | 'requests'>) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    parseQuery(event, z.strictObject({}));
    const { message } = parseBody(event, body);
    return { status: 201, body: { request: await vault.requests.ask(caller, name, message ?? '') } };
  });

export const handler = requestCheckout(vaultFromEnvironment({ requests: Requests }));
