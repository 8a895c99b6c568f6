import * as z from 'zod/mini';
import { CheckIns } from '#shared/core/checkins';
import type { Vault } from '#shared/core/vault';
import { fields, parseBody, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseFileName } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';
import { s3Blobs } from '#shared/runtime-s3';

const body = z.strictObject({
  name: z.string(),
  sizeBytes: fields.sizeBytes,
  sha256: fields.sha256,
  partSizeBytes: z.optional(fields.partSizeBytes),
});

export const createUpload = (vault: Pick<Vault, 'checkins' | 'extensions'>) =>
  httpRoute(async (event, caller) => {
    parseQuery(event, z.strictObject({}));
    const request = parseBody(event, body);
    // A name v2 finds not portable is the core's to refuse: it knows whether a v1 file already has it.
    const name = parseFileName(request.name, vault.extensions);
    return {
      status: 201,
      body: await vault.checkins.stage(
        caller,
        name,
        request.sizeBytes,
        request.sha256,
        request.partSizeBytes,
      ),
    };
  });

export const handler = createUpload(vaultFromEnvironment({ checkins: CheckIns }, { blobs: s3Blobs }));
