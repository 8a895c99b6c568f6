/**
 * (v2) The sweeper: removes the bytes that no version and no live upload refers to, so that abandoned
 * uploads cost storage for at most `CAMVAULT_UPLOAD_TTL_SECONDS` (scheduled on AWS, a timer locally).
 *
 * - What an upload staged (`uploads/<uploadId>/…`) goes once the upload is checked in (its blob holds
 *   the bytes), given up, expired, or unknown to the table. An expired or given-up upload is first
 *   marked swept with a conditional write, so that no check-in of it can commit after that.
 * - A blob goes when a check-in placed it and no version came to refer to it (its commit lost a race,
 *   or its client never committed) for `blobGraceMs`. The guard against a check-in racing the sweep
 *   is the blob's record: staging marks the blob placed (unless a sweep has it) before any byte can
 *   reach it, and a check-in long after staging marks it again; the commit goes through only if the
 *   blob is still so marked (or the sweeper's count of it is still what the check-in read) and no
 *   sweep is under way; the sweeper claims the blob only if it is still unreferenced and placed as it
 *   read, deletes it, then counts the sweep (and drops the mark). Either the commit comes first (the
 *   claim fails, the blob stays) or the claim does (the commit fails and the check-in places the
 *   bytes again, or answers 412): a committed version never refers to bytes the sweeper removed.
 *   Blobs without a record (v1's) are never touched.
 */
import { logger } from '../logger';
import type { CoreContext } from './context';
import type { BlobRecord, UploadRecord } from './records';

/** Candidates read at a time, and pages of them one run goes through at most. */
const BLOBS_PER_PAGE = 100;
const MAX_BLOB_PAGES = 50;

export interface SweepReport {
  /** Uploads whose staged bytes were removed. */
  uploads: number;
  /** Blobs removed. */
  blobs: number;
}

export class Sweeper {
  constructor(private readonly context: CoreContext) {}

  async sweep(): Promise<SweepReport> {
    return { uploads: await this.sweepStaged(), blobs: await this.sweepBlobs() };
  }

  private async sweepStaged(): Promise<number> {
    const { store, blobs } = this.context;
    let swept = 0;
    for await (const uploadId of blobs.stagedUploads()) {
      const now = this.context.clock().toISOString();
      const upload = await store.getUpload(uploadId);
      if (!(await this.isDead(upload, now))) continue;
      const assembly =
        upload?.assemblyId && upload.committedVersion === null
          ? { sha256: upload.sha256, assemblyId: upload.assemblyId }
          : null;
      try {
        await blobs.discardStaged(uploadId, assembly);
        swept += 1;
      } catch (error) {
        // The next run tries again: the upload stays marked.
        logger.warn('could not remove what an upload staged', { uploadId, error: error as Error });
      }
    }
    return swept;
  }

  /** Nothing will use what it staged: unknown, checked in, already swept, or (marked swept now) given up or expired. */
  private async isDead(upload: UploadRecord | null, now: string): Promise<boolean> {
    if (!upload || upload.committedVersion !== null || upload.sweptAt !== null) return true;
    if (upload.abandonedAt === null && upload.stagedUntil >= now) return false;
    return this.context.store.markUploadSwept(upload, now);
  }

  private async sweepBlobs(): Promise<number> {
    const { store, blobs } = this.context;
    const seen = new Set<string>();
    let swept = 0;
    for (let page = 0; page < MAX_BLOB_PAGES; page++) {
      const now = this.context.clock();
      const before = new Date(now.getTime() - this.context.blobGraceMs).toISOString();
      const fresh = (await store.unreferencedBlobs(before, BLOBS_PER_PAGE)).filter(
        (blob: BlobRecord) => !seen.has(`${blob.sha256}@${blob.placedAt}`),
      );
      if (fresh.length === 0) break;
      for (const blob of fresh) {
        seen.add(`${blob.sha256}@${blob.placedAt}`);
        // Referenced or placed again since it was read, or another sweeper has it: it stays.
        if (!(await store.startBlobSweep(blob, now.toISOString()))) continue;
        await blobs.deleteBlob(blob.sha256);
        await store.endBlobSweep(blob);
        swept += 1;
      }
    }
    return swept;
  }
}
