import { createHash, randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { VaultConfig } from './config';
import {
  alreadyExists,
  forbidden,
  locked,
  lockLost,
  notFound,
  notLocked,
  payloadTooLarge,
  preconditionFailed,
} from './errors';
import type { Caller, Download, FileStatus, Lock, Page, Upload, VaultFile, Version } from './model';
import { baseName, type FileName } from './names';
import type { FileRecord, FileStore, LockRecord, LockStore, UploadRecord, VersionRecord } from './ports';

/** How long a staged upload can still be checked in after its URL expired (the bytes may have arrived just in time). */
export const STAGED_UPLOAD_GRACE_SECONDS = 24 * 3600;
/** A conditional write that lost to a change it did not see is retried this often before giving up. */
const MAX_ATTEMPTS = 5;

export interface VaultDependencies {
  config: VaultConfig;
  locks: LockStore;
  files: FileStore;
  clock?: () => Date;
  newId?: () => string;
}

export interface CheckInRequest {
  uploadId: string | null;
  message: string;
  keepLock: boolean;
}

const activeLock = (record: FileRecord, now: string): LockRecord | null =>
  record.lock && (record.lock.expiresAt === null || record.lock.expiresAt > now) ? record.lock : null;

const lockView = (name: string, lock: LockRecord): Lock => ({
  name,
  user: lock.user,
  lockId: lock.lockId,
  acquiredAt: lock.acquiredAt,
  message: lock.message,
  expiresAt: lock.expiresAt,
});

const fileView = (record: FileRecord, now: string): VaultFile => {
  const lock = activeLock(record, now);
  return {
    name: record.name,
    version: record.version,
    sizeBytes: record.sizeBytes,
    sha256: record.sha256,
    modifiedAt: record.modifiedAt,
    modifiedBy: record.modifiedBy,
    status: lock ? 'checked_out' : 'available',
    lock: lock && lockView(record.name, lock),
  };
};

const versionView = (record: VersionRecord): Version => ({
  name: record.name,
  version: record.version,
  sizeBytes: record.sizeBytes,
  sha256: record.sha256,
  createdAt: record.createdAt,
  user: record.user,
  message: record.message,
});

const secondsLater = (from: Date, seconds: number): string =>
  new Date(from.getTime() + seconds * 1000).toISOString();

/** The vault's rules: who may check out, what a check-in commits. Storage is reached through the ports only. */
export class Vault {
  private readonly config: VaultConfig;
  private readonly locks: LockStore;
  private readonly files: FileStore;
  private readonly clock: () => Date;
  private readonly newId: () => string;

  constructor(dependencies: VaultDependencies) {
    this.config = dependencies.config;
    this.locks = dependencies.locks;
    this.files = dependencies.files;
    this.clock = dependencies.clock ?? (() => new Date());
    this.newId = dependencies.newId ?? randomUUID;
  }

  get extensions(): readonly string[] {
    return this.config.extensions;
  }

  private now(): string {
    return this.clock().toISOString();
  }

  async listFiles(query: {
    prefix: string;
    status: FileStatus | null;
    limit: number;
    cursor: string | null;
  }): Promise<Page<VaultFile>> {
    const now = this.now();
    const page = await this.locks.listFiles({ ...query, now });
    return { items: page.items.map((record) => fileView(record, now)), nextCursor: page.nextCursor };
  }

  async getFile(name: FileName): Promise<VaultFile> {
    return fileView(await this.requireFile(name), this.now());
  }

  async listVersions(name: FileName, limit: number, cursor: string | null): Promise<Page<Version>> {
    const page = await this.locks.listVersions(name.key, limit, cursor);
    // A file exists exactly when it has a version 1, so an empty first page means no such file.
    if (cursor === null && page.items.length === 0) throw notFound(`no file named ${name.name}`);
    return { items: page.items.map(versionView), nextCursor: page.nextCursor };
  }

  async download(name: FileName, version: number | null): Promise<Download> {
    const target =
      version === null ? await this.requireFile(name) : await this.locks.getVersion(name.key, version);
    if (!target) throw notFound(`${name.name} has no version ${version}`);
    const issuedAt = this.clock();
    const ttl = this.config.urlTtlSeconds;
    return {
      url: await this.files.presignDownload(target.sha256, baseName(target.name), ttl),
      method: 'GET',
      expiresAt: secondsLater(issuedAt, ttl),
      name: target.name,
      version: target.version,
      sizeBytes: target.sizeBytes,
      sha256: target.sha256,
    };
  }

  async listLocks(query: { user: string | null; limit: number; cursor: string | null }): Promise<Page<Lock>> {
    const now = this.now();
    const page = await this.locks.listLocks({ ...query, now });
    const items = page.items.flatMap((record) => {
      const lock = activeLock(record, now);
      return lock ? [lockView(record.name, lock)] : [];
    });
    return { items, nextCursor: page.nextCursor };
  }

  /** Takes the lock in one conditional write; `created` is false when the caller already held it. */
  async checkout(
    caller: Caller,
    name: FileName,
    message: string,
  ): Promise<{ created: boolean; lock: Lock; file: VaultFile }> {
    for (let attempt = 1; ; attempt++) {
      const issuedAt = this.clock();
      const now = issuedAt.toISOString();
      const lock: LockRecord = {
        user: caller.user,
        lockId: this.newId(),
        acquiredAt: now,
        message,
        expiresAt:
          this.config.lockTtlSeconds === null ? null : secondsLater(issuedAt, this.config.lockTtlSeconds),
      };
      const result = await this.locks.acquireLock(name.key, lock, now);
      if (result.acquired) {
        return { created: true, lock: lockView(result.file.name, lock), file: fileView(result.file, now) };
      }
      if (!result.current) throw notFound(`no file named ${name.name}`);
      const held = activeLock(result.current, now);
      if (held?.user === caller.user) {
        return {
          created: false,
          lock: lockView(result.current.name, held),
          file: fileView(result.current, now),
        };
      }
      if (held) throw locked(lockView(result.current.name, held));
      // The lock ended between our write and its check: take it again.
      if (attempt >= MAX_ATTEMPTS) throw new Error(`checkout of ${name.key} kept racing`);
    }
  }

  /** An owner undoes a checkout; an admin with `force` breaks anyone's lock. */
  async releaseLock(caller: Caller, name: FileName, force: boolean): Promise<Lock> {
    for (let attempt = 1; ; attempt++) {
      const now = this.now();
      const release = { endedBy: caller.user, message: '', now };
      const undo = await this.locks.releaseLock(name.key, {
        ...release,
        owner: caller.user,
        lockId: null,
        ending: 'undo',
      });
      if (undo.released) return this.releasedLock(undo.previous);
      const held = this.heldByOther(name, undo.current, now);
      if (!force) {
        throw forbidden(
          `${name.name} is checked out by ${held.user}; an admin can break the lock with force=true`,
        );
      }
      if (!caller.isAdmin) throw forbidden("only admins can break another user's lock");
      // Break exactly the lock we saw, so a lock taken meanwhile is never broken unseen.
      const broken = await this.locks.releaseLock(name.key, {
        ...release,
        owner: null,
        lockId: held.lockId,
        ending: 'break',
      });
      if (broken.released) return this.releasedLock(broken.previous);
      if (attempt >= MAX_ATTEMPTS) throw new Error(`breaking the lock on ${name.key} kept racing`);
    }
  }

  async stageUpload(caller: Caller, name: FileName, sizeBytes: number, sha256: string): Promise<Upload> {
    if (sizeBytes > this.config.maxUploadBytes) {
      throw payloadTooLarge(
        `uploads are limited to ${this.config.maxUploadBytes} bytes; this one declares ${sizeBytes}`,
      );
    }
    const file = await this.locks.getFile(name.key);
    const issuedAt = this.clock();
    const now = issuedAt.toISOString();
    let lockId: string | null = null;
    if (file) {
      const held = activeLock(file, now);
      if (!held) throw notLocked(file.name);
      if (held.user !== caller.user) throw locked(lockView(file.name, held));
      lockId = held.lockId;
    }
    const ttl = this.config.urlTtlSeconds;
    const upload: UploadRecord = {
      uploadId: this.newId(),
      key: name.key,
      name: file?.name ?? name.name,
      user: caller.user,
      lockId,
      sizeBytes,
      sha256,
      createdAt: now,
      expiresAt: secondsLater(issuedAt, ttl),
      committedVersion: null,
    };
    const signed = await this.files.presignUpload(sha256, sizeBytes, ttl);
    await this.locks.putUpload(
      upload,
      Math.ceil(issuedAt.getTime() / 1000) + ttl + STAGED_UPLOAD_GRACE_SECONDS,
    );
    return {
      uploadId: upload.uploadId,
      name: upload.name,
      method: 'PUT',
      url: signed.url,
      headers: signed.headers,
      sizeBytes,
      sha256,
      expiresAt: upload.expiresAt,
    };
  }

  async checkIn(
    caller: Caller,
    name: FileName,
    request: CheckInRequest,
  ): Promise<{ file: VaultFile; version: Version | null }> {
    if (request.uploadId === null) return this.releaseWithoutVersion(caller, name, request.message);
    const uploadId = request.uploadId;
    for (let attempt = 1; ; attempt++) {
      const now = this.now();
      const { upload, file } = await this.locks.getUploadWithFile(uploadId, name.key);
      const stagedUntil = upload && secondsLater(new Date(upload.expiresAt), STAGED_UPLOAD_GRACE_SECONDS);
      if (!upload || upload.key !== name.key || upload.user !== caller.user || (stagedUntil ?? '') < now) {
        throw notFound(`no upload ${uploadId} of yours for ${name.name}`);
      }
      if (upload.committedVersion !== null) return this.committedResult(upload, file, now);
      if (upload.lockId === null) {
        if (file) throw alreadyExists(file.name);
      } else if (!file || activeLock(file, now)?.lockId !== upload.lockId) {
        throw lockLost(name.name);
      }
      await this.verifyStagedBytes(upload);

      const commit = this.buildCommit(caller, upload, file, request, now);
      const result = await this.locks.commitCheckIn(commit);
      if (result.committed) return { file: fileView(commit.file, now), version: versionView(commit.version) };
      // Lost a race: another check-in of this upload, or of this file under the same lock, committed
      // first. Reading again tells which, and the next pass answers accordingly.
      if (attempt >= MAX_ATTEMPTS) throw new Error(`check-in of ${name.key} kept racing`);
    }
  }

  private buildCommit(
    caller: Caller,
    upload: UploadRecord,
    expected: FileRecord | null,
    request: CheckInRequest,
    now: string,
  ) {
    const nextVersion = (expected?.version ?? 0) + 1;
    const keptLock: LockRecord | null = !request.keepLock
      ? null
      : (expected?.lock ?? {
          user: caller.user,
          lockId: this.newId(),
          acquiredAt: now,
          message: request.message,
          expiresAt:
            this.config.lockTtlSeconds === null
              ? null
              : secondsLater(new Date(now), this.config.lockTtlSeconds),
        });
    const file: FileRecord = {
      key: upload.key,
      name: expected?.name ?? upload.name,
      version: nextVersion,
      sizeBytes: upload.sizeBytes,
      sha256: upload.sha256,
      modifiedAt: now,
      modifiedBy: caller.user,
      lock: keptLock,
    };
    const version: VersionRecord = {
      key: upload.key,
      name: file.name,
      version: nextVersion,
      sizeBytes: upload.sizeBytes,
      sha256: upload.sha256,
      createdAt: now,
      user: caller.user,
      message: request.message,
      lockId: upload.lockId ?? keptLock?.lockId ?? null,
    };
    return { upload, expected, file, version, keepLock: request.keepLock, now };
  }

  private async committedResult(upload: UploadRecord, file: FileRecord | null, now: string) {
    if (upload.committedVersion === null) throw new Error(`upload ${upload.uploadId} is not committed`);
    const version = await this.locks.getVersion(upload.key, upload.committedVersion);
    if (!file || !version)
      throw new Error(`upload ${upload.uploadId} is committed but its version is missing`);
    return { file: fileView(file, now), version: versionView(version) };
  }

  /** Storage that enforced the signed checksum says so; otherwise (the emulators) the bytes are hashed here. */
  private async verifyStagedBytes(upload: UploadRecord): Promise<void> {
    const blob = await this.files.describeBlob(upload.sha256);
    if (!blob)
      throw preconditionFailed(
        `nothing was uploaded for ${upload.name}: PUT the bytes to the upload URL first`,
      );
    if (blob.sizeBytes !== upload.sizeBytes) {
      throw preconditionFailed(
        `the upload holds ${blob.sizeBytes} bytes, not the ${upload.sizeBytes} declared`,
      );
    }
    const sha256 = blob.sha256 ?? (await this.hashBlob(upload.sha256));
    if (sha256 !== upload.sha256)
      throw preconditionFailed('the uploaded bytes do not match the declared SHA-256');
  }

  private async hashBlob(sha256: string): Promise<string> {
    const hash = createHash('sha256');
    await pipeline(await this.files.readBlob(sha256), hash);
    return hash.digest('hex');
  }

  private async releaseWithoutVersion(caller: Caller, name: FileName, message: string) {
    const now = this.now();
    const result = await this.locks.releaseLock(name.key, {
      owner: caller.user,
      lockId: null,
      endedBy: caller.user,
      ending: 'checkin',
      message,
      now,
    });
    if (!result.released) {
      const held = this.heldByOther(name, result.current, now);
      throw locked(lockView(result.current?.name ?? name.name, held));
    }
    return { file: fileView({ ...result.previous, lock: null }, now), version: null };
  }

  /** After a release by the owner failed: 404, 409 NOT_LOCKED, or the other user's lock. */
  private heldByOther(name: FileName, current: FileRecord | null, now: string): LockRecord {
    if (!current) throw notFound(`no file named ${name.name}`);
    const held = activeLock(current, now);
    if (!held) throw notLocked(current.name);
    return held;
  }

  private releasedLock(previous: FileRecord): Lock {
    if (!previous.lock) throw new Error(`released lock on ${previous.key} left no trace`);
    return lockView(previous.name, previous.lock);
  }

  private async requireFile(name: FileName): Promise<FileRecord> {
    const file = await this.locks.getFile(name.key);
    if (!file) throw notFound(`no file named ${name.name}`);
    return file;
  }
}
