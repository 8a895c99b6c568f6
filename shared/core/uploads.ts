/**
 * (v2) An upload in progress, for the caller who staged it (anyone else: 404): URLs for its parts, what
 * storage already holds of it (to resume), and giving it up. Staging it and checking it in are
 * `CheckIns`' (checkins.ts); verifying its bytes is `StagedBytes`' (staged-bytes.ts).
 */
import { badRequest, notFound } from '../errors';
import { logger } from '../logger';
import type { Caller, Part, PartUrl, Upload, UploadStatus } from '../model';
import type { CoreContext } from './context';
import { requireAnyRole } from './guard';
import type { UploadRecord } from './records';
import { partSpan } from './upload-plan';

/** How much longer than its stagedUntil an upload's records are kept (then DynamoDB's TTL removes them). */
export const UPLOAD_RECORD_GRACE_SECONDS = 24 * 3600;

export const uploadRecordTtl = (upload: UploadRecord): number =>
  Math.ceil(new Date(upload.stagedUntil).getTime() / 1000) + UPLOAD_RECORD_GRACE_SECONDS;

/** A URL lasts the configured time, never past the end of its upload. */
export const urlSeconds = (context: CoreContext, upload: UploadRecord, now: Date): number =>
  Math.max(
    1,
    Math.min(
      context.config.urlTtlSeconds,
      Math.floor((new Date(upload.stagedUntil).getTime() - now.getTime()) / 1000),
    ),
  );

export const uploadView = (
  upload: UploadRecord,
  put: { url: string; headers: Record<string, string>; expiresAt: string } | null,
): Upload => {
  const common = {
    uploadId: upload.uploadId,
    name: upload.name,
    sizeBytes: upload.sizeBytes,
    sha256: upload.sha256,
  };
  if (upload.method === 'MULTIPART') {
    return {
      ...common,
      method: 'MULTIPART',
      url: null,
      headers: {},
      expiresAt: upload.stagedUntil,
      partSizeBytes: upload.partSizeBytes,
      partCount: upload.partCount,
    };
  }
  if (!put) throw new Error(`a single-PUT upload is shown with its URL (${upload.uploadId})`);
  return { ...common, method: 'PUT', url: put.url, headers: put.headers, expiresAt: put.expiresAt };
};

export class Uploads {
  constructor(private readonly context: CoreContext) {}

  /** Presigned PUTs for these parts, each bound to its length and declared SHA-256; fresh on every ask. */
  async partUrls(caller: Caller, uploadId: string, asked: { partNumber: number; sha256: string }[]) {
    const { store, blobs } = this.context;
    const issuedAt = this.context.clock();
    const upload = await this.openUpload(caller, uploadId, issuedAt);
    if (upload.method === 'PUT')
      throw badRequest('this upload is a single PUT and has no parts: PUT its bytes to the URL it came with');
    const beyond = asked.find((part) => part.partNumber > upload.partCount);
    if (beyond)
      throw badRequest(
        `part ${beyond.partNumber} is past the last part of this upload (${upload.partCount})`,
      );
    const declared = new Map(
      (
        await store.getParts(
          uploadId,
          asked.map((part) => part.partNumber),
        )
      ).map((part) => [part.partNumber, part]),
    );
    const changes: { partNumber: number; sha256: string }[] = [];
    for (const part of asked) {
      const before = declared.get(part.partNumber);
      if (before?.sha256 === part.sha256) continue;
      // A declared SHA-256 may change until storage holds the part; then only the one it holds is accepted.
      const stored = before ? await blobs.describeStagedPart(uploadId, part.partNumber) : null;
      const held = stored && (stored.sha256 ?? before?.sha256);
      if (held && held !== part.sha256)
        throw badRequest(
          `part ${part.partNumber} is already in storage with SHA-256 ${held}; it can be asked for again with that SHA-256 only`,
        );
      changes.push(part);
    }
    if (changes.length > 0)
      await store.declareParts({ uploadId, parts: changes, ttlEpochSeconds: uploadRecordTtl(upload) });
    const seconds = urlSeconds(this.context, upload, issuedAt);
    const expiresAt = new Date(issuedAt.getTime() + seconds * 1000).toISOString();
    return Promise.all(
      asked.map(async (part): Promise<PartUrl> => {
        const signed = await blobs.presignStagedPart(
          uploadId,
          part.partNumber,
          part.sha256,
          partSpan(upload, part.partNumber).sizeBytes,
          seconds,
        );
        return { partNumber: part.partNumber, url: signed.url, headers: signed.headers, expiresAt };
      }),
    );
  }

  /** The upload and the parts storage already holds: what a client needs to resume it. */
  async status(caller: Caller, uploadId: string): Promise<UploadStatus> {
    const { store, blobs } = this.context;
    const now = this.context.clock();
    const upload = await this.openUpload(caller, uploadId, now);
    const [stored, declared] = await Promise.all([
      blobs.listStagedParts(uploadId),
      upload.method === 'PUT'
        ? Promise.resolve([{ partNumber: 1, sha256: upload.sha256 }])
        : store.listParts(uploadId),
    ]);
    const declaredSha = new Map(declared.map((part) => [part.partNumber, part.sha256]));
    const receivedParts = stored.flatMap((part): Part[] => {
      const sha256 = declaredSha.get(part.partNumber);
      if (part.partNumber > upload.partCount || sha256 === undefined) return [];
      const span = partSpan(upload, part.partNumber);
      return span.sizeBytes === part.sizeBytes ? [{ partNumber: part.partNumber, ...span, sha256 }] : [];
    });
    let put = null;
    if (upload.method === 'PUT') {
      const seconds = urlSeconds(this.context, upload, now);
      const signed = await blobs.presignStagedPart(uploadId, 1, upload.sha256, upload.sizeBytes, seconds);
      put = { ...signed, expiresAt: new Date(now.getTime() + seconds * 1000).toISOString() };
    }
    return { upload: uploadView(upload, put), receivedParts };
  }

  /** Gives the upload up: it can no longer be checked in, and what it staged is removed. */
  async abandon(caller: Caller, uploadId: string): Promise<{ uploadId: string; abandoned: true }> {
    const now = this.context.clock();
    const upload = await this.openUpload(caller, uploadId, now);
    // Lost to its check-in or another abandon: either way there is no upload in progress any more.
    if (!(await this.context.store.abandonUpload(upload, now.toISOString()))) throw noSuchUpload(uploadId);
    const assembly = upload.assemblyId ? { sha256: upload.sha256, assemblyId: upload.assemblyId } : null;
    try {
      await this.context.blobs.discardStaged(uploadId, assembly);
    } catch (error) {
      // The sweeper removes what is left of abandoned uploads.
      logger.warn('could not remove what an abandoned upload staged', { uploadId, error: error as Error });
    }
    return { uploadId, abandoned: true };
  }

  /** The caller's own upload, neither checked in, given up nor expired; else 404. */
  private async openUpload(caller: Caller, uploadId: string, now: Date): Promise<UploadRecord> {
    requireAnyRole(this.context, caller);
    const upload = await this.context.store.getUpload(uploadId);
    if (
      !upload ||
      upload.user !== caller.user ||
      upload.committedVersion !== null ||
      upload.abandonedAt !== null ||
      upload.sweptAt !== null ||
      upload.stagedUntil < now.toISOString()
    )
      throw noSuchUpload(uploadId);
    return upload;
  }
}

export const noSuchUpload = (uploadId: string) =>
  notFound(`no upload ${uploadId} of yours is in progress (unknown, checked in, given up or expired)`);
