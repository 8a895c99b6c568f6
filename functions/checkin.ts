import * as z from 'zod';
import { badRequest } from '#shared/errors';
import { fields, parseBody, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';
import type { Vault } from '#shared/vault';

const body = z.strictObject({
  uploadId: z.string().min(1).max(100).optional(),
  message: fields.message.optional(),
  keepLock: z.boolean().optional(),
});

export const checkin = (vault: Vault) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    parseQuery(event, z.strictObject({}));
    const { uploadId, message, keepLock } = parseBody(event, body);
    // Keeping the lock without a new version would change nothing: almost surely a client mistake.
    if (keepLock && uploadId === undefined) throw badRequest('keepLock needs an uploadId');
    const result = await vault.checkIn(caller, name, {
      uploadId: uploadId ?? null,
      message: message ?? '',
      keepLock: keepLock ?? false,
    });
    return { status: 200, body: result };
  });

export const handler = checkin(vaultFromEnvironment());
