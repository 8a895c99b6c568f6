import * as z from 'zod';
import { fields, parseBody, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';
import type { Vault } from '#shared/vault';

const body = z.strictObject({ message: fields.message.optional() });

export const checkout = (vault: Vault) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    parseQuery(event, z.strictObject({}));
    const { message } = parseBody(event, body);
    const { created, lock, file } = await vault.checkout(caller, name, message ?? '');
    return { status: created ? 201 : 200, body: { lock, file } };
  });

export const handler = checkout(vaultFromEnvironment());
