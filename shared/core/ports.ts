/**
 * The core's view of storage. Every change is one method, and one atomic step on AWS: the change, its
 * audit entries and the folder counts it moves, together or not at all. The adapters beside
 * (`aws/dynamodb/vault-store.ts`, `aws/s3-file-store.ts`) implement it; tests point them at emulators.
 */
import type { Readable } from 'node:stream';
import type { FileStatus, Page, Rule } from '../model';
import type { KeyRange, RuleBook } from './permissions';
import type {
  AuditRecord,
  BlobGuard,
  BlobRecord,
  FileRecord,
  FolderChange,
  FolderRecord,
  LfsLockRecord,
  LockRecord,
  NotificationRecord,
  PartRecord,
  ReleaseRecord,
  RequestRecord,
  TrashedRecord,
  UploadRecord,
  VersionRecord,
  WatchRecord,
} from './records';

export interface ListFilesQuery {
  /** A case-folded prefix; with `directOnly` a folder key ("" or ending in "/"). */
  prefix: string;
  /** Only the files directly in the folder `prefix`, not those in its sub-folders. */
  directOnly: boolean;
  /** The key ranges the caller may read, in order: nothing outside them is read. */
  ranges: KeyRange[];
  status: FileStatus | null;
  /** Only files with a version released. */
  releasedOnly: boolean;
  limit: number;
  cursor: string | null;
  now: string;
}

export interface ListLocksQuery {
  /** The key ranges the caller may read, in order. */
  ranges: KeyRange[];
  user: string | null;
  limit: number;
  cursor: string | null;
  now: string;
}

/** A lock "who has what" lists: a vault file's, or (v2) a Git LFS path's. */
export type HeldLock = { kind: 'file'; file: FileRecord } | { kind: 'lfs'; lfs: LfsLockRecord };

/** (v2) A change of an LFS lock that did not commit: `current` is the lock on that path now (null: none). */
export type LfsLockChanged = { committed: false; current: LfsLockRecord | null };

export interface NewLfsLock {
  /** Taken only if the path has no unexpired lock. */
  lfs: LfsLockRecord;
  entry: AuditRecord;
  now: string;
}

export interface LfsLockEnd {
  /** The lock as read: it ends only if its path still holds exactly this unexpired lock. */
  lfs: LfsLockRecord;
  entry: AuditRecord;
  now: string;
}

export interface ListAuditQuery {
  /** One file's entries (strongly consistent), or every entry when null. */
  fileId: string | null;
  user: string | null;
  type: string | null;
  since: string | null;
  until: string | null;
  limit: number;
  cursor: string | null;
}

/**
 * A change that did not commit because the file is not as the core read it: `current` is how it is now
 * (null: no file under that name). The core decides again from it.
 */
export type FileChanged = { committed: false; current: FileRecord | null };
export type Committed = { committed: true };

export interface NewLock {
  /** The file as read: the lock is taken only if it is still this file with no unexpired lock. */
  file: FileRecord;
  lock: LockRecord;
  entry: AuditRecord;
  now: string;
}

export interface LockEnd {
  /** The file as read, with the unexpired lock `lockId` that is to end. */
  file: FileRecord;
  lockId: string;
  entry: AuditRecord;
  now: string;
}

export interface NewVersion {
  /** The file as read before the commit; null when the check-in creates it. */
  expected: FileRecord | null;
  /** The upload being committed; null for a revert, which reuses an earlier version's bytes. */
  upload: UploadRecord | null;
  /** (v2) The blob an upload's bytes were placed in, and how to tell no sweep removed them. Null for a revert. */
  blob: BlobGuard | null;
  file: FileRecord;
  version: VersionRecord;
  /** Every folder above a new file gains it. */
  folders: FolderChange[];
  entries: AuditRecord[];
  now: string;
}

export type NewVersionResult = Committed | { committed: false; blobSwept: boolean };

/** (v2) Parts as a client declared them when it asked for their URLs. */
export interface PartDeclaration {
  uploadId: string;
  parts: { partNumber: number; sha256: string }[];
  ttlEpochSeconds: number;
}

/** (v2) One more part verified: the whole-file hash state after it, and the ETag of its copy in the assembly. */
export interface VerifiedPart {
  /** The upload as read, with `partNumber - 1` parts verified. */
  upload: UploadRecord;
  partNumber: number;
  hashState: string;
  copiedETag: string;
}

export interface Move {
  /** The file as read, holding the caller's lock. */
  file: FileRecord;
  /** The file under its new name (same identity, lock and content). */
  moved: FileRecord;
  folders: FolderChange[];
  entry: AuditRecord;
  now: string;
}

export type MoveResult = Committed | FileChanged | { committed: false; targetTaken: FileRecord };

export interface Deletion {
  file: FileRecord;
  trashed: TrashedRecord;
  folders: FolderChange[];
  entry: AuditRecord;
  now: string;
}

export interface Restoration {
  trashed: TrashedRecord;
  /** The file as it comes back: its old name or another, available. */
  file: FileRecord;
  folders: FolderChange[];
  entry: AuditRecord;
}

export type RestoreResult =
  | Committed
  | { committed: false; targetTaken: FileRecord }
  | { committed: false; notInTrash: true };

export interface RuleChange {
  /** The rules as read: the change commits only if they are still these. */
  book: RuleBook;
  /** The prefix key and the rule set on it, or null to remove it. */
  key: string;
  rule: Rule | null;
  entry: AuditRecord;
}

export interface NewRelease {
  /** The file as read: the release commits only if its release is still the one read. */
  file: FileRecord;
  /** The release in force afterwards; null for a withdrawal. */
  release: ReleaseRecord | null;
  /** The versions whose release lists change, with the lists as read and as they become. */
  versions: { fileId: string; version: number; before: ReleaseRecord[]; after: ReleaseRecord[] }[];
  entry: AuditRecord;
}

export interface VaultStore {
  getFile(key: string): Promise<FileRecord | null>;
  /** The file under `key` and the folder rules, read together, strongly consistent. */
  getFileAndRules(key: string): Promise<{ file: FileRecord | null; book: RuleBook }>;
  getRules(): Promise<RuleBook>;
  /** Sets or removes one folder rule, if the rules are still as read, with its audit entry. */
  changeRule(change: RuleChange): Promise<Committed | { committed: false }>;
  /** Releases a version, or withdraws the release, with the entry: one transaction. */
  changeRelease(change: NewRelease): Promise<Committed | FileChanged>;
  listFiles(query: ListFilesQuery): Promise<Page<FileRecord>>;
  getVersion(fileId: string, version: number): Promise<VersionRecord | null>;
  listVersions(fileId: string, limit: number, cursor: string | null): Promise<Page<VersionRecord>>;
  listLocks(query: ListLocksQuery): Promise<Page<HeldLock>>;
  listFolders(parentKey: string, limit: number, cursor: string | null): Promise<Page<FolderRecord>>;
  getTrashedAndRules(fileId: string): Promise<{ trashed: TrashedRecord | null; book: RuleBook }>;
  listTrash(prefix: string, limit: number, cursor: string | null): Promise<Page<TrashedRecord>>;
  /** The file that most recently left this name (moved away or deleted), if any. */
  formerFileId(key: string): Promise<string | null>;
  listAudit(query: ListAuditQuery): Promise<Page<AuditRecord>>;

  /** Takes the lock: one conditional transaction with its audit entry. */
  acquireLock(change: NewLock): Promise<Committed | FileChanged>;
  /** Ends the lock `lockId` (undo, break, or a check-in without new bytes). */
  releaseLock(change: LockEnd): Promise<Committed | FileChanged>;
  /**
   * Stores a new upload. (v2) With `blobMarkedAt`, its blob is marked placed then, in the same write,
   * unless a version refers to it already or a sweep has it: the upload as stored says which.
   */
  putUpload(upload: UploadRecord, ttlEpochSeconds: number): Promise<UploadRecord>;
  getUpload(uploadId: string): Promise<UploadRecord | null>;
  /** (v2) The declared parts among these numbers (at most 100), strongly consistent. */
  getParts(uploadId: string, partNumbers: number[]): Promise<PartRecord[]>;
  /** (v2) Every declared part of the upload, in part order. */
  listParts(uploadId: string): Promise<PartRecord[]>;
  /** (v2) Sets the declared SHA-256 of these parts (at most 100), all or none. */
  declareParts(declaration: PartDeclaration): Promise<void>;
  /**
   * (v2) Claims the verification of the upload's next part until `until`, if its verified prefix is
   * still as read and nobody holds an unexpired claim: false if not (someone else is verifying it).
   */
  claimNextPart(upload: UploadRecord, now: string, until: string): Promise<boolean>;
  /** (v2) Gives the claim up (the part was missing or wrong): the next verifier need not wait for it. */
  releasePartClaim(upload: UploadRecord): Promise<void>;
  /** (v2) Moves the verified prefix on by one part (ending the claim), if nobody else did and the upload is still open. */
  recordVerifiedPart(change: VerifiedPart): Promise<boolean>;
  /** (v2) Marks the upload given up by its stager, if it is still open; false if it was not. */
  abandonUpload(upload: UploadRecord, now: string): Promise<boolean>;
  /**
   * (v2) A check-in is about to place bytes in this blob: unless a version refers to it already, it
   * becomes the sweeper's candidate (placed now). Answers what to guard the commit with.
   */
  placeBlob(sha256: string, now: string): Promise<BlobGuard>;
  /** (v2) Blobs placed before `placedBefore` that no version refers to, oldest first, at most `limit`. */
  unreferencedBlobs(placedBefore: string, limit: number): Promise<BlobRecord[]>;
  /** (v2) The sweeper claims the blob, if it is still unreferenced and placed as read; false if not. */
  startBlobSweep(blob: BlobRecord, now: string): Promise<boolean>;
  /** (v2) The blob's bytes are gone: its sweep count goes up (and it leaves the candidates if nothing placed it again). */
  endBlobSweep(blob: BlobRecord): Promise<void>;
  /** (v2) Marks an upload swept, if it was given up or expired and not checked in; false if not. */
  markUploadSwept(upload: UploadRecord, now: string): Promise<boolean>;
  /** The upload, the file under `key` and the folder rules, read together and strongly consistent. */
  getUploadWithFile(
    uploadId: string,
    key: string,
  ): Promise<{ upload: UploadRecord | null; file: FileRecord | null; book: RuleBook }>;
  /** Commits a version: file, version, upload (if any), entries and folder counts in one transaction. */
  commitVersion(change: NewVersion): Promise<NewVersionResult>;
  moveFile(change: Move): Promise<MoveResult>;
  deleteFile(change: Deletion): Promise<Committed | FileChanged>;
  restoreFile(change: Restoration): Promise<RestoreResult>;

  /** (v2) The LFS lock on a path of a repository, strongly consistent (it may have expired). */
  getLfsLock(repo: string, path: string): Promise<LfsLockRecord | null>;
  /** (v2) The LFS lock with this id, strongly consistent; null once it has ended. */
  getLfsLockById(repo: string, lockId: string): Promise<LfsLockRecord | null>;
  /** (v2) A repository's LFS locks in path order, unexpired ones only. */
  listLfsLocks(repo: string, limit: number, cursor: string | null, now: string): Promise<Page<LfsLockRecord>>;
  /** (v2) Takes an LFS lock: one conditional transaction with its audit entry. */
  acquireLfsLock(change: NewLfsLock): Promise<Committed | LfsLockChanged>;
  /** (v2) Ends an LFS lock (unlock, or an admin's break) with its audit entry. */
  releaseLfsLock(change: LfsLockEnd): Promise<Committed | LfsLockChanged>;
}

export interface NewRequest {
  /** The file as read, held by `request.holder` under `request.lockId`: the request stands only if it still is. */
  file: FileRecord;
  request: RequestRecord;
  entry: AuditRecord;
  now: string;
}

/**
 * (v2) Watches, checkout requests and each user's feed. A watch is found by the prefix it watches, so
 * an event costs one query per folder above its file (and the file itself), whatever the number of
 * watches elsewhere; a notification is keyed by its user and event, so a replayed event adds nothing.
 */
export interface NoticeStore {
  /** Sets the watch (the same user and prefix: the same watch, its types replaced); as stored. */
  putWatch(watch: WatchRecord): Promise<WatchRecord>;
  listWatches(user: string): Promise<WatchRecord[]>;
  /** Removes the user's watch; null when they have none of that id. */
  deleteWatch(user: string, watchId: string): Promise<WatchRecord | null>;
  /** Every watch on exactly one of these case-folded prefixes or names. */
  watchersOf(keys: string[]): Promise<WatchRecord[]>;
  /** The request with its audit entry, if the file is still as read: one transaction. */
  putRequest(change: NewRequest): Promise<Committed | FileChanged>;
  requestsFor(fileId: string): Promise<RequestRecord[]>;
  /** Removes these requests, each only if it is still the one read (a newer one, against another lock, stays). */
  removeRequests(requests: RequestRecord[]): Promise<void>;
  /** Adds the notification unless it is already there (false then); `mail`: it is also to be e-mailed. */
  deliver(notification: NotificationRecord, options: { mail: boolean }): Promise<boolean>;
  /** Notifications still to be e-mailed, by user then time, at most `limit`. */
  pendingMail(limit: number): Promise<NotificationRecord[]>;
  /** These were e-mailed: no digest lists them again. */
  mailSent(notifications: NotificationRecord[]): Promise<void>;
  listNotifications(user: string, limit: number, cursor: string | null): Promise<Page<NotificationRecord>>;
  getNotification(user: string, sortValue: string): Promise<NotificationRecord | null>;
  /** The sort value up to which the user has read (null: nothing read yet). */
  readMark(user: string): Promise<string | null>;
  /** Moves the mark up to `sortValue`, never back. */
  markRead(user: string, sortValue: string): Promise<void>;
  countUnread(user: string, after: string | null): Promise<number>;
}

/** (v2) Where a user's notifications are e-mailed: their verified address in the user pool. */
export interface Directory {
  /** The user's verified e-mail address; null when they have none (or no longer exist). */
  verifiedEmailOf(user: string): Promise<string | null>;
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface MailSender {
  send(mail: Mail): Promise<void>;
}

export interface StoredBlob {
  sizeBytes: number;
  /** The SHA-256 storage verified on write (hex), when it reports one. */
  sha256: string | null;
}

/** (v2) A staged part as storage holds it. */
export interface StoredPart {
  sizeBytes: number;
  /** The SHA-256 storage verified on write (hex), when it reports one (AWS does, the emulator not). */
  sha256: string | null;
  /** Names these exact bytes: a copy made with it is refused if the part changed since. */
  etag: string;
}

export interface PresignedPut {
  url: string;
  headers: Record<string, string>;
}

/**
 * Blobs (`blobs/<sha256>`) hold committed content and nothing else: an upload's bytes are staged under
 * keys of that upload alone, and only bytes the vault verified are copied or put together into a blob.
 */
export interface FileStore {
  /** A PUT of one staged part (a single PUT is part 1 of 1), its signature binding its length and SHA-256. */
  presignStagedPart(
    uploadId: string,
    partNumber: number,
    sha256: string,
    sizeBytes: number,
    expiresInSeconds: number,
  ): Promise<PresignedPut>;
  describeStagedPart(uploadId: string, partNumber: number): Promise<StoredPart | null>;
  /** The bytes of a staged part, with the ETag that names them; null when storage has none. */
  readStagedPart(uploadId: string, partNumber: number): Promise<{ body: Readable; etag: string } | null>;
  /** The staged parts storage holds, by number, with their sizes. */
  listStagedParts(uploadId: string): Promise<{ partNumber: number; sizeBytes: number }[]>;
  /** (v2) Every upload id something is staged under, for the sweeper. */
  stagedUploads(): AsyncIterable<string>;
  /** (v2) The sweeper's: a blob no version refers to goes. */
  deleteBlob(sha256: string): Promise<void>;
  /**
   * Removes what was staged for the upload (parts, and an assembly not completed). Given the number
   * of parts the upload has, their keys are named rather than listed (one request less).
   */
  discardStaged(
    uploadId: string,
    assembly: { sha256: string; assemblyId: string } | null,
    partCount?: number,
  ): Promise<void>;
  /**
   * Copies a staged single PUT into its blob, if it is still the bytes named by `etag` and the blob
   * holds nothing yet: `present` when it already did (only verified bytes ever go there), `changed`
   * when the staged bytes are no longer those.
   */
  placeStagedPut(uploadId: string, sha256: string, etag: string): Promise<'placed' | 'present' | 'changed'>;
  /** (v2) Starts putting a blob together from verified parts; nothing shows under the blob until it completes. */
  startAssembly(sha256: string): Promise<string>;
  /** Copies a staged part into the assembly, if it is still the bytes named by `etag`; the copy's ETag, or null. */
  copyIntoAssembly(
    assembly: { sha256: string; assemblyId: string },
    uploadId: string,
    partNumber: number,
    etag: string,
  ): Promise<string | null>;
  completeAssembly(
    assembly: { sha256: string; assemblyId: string },
    parts: { partNumber: number; etag: string }[],
  ): Promise<void>;
  presignDownload(sha256: string, fileName: string, expiresInSeconds: number): Promise<string>;
  describeBlob(sha256: string): Promise<StoredBlob | null>;
  readBlob(sha256: string): Promise<Readable>;
}
