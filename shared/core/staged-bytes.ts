/**
 * (v2) Verifying an upload's staged bytes and making them a blob. The vault commits only bytes whose
 * whole-file SHA-256 it has computed itself, and a blob (`blobs/<sha256>`) only ever receives such bytes:
 *
 * - A single PUT (at most the multipart threshold, 100 MiB by default) is staged at a key of its upload.
 *   Storage that enforced the signed checksum says so (S3); otherwise (the emulators) it is hashed here.
 *   It is then copied into its blob, on the conditions that it is still the object verified (its ETag)
 *   and that the blob does not exist yet (one that does holds these bytes already).
 * - A multipart upload's parts are objects of their own, so they can be read before the upload ends.
 *   They are verified in order: each part is hashed against the SHA-256 its client declared for it
 *   while the whole-file SHA-256 goes on from the state saved after the previous part (a resumable
 *   SHA-256, hash-wasm's `save`/`load`: SHA-256 cannot be split, so whoever verifies part N needs the
 *   state after part N-1), and is copied server-side into a multipart upload on the blob's key on the
 *   condition that it is still the object hashed. The verified prefix and the state live on the upload's
 *   item, moved on one part at a time with a conditional write, so any number of verifiers may run at
 *   once (a check-in, the background verifier fed by storage's object-created events) and each part
 *   counts once. The blob's multipart upload completes, at check-in, only when every part is verified
 *   and the whole-file SHA-256 matches; until then nothing shows under the blob's key.
 *
 * What that costs on AWS for a 20 GiB file in 16 MiB parts (1,280 parts): the client's 1,280 PUTs;
 * 1,280 GETs and 1,280 UploadPartCopy requests (~$0.007 together), one DynamoDB transaction per part;
 * ~20 GiB of staged parts and as much in the assembly until the check-in (then the parts go); and about
 * 90-140 s of hashing (hash-wasm's SHA-256 runs at ~150-225 MB/s, against ~1.5 GB/s for OpenSSL's,
 * which cannot save its state) spread over the whole upload in the background verifier, ~$0.003 of
 * Lambda. The check-in itself verifies what the background has not yet reached (normally the last
 * few parts in flight, a few seconds) and completes the assembly: it never hashes 20 GiB in one request.
 */
import { createHash } from 'node:crypto';
import { createSHA256, type IHasher } from 'hash-wasm';
import { preconditionFailed } from '../errors';
import { logger } from '../logger';
import type { CoreContext } from './context';
import type { StoredPart } from './ports';
import type { PartRecord, UploadRecord } from './records';
import { partSpan } from './upload-plan';

/** Why the verified prefix stopped short of the whole upload. */
export type PartProblem = { partNumber: number; kind: 'missing' | 'wrong' | 'changed' };

/** How long a verifier may hold a part before another takes it over: ample for reading and hashing it. */
const claimMs = (partBytes: number): number => Math.max(60_000, (partBytes / (10 * 1024 ** 2)) * 1000);
const CLAIM_POLL_MS = 200;

export interface Advance {
  /** The upload as it stands after this pass; null when it is gone. */
  upload: UploadRecord | null;
  problem: PartProblem | null;
}

const newHasher = async (state: string | null): Promise<IHasher> => {
  const hasher = await createSHA256();
  if (state === null) hasher.init();
  else hasher.load(Buffer.from(state, 'base64'));
  return hasher;
};

const isOpen = (upload: UploadRecord | null): upload is UploadRecord =>
  upload !== null &&
  upload.committedVersion === null &&
  upload.abandonedAt === null &&
  upload.sweptAt === null;

export class StagedBytes {
  constructor(private readonly context: CoreContext) {}

  /**
   * Verifies the upload's bytes and makes its blob hold them; 412 when they are missing or not as
   * declared. `blobStored`: a version refers to the blob, so it holds them already.
   */
  async place(upload: UploadRecord, blobStored = false): Promise<void> {
    if (upload.method === 'PUT') await this.placeSinglePut(upload, blobStored);
    else await this.placeParts(upload);
  }

  /**
   * Verifies, in order, the parts after the verified ones that storage holds, until one is missing or
   * wrong, or `deadline` (epoch ms) passes. Safe to run anywhere, any number of times at once: each
   * part is claimed before it is read, so two verifiers do not hash it both. With `waitForOthers` (a
   * check-in, which needs the outcome) a part someone else claimed is waited for; without (the
   * background verifier), it is left to them.
   */
  async advance(
    uploadId: string,
    options: { deadline?: number; waitForOthers?: boolean } = {},
  ): Promise<Advance> {
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    const { store, blobs } = this.context;
    let upload = await store.getUpload(uploadId);
    if (!isOpen(upload) || upload.method !== 'MULTIPART' || upload.assemblyId === null)
      return { upload, problem: null };
    const assembly = { sha256: upload.sha256, assemblyId: upload.assemblyId };
    const declared = new Map<number, PartRecord>(
      (await store.listParts(uploadId)).map((part) => [part.partNumber, part]),
    );
    while (isOpen(upload) && upload.verifiedParts < upload.partCount && Date.now() < deadline) {
      const partNumber: number = upload.verifiedParts + 1;
      const part = declared.get(partNumber);
      if (!part) return { upload, problem: { partNumber, kind: 'missing' } };
      const now = this.context.clock();
      const lease = new Date(now.getTime() + claimMs(partSpan(upload, partNumber).sizeBytes)).toISOString();
      if (!(await store.claimNextPart(upload, now.toISOString(), lease))) {
        // Another verifier has this part (or moved on already): wait for it, or leave it to it.
        if (!options.waitForOthers) return { upload: await store.getUpload(uploadId), problem: null };
        await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
        upload = await store.getUpload(uploadId);
        continue;
      }
      const staged = await blobs.readStagedPart(uploadId, partNumber);
      if (!staged) {
        await store.releasePartClaim(upload);
        return { upload, problem: { partNumber, kind: 'missing' } };
      }
      const hasher = await newHasher(upload.hashState);
      const own = createHash('sha256');
      const expected = partSpan(upload, partNumber).sizeBytes;
      let size = 0;
      for await (const chunk of staged.body) {
        size += (chunk as Buffer).length;
        if (size > expected) break;
        own.update(chunk as Buffer);
        hasher.update(chunk as Buffer);
      }
      staged.body.destroy();
      if (size !== expected || own.digest('hex') !== part.sha256) {
        await store.releasePartClaim(upload);
        return { upload, problem: { partNumber, kind: 'wrong' } };
      }
      const copiedETag = await blobs.copyIntoAssembly(assembly, uploadId, partNumber, staged.etag);
      if (copiedETag === null) {
        await store.releasePartClaim(upload);
        return { upload, problem: { partNumber, kind: 'changed' } };
      }
      const hashState = Buffer.from(hasher.save()).toString('base64');
      const moved = await store.recordVerifiedPart({ upload, partNumber, hashState, copiedETag });
      // Lost to another verifier (or the upload ended): go on from where it stands now.
      upload = moved ? { ...upload, verifiedParts: partNumber, hashState } : await store.getUpload(uploadId);
    }
    return { upload, problem: null };
  }

  private async placeSinglePut(upload: UploadRecord, blobStored: boolean): Promise<void> {
    const { blobs } = this.context;
    const staged: StoredPart | null = upload.stagedAtBlob
      ? await blobs.describeBlob(upload.sha256).then((blob) => blob && { ...blob, etag: '' })
      : await blobs.describeStagedPart(upload.uploadId, 1);
    if (!staged)
      throw preconditionFailed(
        `nothing was uploaded for ${upload.name}: PUT the bytes to the upload URL first`,
      );
    if (staged.sizeBytes !== upload.sizeBytes)
      throw preconditionFailed(
        `the upload holds ${staged.sizeBytes} bytes, not the ${upload.sizeBytes} declared`,
      );
    // Storage that enforced the signed checksum says so; the emulators do not, so the bytes are hashed here.
    const verified =
      staged.sha256 !== null ? { sha256: staged.sha256, etag: staged.etag } : await this.hashPut(upload);
    if (verified.sha256 !== upload.sha256)
      throw preconditionFailed('the uploaded bytes do not match the declared SHA-256');
    if (upload.stagedAtBlob || blobStored) return;
    if ((await blobs.placeStagedPut(upload.uploadId, upload.sha256, verified.etag)) === 'changed')
      throw preconditionFailed('the uploaded bytes changed while they were being verified: PUT them again');
  }

  /** The SHA-256 of a single PUT's bytes (and the ETag of what was hashed), read from storage. */
  private async hashPut(upload: UploadRecord): Promise<{ sha256: string | null; etag: string }> {
    const hash = createHash('sha256');
    if (upload.stagedAtBlob) {
      for await (const chunk of await this.context.blobs.readBlob(upload.sha256))
        hash.update(chunk as Buffer);
      return { sha256: hash.digest('hex'), etag: '' };
    }
    const staged = await this.context.blobs.readStagedPart(upload.uploadId, 1);
    if (!staged) return { sha256: null, etag: '' };
    for await (const chunk of staged.body) hash.update(chunk as Buffer);
    return { sha256: hash.digest('hex'), etag: staged.etag };
  }

  private async placeParts(initial: UploadRecord): Promise<void> {
    const { blobs, store } = this.context;
    const { upload, problem } = await this.advance(initial.uploadId, { waitForOthers: true });
    if (!upload) throw preconditionFailed(`upload ${initial.uploadId} is gone`);
    if (problem) throw await this.partRefusal(upload, problem);
    if (upload.verifiedParts < upload.partCount || upload.hashState === null || upload.assemblyId === null)
      throw preconditionFailed(`only ${upload.verifiedParts} of ${upload.partCount} parts are verified`);
    const whole = (await newHasher(upload.hashState)).digest('hex');
    if (whole !== upload.sha256)
      throw preconditionFailed(
        `every part matches its declared SHA-256, but together they are SHA-256 ${whole}, not the ${upload.sha256} declared for the whole file`,
      );
    if (await blobs.describeBlob(upload.sha256)) return;
    const parts = (await store.listParts(upload.uploadId)).map((part) => ({
      partNumber: part.partNumber,
      etag: part.copiedETag ?? '',
    }));
    try {
      await blobs.completeAssembly({ sha256: upload.sha256, assemblyId: upload.assemblyId }, parts);
    } catch (error) {
      // A check-in of the same upload running at the same time may have completed it first.
      if (await blobs.describeBlob(upload.sha256)) return;
      // Or this one did, and the sweeper removed the blob before the commit: the assembly is spent.
      logger.warn('completing the assembly failed', { uploadId: upload.uploadId, error: error as Error });
      throw preconditionFailed(
        'the parts could not be put together again (they were, and the vault removed the result before the check-in committed): stage the upload again',
      );
    }
  }

  private async partRefusal(upload: UploadRecord, problem: PartProblem) {
    const { partNumber, kind } = problem;
    if (kind === 'missing') {
      const held = (await this.context.blobs.listStagedParts(upload.uploadId)).length;
      return preconditionFailed(
        `part ${partNumber} of ${upload.partCount} is missing (storage holds ${held} of the ${upload.partCount} parts): send the missing parts, then check in again`,
      );
    }
    if (kind === 'wrong')
      return preconditionFailed(
        `part ${partNumber} does not hold the ${partSpan(upload, partNumber).sizeBytes} bytes of the SHA-256 declared for it: send it again`,
      );
    return preconditionFailed(`part ${partNumber} changed while it was being verified: send it again`);
  }
}
