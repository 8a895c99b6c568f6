/**
 * Whether storage holds exactly the bytes of a SHA-256: their length from the object, their digest
 * from storage's own check where it reports one (S3 verifies the signed checksum of a PUT), else from
 * the bytes themselves (emulators store what they are sent). Check-ins and Git LFS verify alike.
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { FileStore } from './ports';

export type StoredBytes =
  | { state: 'missing' }
  | { state: 'other size'; sizeBytes: number }
  | { state: 'other bytes' }
  | { state: 'exact' };

export const checkStoredBytes = async (
  blobs: FileStore,
  sha256: string,
  sizeBytes: number,
): Promise<StoredBytes> => {
  const blob = await blobs.describeBlob(sha256);
  if (!blob) return { state: 'missing' };
  if (blob.sizeBytes !== sizeBytes) return { state: 'other size', sizeBytes: blob.sizeBytes };
  let digest = blob.sha256;
  if (digest === null) {
    const hash = createHash('sha256');
    await pipeline(await blobs.readBlob(sha256), hash);
    digest = hash.digest('hex');
  }
  return digest === sha256 ? { state: 'exact' } : { state: 'other bytes' };
};
