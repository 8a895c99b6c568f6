import * as z from 'zod/mini';
import { CheckIns } from '#shared/core/checkins';
import type { Vault } from '#shared/core/vault';
import { badRequest } from '#shared/errors';
import { fields, parseBody, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';
import { s3Blobs } from '#shared/runtime-s3';

const body = z.strictObject({
  uploadId: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  fromVersion: z.optional(fields.versionNumber),
  message: z.optional(fields.message),
  keepLock: z.optional(z.boolean()),
});

export const checkin = (vault: Pick<Vault, 'checkins' | 'extensions'>) =>
  httpRoute(async (event, caller) => {
    const name = parsePathName(event, vault.extensions);
    parseQuery(event, z.strictObject({}));
    const { uploadId, fromVersion, message, keepLock } = parseBody(event, body);
    if (uploadId !== undefined && fromVersion !== undefined)
      throw badRequest('uploadId and fromVersion are exclusive: new bytes, or an earlier version’s');
    // Keeping the lock without a new version would change nothing: almost surely a client mistake.
    if (keepLock && uploadId === undefined && fromVersion === undefined)
      throw badRequest('keepLock needs an uploadId or a fromVersion');
    const result = await vault.checkins.checkIn(caller, name, {
      source: uploadId !== undefined ? { uploadId } : fromVersion !== undefined ? { fromVersion } : null,
      message: message ?? '',
      keepLock: keepLock ?? false,
    });
    return { status: 200, body: result };
  });

export const handler = checkin(vaultFromEnvironment({ checkins: CheckIns }, { blobs: s3Blobs }));
