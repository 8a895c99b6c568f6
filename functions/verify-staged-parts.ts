/**
 * (v2) Storage's object-created events for staged parts (AWS: S3 via EventBridge): each verifies the
 * parts of its upload that are next in line, so that by the time the last part arrives almost all of
 * a large file is hashed and put together, and its check-in has only the tail left to do.
 */
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { StagedBytes } from '#shared/core/staged-bytes';
import type { Vault } from '#shared/core/vault';
import { logger } from '#shared/logger';
import { vaultFromEnvironment } from '#shared/runtime';
import { s3Blobs } from '#shared/runtime-s3';

/** What S3 says of a created object on EventBridge (the fields read here). */
export interface ObjectCreated {
  bucket: { name: string };
  object: { key: string; size?: number };
}

/** `uploads/<uploadId>/<part number>`, the key of a staged part. */
const STAGED_PART = /^uploads\/([0-9a-f-]{36})\/(\d{5})$/;

/** Left for the part being verified when the deadline passes: a 5 GiB part, read and hashed, at ~100 MB/s. */
const SAFETY_MARGIN_MS = 90_000;

export const verifyStagedParts = (vault: Pick<Vault, 'stagedBytes'>) =>
  middy<EventBridgeEvent<'Object Created', ObjectCreated>, void>().handler(
    async (event, context: Context) => {
      const match = STAGED_PART.exec(event.detail.object.key);
      if (!match) return;
      const uploadId = match[1] as string;
      const deadline = Date.now() + Math.max(0, context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS);
      const { upload, problem } = await vault.stagedBytes.advance(uploadId, { deadline });
      logger.info('staged parts verified', {
        uploadId,
        part: Number(match[2]),
        verifiedParts: upload?.verifiedParts ?? null,
        partCount: upload?.partCount ?? null,
        stoppedAt: problem,
      });
    },
  );

export const handler = verifyStagedParts(
  vaultFromEnvironment({ stagedBytes: StagedBytes }, { blobs: s3Blobs }),
);
