import * as z from 'zod/mini';
import { Uploads } from '#shared/core/uploads';
import type { Vault } from '#shared/core/vault';
import { fields, parseBody, parsePathUploadId, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';
import { s3Blobs } from '#shared/runtime-s3';

const body = z.strictObject({
  parts: z.array(z.strictObject({ partNumber: fields.partNumber, sha256: fields.sha256 })).check(
    z.minLength(1, 'must ask for at least one part'),
    z.maxLength(100, 'must ask for at most 100 parts'),
    z.refine(
      (parts) => new Set(parts.map((part) => part.partNumber)).size === parts.length,
      'must not name a part twice',
    ),
  ),
});

export const uploadParts = (vault: Pick<Vault, 'uploads'>) =>
  httpRoute(async (event, caller) => {
    const uploadId = parsePathUploadId(event);
    parseQuery(event, z.strictObject({}));
    const { parts } = parseBody(event, body);
    return { status: 200, body: { parts: await vault.uploads.partUrls(caller, uploadId, parts) } };
  });

export const handler = uploadParts(vaultFromEnvironment({ uploads: Uploads }, { blobs: s3Blobs }));
