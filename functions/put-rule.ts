import * as z from 'zod/mini';
import { Rules } from '#shared/core/rules';
import type { Vault } from '#shared/core/vault';
import { fields, parseBody, parsePathPrefix, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const body = z.strictObject({ read: fields.groups, write: fields.groups });

export const putRule = (vault: Pick<Vault, 'rules'>) =>
  httpRoute(async (event, caller) => {
    const prefix = parsePathPrefix(event);
    parseQuery(event, z.strictObject({}));
    const { read, write } = parseBody(event, body);
    return { status: 200, body: { rule: await vault.rules.put(caller, prefix, read, write) } };
  });

export const handler = putRule(vaultFromEnvironment({ rules: Rules }));
