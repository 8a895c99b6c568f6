/** What the vault stores, as the core sees it: the adapters turn these into items and back. */
import type { EventDetails, EventType, VaultEvent } from '../events';
import type { NotificationReason } from '../model';

export interface LockRecord {
  user: string;
  lockId: string;
  acquiredAt: string;
  message: string;
  expiresAt: string | null;
}

/** (v2) A Git LFS lock: one path of one repository, held by one user, in the vault's lock store. */
export interface LfsLockRecord {
  repo: string;
  /** Exactly as Git sent it. */
  path: string;
  /** The folder rules' key of `lfs/{repo}/{path}`. */
  key: string;
  /** The identity its audit entries and events carry: one per repository and path (`lfsFileId`). */
  fileId: string;
  /** As stored: it may have expired, which the core decides with the clock. */
  lock: LockRecord;
}

/** A live file: its name maps to its identity, which owns its versions, lock and history. */
export interface FileRecord {
  fileId: string;
  /** The case-folded name: unique among live files. */
  key: string;
  /** The name as first spelled (or as a move spelled it). */
  name: string;
  version: number;
  sizeBytes: number;
  sha256: string;
  modifiedAt: string;
  modifiedBy: string;
  /** The lock as stored: it may have expired, which the core decides with the clock. */
  lock: LockRecord | null;
  /** The release in force (never withdrawn), if any. */
  released: ReleaseRecord | null;
}

/** One release of a version; a withdrawal (or the next release) fills the `withdrawn…` fields. */
export interface ReleaseRecord {
  version: number;
  releasedAt: string;
  releasedBy: string;
  message: string;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
  withdrawMessage: string | null;
}

export interface VersionRecord {
  fileId: string;
  version: number;
  /** The name the file had when the version was committed (shown under the current name). */
  name: string;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
  user: string;
  message: string;
  /** The lock the version was checked in under; null for a new file checked in without keeping a lock. */
  lockId: string | null;
  /** Every release of this version, newest first. */
  releases: ReleaseRecord[];
}

export interface UploadRecord {
  uploadId: string;
  /** The name key it was staged for. */
  key: string;
  name: string;
  /** The file it updates; null for a file that did not exist yet. */
  fileId: string | null;
  user: string;
  /** The lock the bytes were staged under; null for a file that did not exist yet. */
  lockId: string | null;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
  /** A single PUT's: when its URL expires. A multipart upload's: `stagedUntil`. */
  expiresAt: string;
  /** (v2) Until when it can be resumed and checked in (`CAMVAULT_UPLOAD_TTL_SECONDS` after staging). */
  stagedUntil: string;
  /** The version this upload became, once committed: what a retried check-in returns. */
  committedVersion: number | null;
  /** (v2) One PUT (part 1 of 1), or parts sent one by one. */
  method: 'PUT' | 'MULTIPART';
  /** Staged by a vault before staging keys: its single PUT went straight to its blob, and is verified there. */
  stagedAtBlob: boolean;
  /** Every part but the last has this size (a single PUT: `sizeBytes`). */
  partSizeBytes: number;
  partCount: number;
  /** The storage's multipart upload that puts the verified parts together; null for a single PUT. */
  assemblyId: string | null;
  /**
   * (v2) When staging marked the upload's blob placed (the sweeper leaves it alone for its grace from
   * then); null when it did not: a version refers to the blob already (`blobReferenced`), or a sweep had it.
   */
  blobMarkedAt: string | null;
  blobReferenced: boolean;
  /** How many leading parts are verified (each against its declared SHA-256) and copied into the assembly. */
  verifiedParts: number;
  /** The whole-file SHA-256 so far, over the verified parts, as a resumable state (base64); null before any. */
  hashState: string | null;
  /** When its stager gave it up (`DELETE /uploads/{uploadId}`). */
  abandonedAt: string | null;
  /** When the sweeper removed what it staged (it had been given up, or had expired): it is gone. */
  sweptAt: string | null;
}

/**
 * (v2) What the vault knows of a blob it put together or copied from an upload: whether a version
 * refers to it, and how many times the sweeper removed it (a check-in commits only if that did not
 * change between its placing the bytes and its commit). Blobs without one (v1's) are never swept.
 */
export interface BlobRecord {
  sha256: string;
  referenced: boolean;
  /** When a check-in last placed it (while unreferenced: a candidate for the sweeper after a grace). */
  placedAt: string | null;
  /** Set while the sweeper removes it. */
  sweepingSince: string | null;
  sweeps: number;
}

/** (v2) A part as its client declared it when asking for its URL; `copiedETag` once it is verified and copied. */
export interface PartRecord {
  uploadId: string;
  partNumber: number;
  sha256: string;
  copiedETag: string | null;
}

/** A deleted file: everything it was (without a lock), until it is restored. */
export interface TrashedRecord {
  file: FileRecord;
  deletedAt: string;
  deletedBy: string;
  message: string;
}

export interface FolderRecord {
  /** The case-folded prefix, ending in "/". */
  key: string;
  /** The prefix as first spelled. */
  prefix: string;
  /** Files under it, nested ones too. */
  files: number;
}

/** One committed change; its `details` are its event's body. */
export interface AuditRecord<T extends EventType = EventType> {
  entryId: string;
  type: T;
  at: string;
  user: string;
  name: string;
  fileId: string | null;
  details: EventDetails<T>;
  /** A check-in that kept its lock (`keepLock`): it frees nothing, so no request is answered by it. */
  lockKept?: boolean;
}

/** A folder whose file count a change moves by `delta` (+1 or -1). */
export interface FolderChange {
  key: string;
  /** Its spelling, should the change create it. */
  prefix: string;
  delta: 1 | -1;
}

/** (v2) A watch, with the groups its owner had when they set it: the notifier decides with those. */
export interface WatchRecord {
  user: string;
  watchId: string;
  /** As the caller spelled it: a folder prefix ("" or ending in "/") or a file name. */
  prefix: string;
  /** Case-folded: what event names are compared with. */
  key: string;
  types: EventType[] | null;
  groups: string[];
  createdAt: string;
}

/** (v2) A request for a held file: it lasts as long as the lock `lockId` it was made against. */
export interface RequestRecord {
  fileId: string;
  name: string;
  user: string;
  groups: string[];
  holder: string;
  lockId: string;
  message: string;
  at: string;
}

/** (v2) One notification in a user's feed; `sortValue` orders the feed and names it. */
export interface NotificationRecord {
  user: string;
  sortValue: string;
  at: string;
  reason: NotificationReason;
  event: VaultEvent;
}

/**
 * (v2) What a commit checks of its blob's record, so that it never refers to bytes a sweep removed:
 * that a version refers to it already (never swept), or that no sweep began or ended since the
 * check-in marked it (the sweeper's count then), or since staging marked it (still that mark).
 */
export type BlobGuard =
  | { sha256: string; referenced: true }
  | { sha256: string; sweeps: number }
  | { sha256: string; markedAt: string };
