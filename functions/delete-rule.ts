import * as z from 'zod/mini';
import { Rules } from '#shared/core/rules';
import type { Vault } from '#shared/core/vault';
import { parseBody, parsePathPrefix, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

export const deleteRule = (vault: Pick<Vault, 'rules'>) =>
  httpRoute(async (event, caller) => {
    const prefix = parsePathPrefix(event);
    parseQuery(event, z.strictObject({}));
    parseBody(event, z.strictObject({}));
    return { status: 200, body: { rule: await vault.rules.remove(caller, prefix) } };
  });

export const handler = deleteRule(vaultFromEnvironment({ rules: Rules }));
