import * as z from 'zod/mini';
import { Releases } from '#shared/core/releases';
import type { Vault } from '#shared/core/vault';
import { fields, parseBody, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';

const body = z.strictObject({ message: fields.requiredMessage });

export const withdrawRelease = (vault: Pick<Vault, 'extensions' | 'releases'>) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    parseQuery(event, z.strictObject({}));
    const { message } = parseBody(event, body);
    return { status: 200, body: { file: await vault.releases.withdraw(caller, name, message) } };
  });

export const handler = withdrawRelease(vaultFromEnvironment({ releases: Releases }));
