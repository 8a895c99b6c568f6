/**
 * (v2) How an upload is cut into parts: one PUT at or under the multipart threshold, else parts of a
 * size the client asks for (used exactly) or the vault's own choice, within storage's limits.
 */
import { badRequest } from '../errors';

/** Storage's smallest part (all but the last), its largest, and its most parts in one object. */
export const MIN_PART_BYTES = 5 * 1024 ** 2;
export const MAX_PART_BYTES = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;
/**
 * The vault's own part size: small enough that a cut connection loses little and eight parts in
 * flight stay a few dozen MB, large enough that a 50 GiB file stays in 3,200 parts.
 */
export const DEFAULT_PART_BYTES = 16 * 1024 ** 2;

const MiB = 1024 ** 2;

export interface PartPlan {
  method: 'PUT' | 'MULTIPART';
  partSizeBytes: number;
  partCount: number;
}

export const partCountOf = (sizeBytes: number, partSizeBytes: number): number =>
  Math.max(1, Math.ceil(sizeBytes / partSizeBytes));

/** The plan for `sizeBytes`, or 400 for an asked part size storage cannot use. */
export const planUpload = (
  sizeBytes: number,
  askedPartSizeBytes: number | undefined,
  thresholdBytes: number,
): PartPlan => {
  if (askedPartSizeBytes === undefined) {
    if (sizeBytes <= thresholdBytes) return { method: 'PUT', partSizeBytes: sizeBytes, partCount: 1 };
    // Raised, in whole MiB, as far as it takes to stay within storage's number of parts.
    const partSizeBytes = Math.max(DEFAULT_PART_BYTES, Math.ceil(sizeBytes / MAX_PARTS / MiB) * MiB);
    return { method: 'MULTIPART', partSizeBytes, partCount: partCountOf(sizeBytes, partSizeBytes) };
  }
  if (askedPartSizeBytes < MIN_PART_BYTES || askedPartSizeBytes > MAX_PART_BYTES)
    throw badRequest(
      `partSizeBytes must be from ${MIN_PART_BYTES} (5 MiB) to ${MAX_PART_BYTES} (5 GiB), storage's limits for a part`,
    );
  if (sizeBytes === 0) throw badRequest('an empty file has no parts: stage it without partSizeBytes');
  const partCount = partCountOf(sizeBytes, askedPartSizeBytes);
  if (partCount > MAX_PARTS)
    throw badRequest(
      `partSizeBytes ${askedPartSizeBytes} would cut ${sizeBytes} bytes into ${partCount} parts; storage takes at most ${MAX_PARTS}: ask for at least ${Math.ceil(sizeBytes / MAX_PARTS)}`,
    );
  return { method: 'MULTIPART', partSizeBytes: askedPartSizeBytes, partCount };
};

/** Where part `partNumber` (from 1) starts, and how many bytes it has. */
export const partSpan = (
  upload: { sizeBytes: number; partSizeBytes: number },
  partNumber: number,
): { offset: number; sizeBytes: number } => {
  const offset = (partNumber - 1) * upload.partSizeBytes;
  return { offset, sizeBytes: Math.min(upload.partSizeBytes, upload.sizeBytes - offset) };
};
