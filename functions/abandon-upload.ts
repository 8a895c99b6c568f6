import * as z from 'zod/mini';
import { Uploads } from '#shared/core/uploads';
import type { Vault } from '#shared/core/vault';
import { parseBody, parsePathUploadId, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { vaultFromEnvironment } from '#shared/runtime';
import { s3Blobs } from '#shared/runtime-s3';

export const abandonUpload = (vault: Pick<Vault, 'uploads'>) =>
  httpRoute(async (event, caller) => {
    const uploadId = parsePathUploadId(event);
    parseQuery(event, z.strictObject({}));
    parseBody(event, z.strictObject({}));
    return { status: 200, body: await vault.uploads.abandon(caller, uploadId) };
  });

export const handler = abandonUpload(vaultFromEnvironment({ uploads: Uploads }, { blobs: s3Blobs }));
