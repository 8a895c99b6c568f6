/**
 * The SHA-256s a file is declared by: its own and (v2, a file sent in parts) each part's, computed
 * with hash-wasm over the Blob read a few MiB at a time. Pure (no DOM): the hashing worker
 * (hash-worker.ts) runs it off the page's thread, and it is unit-tested in Node.
 */
import { createSHA256 } from 'hash-wasm';
import { DEFAULT_PART_BYTES, MAX_PARTS } from '../../shared/core/upload-plan';

const MiB = 1024 ** 2;
const CHUNK_BYTES = 4 * MiB;

/**
 * The part size the vault chooses for a file of `sizeBytes` when it sends it in parts (its default,
 * raised in whole MiB to stay within storage's number of parts): hashed beside the whole file, its
 * parts need no second read when the vault answers a multipart upload.
 */
export const expectedPartSize = (sizeBytes: number): number =>
  Math.max(DEFAULT_PART_BYTES, Math.ceil(sizeBytes / MAX_PARTS / MiB) * MiB);

export interface DigestRequest {
  file: Blob;
  /** Whether to compute the whole file's SHA-256. */
  whole: boolean;
  /** Also each part's SHA-256, parts of this size (the last has the rest); null: no parts. */
  partSizeBytes: number | null;
}

export interface Digest {
  /** The whole file's SHA-256 (hex), null when not asked. */
  sha256: string | null;
  /** Part n's SHA-256 at index n - 1; empty when not asked. */
  partSha256s: string[];
}

/** What the worker posts back: bytes read so far, then the digest or why not. */
export type DigestMessage =
  | { type: 'progress'; bytes: number }
  | { type: 'done'; digest: Digest }
  | { type: 'error'; message: string };

/** The asked SHA-256s of `file`, read once; `onBytes` hears how far it got. */
export const digestBlob = async (
  { file, whole, partSizeBytes }: DigestRequest,
  onBytes: (bytes: number) => void,
): Promise<Digest> => {
  const [fileHasher, partHasher] = await Promise.all([
    whole ? createSHA256() : null,
    partSizeBytes === null ? null : createSHA256(),
  ]);
  fileHasher?.init();
  partHasher?.init();
  const partSha256s: string[] = [];
  let partStart = 0;
  onBytes(0);
  for (let offset = 0; offset < file.size; ) {
    // A chunk never crosses the end of a part, so that each part's hash closes on a chunk's end.
    const partEnd = partSizeBytes === null ? file.size : partStart + partSizeBytes;
    const end = Math.min(file.size, offset + CHUNK_BYTES, partEnd);
    const chunk = new Uint8Array(await file.slice(offset, end).arrayBuffer());
    fileHasher?.update(chunk);
    if (partHasher) {
      partHasher.update(chunk);
      if (end === partEnd || end === file.size) {
        partSha256s.push(partHasher.digest('hex'));
        partHasher.init();
        partStart = end;
      }
    }
    offset = end;
    onBytes(offset);
  }
  return { sha256: fileHasher ? fileHasher.digest('hex') : null, partSha256s };
};
