/**
 * Staging bytes and checking them in: a new version (from an upload, or an earlier version's bytes for
 * a revert) and the lock's release, committed together; or a release alone when nothing changed.
 */
import { alreadyExists, badRequest, locked, lockLost, notFound, notLocked, payloadTooLarge } from '../errors';
import { logger } from '../logger';
import type { Caller, Upload, VaultFile, Version } from '../model';
import { type FileName, requirePortable } from '../names';
import { type CoreContext, MAX_ATTEMPTS, newLock, secondsLater } from './context';
import { checkedIn, checkedOut } from './entries';
import { folderChanges } from './folders';
import {
  accessOf,
  changeableFile,
  requireCreatable,
  requireRole,
  requireWrite,
  sees,
  visibleFile,
} from './guard';
import { callersLock } from './locks';
import type { AuditRecord, BlobGuard, FileRecord, LockRecord, UploadRecord, VersionRecord } from './records';
import { noSuchFile } from './refusals';
import { StagedBytes } from './staged-bytes';
import { planUpload } from './upload-plan';
import { uploadRecordTtl, uploadView, urlSeconds } from './uploads';
import { activeLock, fileView, lockView, versionView } from './views';

/** What a check-in commits: staged bytes, an earlier version's bytes, or nothing (a release). */
export type CheckInSource = { uploadId: string } | { fromVersion: number } | null;

export interface CheckInRequest {
  source: CheckInSource;
  message: string;
  keepLock: boolean;
}

type CheckInResult = { file: VaultFile; version: Version | null };

export class CheckIns {
  private readonly staged: StagedBytes;

  constructor(private readonly context: CoreContext) {
    this.staged = new StagedBytes(context);
  }

  /**
   * Stages an upload: one PUT at or under the multipart threshold, else (or when `partSizeBytes` is
   * asked) parts, each PUT to a URL of its own. Its bytes are staged under keys of this upload alone.
   */
  async stage(
    caller: Caller,
    name: FileName,
    sizeBytes: number,
    sha256: string,
    partSizeBytes?: number,
  ): Promise<Upload> {
    const { config, store, blobs } = this.context;
    if (sizeBytes > config.maxUploadBytes) {
      throw payloadTooLarge(
        `uploads are limited to ${config.maxUploadBytes} bytes; this one declares ${sizeBytes}`,
      );
    }
    const plan = planUpload(sizeBytes, partSizeBytes, config.multipartThresholdBytes);
    const found = await store.getFileAndRules(name.key);
    const access = accessOf(this.context, caller, found.book);
    const file = found.file && sees(access, found.file) ? found.file : null;
    if (file) {
      requireRole(access, 'programmers', 'checking in');
      requireWrite(access, file.key, file.name);
    } else {
      // Only an existing file may keep a name v2 no longer lets anyone create.
      requirePortable(name);
      requireCreatable(access, name, 'adding a file');
    }
    const issuedAt = this.context.clock();
    const now = issuedAt.toISOString();
    const lock = file ? callersLock(file, caller, now) : null;
    const stagedUntil = secondsLater(issuedAt, config.uploadTtlSeconds);
    const upload: UploadRecord = {
      uploadId: this.context.newId(),
      key: name.key,
      name: file?.name ?? name.name,
      fileId: file?.fileId ?? null,
      user: caller.user,
      lockId: lock?.lockId ?? null,
      sizeBytes,
      sha256,
      createdAt: now,
      expiresAt: stagedUntil,
      stagedUntil,
      committedVersion: null,
      ...plan,
      stagedAtBlob: false,
      assemblyId: plan.method === 'MULTIPART' ? await blobs.startAssembly(sha256) : null,
      verifiedParts: 0,
      hashState: null,
      // Marked before any byte can reach it, so that bytes a crash strands there are the sweeper's.
      blobMarkedAt: now,
      blobReferenced: false,
      abandonedAt: null,
      sweptAt: null,
    };
    let put = null;
    if (plan.method === 'PUT') {
      const seconds = urlSeconds(this.context, upload, issuedAt);
      upload.expiresAt = secondsLater(issuedAt, seconds);
      const signed = await blobs.presignStagedPart(upload.uploadId, 1, sha256, sizeBytes, seconds);
      put = { ...signed, expiresAt: upload.expiresAt };
    }
    return uploadView(await store.putUpload(upload, uploadRecordTtl(upload)), put);
  }

  async checkIn(caller: Caller, name: FileName, request: CheckInRequest): Promise<CheckInResult> {
    const { source } = request;
    if (source === null) return this.releaseOnly(caller, name, request.message);
    if ('fromVersion' in source) return this.revert(caller, name, source.fromVersion, request);
    return this.commitUpload(caller, name, source.uploadId, request);
  }

  private async commitUpload(
    caller: Caller,
    name: FileName,
    uploadId: string,
    request: CheckInRequest,
  ): Promise<CheckInResult> {
    for (let attempt = 1; ; attempt++) {
      const now = this.context.clock().toISOString();
      const { upload, file, book } = await this.context.store.getUploadWithFile(uploadId, name.key);
      const access = accessOf(this.context, caller, book);
      if (!upload || upload.key !== name.key || upload.user !== caller.user) {
        throw notFound(`no upload ${uploadId} of yours for ${name.name}`);
      }
      if (upload.committedVersion !== null) return this.committedResult(upload, file, now);
      if (upload.abandonedAt !== null || upload.sweptAt !== null || upload.stagedUntil < now)
        throw notFound(`upload ${uploadId} was given up or has expired: stage the bytes again`);
      // The rules as they are now decide, not as they were when the bytes were staged.
      if (upload.lockId === null) requireCreatable(access, name, 'adding a file');
      else if (file && sees(access, file)) {
        requireRole(access, 'programmers', 'checking in');
        requireWrite(access, file.key, file.name);
      }
      if (upload.lockId === null) {
        if (file) throw alreadyExists(file.name);
      } else if (!file || file.fileId !== upload.fileId || activeLock(file, now)?.lockId !== upload.lockId) {
        // The lock it was staged under ended, or the file under this name is no longer that file.
        throw lockLost(name.name);
      }
      const blob = await this.guardBlob(upload, now, attempt);
      await this.staged.place(upload, 'referenced' in blob);
      const result = await this.commit(
        caller,
        file,
        upload,
        request,
        now,
        { name: upload.name, sizeBytes: upload.sizeBytes, sha256: upload.sha256 },
        blob,
      );
      if ('file' in result) {
        await this.discardStaged(upload);
        return result;
      }
      // Lost a race: another check-in of this upload, or of this file under the same lock, committed
      // first, or the sweeper removed the blob meanwhile. Reading (and placing) again tells what now.
      if (attempt >= MAX_ATTEMPTS) throw new Error(`check-in of ${name.key} kept racing`);
      if (result.blobSwept) await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }

  /**
   * The blob is marked placed before its bytes are, and the commit fails if a sweep began or ended
   * since. Staging marked it already; that mark serves while it is fresh (well within the sweeper's
   * grace, much longer than a check-in takes), else (and after a lost race) the check-in marks it again.
   * A blob a version refers to needs no mark: it is never swept.
   */
  private async guardBlob(upload: UploadRecord, now: string, attempt: number): Promise<BlobGuard> {
    const { sha256, blobMarkedAt: markedAt } = upload;
    // A version referred to it when staging looked: that never changes.
    if (upload.blobReferenced) return { sha256, referenced: true };
    const freshSince = new Date(new Date(now).getTime() - this.context.blobGraceMs / 2).toISOString();
    if (attempt === 1 && markedAt !== null && markedAt > freshSince) return { sha256, markedAt };
    return this.context.store.placeBlob(sha256, now);
  }

  /** Commits an earlier version's bytes as the next version: the versions after it stay. */
  private async revert(
    caller: Caller,
    name: FileName,
    fromVersion: number,
    request: CheckInRequest,
  ): Promise<CheckInResult> {
    for (let attempt = 1; ; attempt++) {
      const now = this.context.clock().toISOString();
      // In the contract's order: 400 (nothing to revert), 404 (no such version), then 403.
      const { file, access } = await visibleFile(this.context, caller, name);
      if (fromVersion === file.version) {
        throw badRequest(`version ${fromVersion} is already the latest of ${file.name}: nothing to revert`);
      }
      const earlier = await this.context.store.getVersion(file.fileId, fromVersion);
      if (!earlier) throw notFound(`${file.name} has no version ${fromVersion}`);
      requireRole(access, 'programmers', 'reverting');
      requireWrite(access, file.key, file.name);
      callersLock(file, caller, now);
      const message = request.message || `reverted to version ${fromVersion}`;
      // An earlier version's blob is referenced already: no sweep touches it.
      const result = await this.commit(
        caller,
        file,
        null,
        { ...request, message },
        now,
        { name: file.name, sizeBytes: earlier.sizeBytes, sha256: earlier.sha256 },
        null,
      );
      if ('file' in result) return result;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`revert of ${name.key} kept racing`);
    }
  }

  /** One transaction: the next version, the file, the entries, and the lock's end unless kept; or how it lost a race. */
  private async commit(
    caller: Caller,
    expected: FileRecord | null,
    upload: UploadRecord | null,
    request: CheckInRequest,
    now: string,
    content: { name: string; sizeBytes: number; sha256: string },
    blob: BlobGuard | null,
  ): Promise<CheckInResult | { blobSwept: boolean }> {
    const nextVersion = (expected?.version ?? 0) + 1;
    const createdLock: LockRecord | null =
      request.keepLock && !expected
        ? newLock(this.context, caller.user, request.message, new Date(now))
        : null;
    const keptLock = request.keepLock ? (expected?.lock ?? createdLock) : null;
    const file: FileRecord = {
      fileId: expected?.fileId ?? this.context.newId(),
      key: expected?.key ?? (upload as UploadRecord).key,
      name: expected?.name ?? content.name,
      version: nextVersion,
      sizeBytes: content.sizeBytes,
      sha256: content.sha256,
      modifiedAt: now,
      modifiedBy: caller.user,
      lock: keptLock,
      // A check-in never changes what is released.
      released: expected?.released ?? null,
    };
    const lockId = expected?.lock?.lockId ?? createdLock?.lockId ?? null;
    const version: VersionRecord = {
      fileId: file.fileId,
      version: nextVersion,
      name: file.name,
      sizeBytes: content.sizeBytes,
      sha256: content.sha256,
      createdAt: now,
      user: caller.user,
      message: request.message,
      lockId,
      releases: [],
    };
    const entries: AuditRecord[] = [
      checkedIn(this.context, file, {
        user: caller.user,
        lockId,
        version: nextVersion,
        message: request.message,
        at: now,
        lockKept: keptLock !== null,
      }),
    ];
    // A new file checked in with keepLock is checked out to its creator: that is a checkout too.
    if (createdLock) entries.push(checkedOut(this.context, file, now));
    const result = await this.context.store.commitVersion({
      expected,
      upload,
      blob,
      file,
      version,
      folders: expected ? [] : folderChanges(null, file.name),
      entries,
      now,
    });
    return result.committed
      ? { file: fileView(file, now), version: versionView(version, file.name) }
      : { blobSwept: result.blobSwept };
  }

  private async committedResult(upload: UploadRecord, file: FileRecord | null, now: string) {
    const fileId = file?.fileId;
    const version =
      fileId && upload.committedVersion !== null
        ? await this.context.store.getVersion(fileId, upload.committedVersion)
        : null;
    if (!file || !version) {
      // The file it became was moved or deleted since: its retry has nothing to return under this name.
      throw notFound(`upload ${upload.uploadId} was checked in, and ${upload.name} has since moved or gone`);
    }
    return { file: fileView(file, now), version: versionView(version, file.name) };
  }

  /** What the upload staged is no longer needed once its blob is committed; the sweeper removes anything left. */
  private async discardStaged(upload: UploadRecord): Promise<void> {
    const assembly = upload.assemblyId ? { sha256: upload.sha256, assemblyId: upload.assemblyId } : null;
    try {
      await this.context.blobs.discardStaged(upload.uploadId, assembly, upload.partCount);
    } catch (error) {
      logger.warn('could not remove what a checked-in upload staged', {
        uploadId: upload.uploadId,
        error: error as Error,
      });
    }
  }

  /** A check-in without new bytes: the caller's lock ends, the version stays. */
  private async releaseOnly(caller: Caller, name: FileName, message: string): Promise<CheckInResult> {
    const found = await changeableFile(this.context, caller, name, 'checking in');
    let file: FileRecord | null = found.file;
    for (let attempt = 1; ; attempt++) {
      const now = this.context.clock().toISOString();
      if (!file || !sees(found.access, file)) throw noSuchFile(name);
      const held = activeLock(file, now);
      if (!held) throw notLocked(file.name);
      if (held.user !== caller.user) throw locked(lockView(file.name, held));
      const entry = checkedIn(this.context, file, {
        user: caller.user,
        lockId: held.lockId,
        version: null,
        message,
        at: now,
        lockKept: false,
      });
      const result = await this.context.store.releaseLock({ file, lockId: held.lockId, entry, now });
      if (result.committed) return { file: fileView({ ...file, lock: null }, now), version: null };
      file = result.current;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`check-in of ${name.key} kept racing`);
    }
  }
}
