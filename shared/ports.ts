/**
 * The core's view of storage. Each method is one atomic step on AWS; the adapters beside
 * (`aws/dynamodb-lock-store.ts`, `aws/s3-file-store.ts`) implement it, tests point them at emulators.
 */
import type { Readable } from 'node:stream';
import type { FileStatus, Lock, Page } from './model';

export type LockRecord = Omit<Lock, 'name'>;

export interface FileRecord {
  key: string;
  name: string;
  version: number;
  sizeBytes: number;
  sha256: string;
  modifiedAt: string;
  modifiedBy: string;
  /** The lock as stored: it may have expired, which the core decides with the clock. */
  lock: LockRecord | null;
}

export interface VersionRecord {
  key: string;
  name: string;
  version: number;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
  user: string;
  message: string;
  /** The lock the version was checked in under; null for a new file checked in without keeping a lock. */
  lockId: string | null;
}

export interface UploadRecord {
  uploadId: string;
  key: string;
  name: string;
  user: string;
  /** The lock the bytes were staged under; null for a file that did not exist yet. */
  lockId: string | null;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
  expiresAt: string;
  /** The version this upload became, once committed: what a retried check-in returns. */
  committedVersion: number | null;
}

/** How a lock ended, kept on the file so the change stream can tell an undo from a break. */
export type LockEnding = 'checkin' | 'undo' | 'break';

export interface LockRelease {
  /** Release only if this user holds the lock (an owner's undo or check-in). */
  owner: string | null;
  /** Release only this very lock (an admin breaking the lock they were shown). */
  lockId: string | null;
  endedBy: string;
  ending: LockEnding;
  message: string;
  now: string;
}

export interface ListFilesQuery {
  prefix: string;
  status: FileStatus | null;
  limit: number;
  cursor: string | null;
  now: string;
}

export interface ListLocksQuery {
  user: string | null;
  limit: number;
  cursor: string | null;
  now: string;
}

export type AcquireResult =
  | { acquired: true; file: FileRecord }
  | { acquired: false; current: FileRecord | null };
export type ReleaseResult =
  | { released: true; previous: FileRecord }
  | { released: false; current: FileRecord | null };

export interface CommitCheckIn {
  upload: UploadRecord;
  /** The file as read before the commit; null when the check-in creates it. */
  expected: FileRecord | null;
  file: FileRecord;
  version: VersionRecord;
  keepLock: boolean;
  now: string;
}

/** Not committed: a condition failed or another transaction interfered; the core reads again and decides. */
export type CommitResult = { committed: boolean };

export interface LockStore {
  getFile(key: string): Promise<FileRecord | null>;
  listFiles(query: ListFilesQuery): Promise<Page<FileRecord>>;
  getVersion(key: string, version: number): Promise<VersionRecord | null>;
  listVersions(key: string, limit: number, cursor: string | null): Promise<Page<VersionRecord>>;
  listLocks(query: ListLocksQuery): Promise<Page<FileRecord>>;
  /** Takes the lock unless an unexpired one is held: one conditional write. */
  acquireLock(key: string, lock: LockRecord, now: string): Promise<AcquireResult>;
  /** Removes the unexpired lock, if it matches `release`: one conditional write. */
  releaseLock(key: string, release: LockRelease): Promise<ReleaseResult>;
  putUpload(upload: UploadRecord, ttlEpochSeconds: number): Promise<void>;
  /** The upload and its file, read together and strongly consistent. */
  getUploadWithFile(
    uploadId: string,
    key: string,
  ): Promise<{ upload: UploadRecord | null; file: FileRecord | null }>;
  /** Commits a check-in in one transaction: file, version, upload, and the lock unless kept. */
  commitCheckIn(commit: CommitCheckIn): Promise<CommitResult>;
}

export interface StoredBlob {
  sizeBytes: number;
  /** The SHA-256 storage verified on write (hex), when it reports one. */
  sha256: string | null;
}

export interface FileStore {
  presignUpload(
    sha256: string,
    sizeBytes: number,
    expiresInSeconds: number,
  ): Promise<{ url: string; headers: Record<string, string> }>;
  presignDownload(sha256: string, fileName: string, expiresInSeconds: number): Promise<string>;
  describeBlob(sha256: string): Promise<StoredBlob | null>;
  readBlob(sha256: string): Promise<Readable>;
}
