import * as z from 'zod/mini';
import { Lifecycle } from '#shared/core/lifecycle';
import type { Vault } from '#shared/core/vault';
import { parseBody, parsePathFileId, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseFileName } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';

const body = z.strictObject({ as: z.optional(z.string()) });

export const restoreFile = (vault: Pick<Vault, 'extensions' | 'lifecycle'>) =>
  httpRoute(async (event, caller) => {
    const fileId = parsePathFileId(event);
    parseQuery(event, z.strictObject({}));
    const request = parseBody(event, body);
    const as = request.as === undefined ? null : parseFileName(request.as, vault.extensions);
    return { status: 200, body: { file: await vault.lifecycle.restore(caller, fileId, as) } };
  });

export const handler = restoreFile(vaultFromEnvironment({ lifecycle: Lifecycle }));
