import * as z from 'zod/mini';
import { Rules } from '#shared/core/rules';
import type { Vault } from '#shared/core/vault';
import { parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

export const me = (vault: Pick<Vault, 'rules'>) =>
  httpRoute(async (event, caller) => {
    parseQuery(event, z.strictObject({}));
    return { status: 200, body: vault.rules.me(caller) };
  });

export const handler = me(vaultFromEnvironment({ rules: Rules }));
