/** The objects of the HTTP contract, exactly as clients see them. */
import type { VaultEvent } from './events';

export interface Lock {
  name: string;
  user: string;
  lockId: string;
  acquiredAt: string;
  message: string;
  expiresAt: string | null;
  /** (v2) Only on a Git LFS lock: its repository; `name` is then the path in it, exactly as Git gave it. */
  lfsRepo?: string;
}

/** (v2) A lock in the Git LFS File Locking API's own terms. */
export interface LfsLock {
  id: string;
  path: string;
  locked_at: string;
  owner: { name: string };
}

export type FileStatus = 'available' | 'checked_out';

export interface VaultFile {
  /** (v2) The file's identity for its whole life: moves, deletes and restores keep it. */
  fileId: string;
  name: string;
  version: number;
  sizeBytes: number;
  sha256: string;
  modifiedAt: string;
  modifiedBy: string;
  status: FileStatus;
  lock: Lock | null;
  /** (v2) The release in force: the version approved for the machines. */
  released: Release | null;
}

export interface Release {
  version: number;
  releasedAt: string;
  releasedBy: string;
  message: string;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
  withdrawMessage: string | null;
}

/** (v2) A deleted file, kept with all its versions until it is restored. */
export interface Trashed {
  fileId: string;
  name: string;
  version: number;
  deletedAt: string;
  deletedBy: string;
  message: string;
}

/** (v2) A folder: its full prefix (ending in "/") as first spelled, and the files under it, nested ones too. */
export interface Folder {
  prefix: string;
  files: number;
}

/** (v2) One committed change: `type` and `details` are exactly its event's type and body. */
export interface AuditEntry {
  entryId: string;
  type: string;
  at: string;
  user: string;
  name: string;
  fileId: string | null;
  details: Record<string, unknown>;
}

export interface Version {
  name: string;
  version: number;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
  user: string;
  message: string;
  /** (v2) Every time this version was released, newest first. */
  releases: Release[];
}

/** A staged upload sent in one PUT to `url` (v1's only kind). `expiresAt`: when the URL expires. */
export interface SingleUpload {
  uploadId: string;
  name: string;
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
  sizeBytes: number;
  sha256: string;
  expiresAt: string;
}

/** (v2) A staged upload sent in parts, each to a URL of its own; `expiresAt`: until when it can be resumed and checked in. */
export interface MultipartUpload {
  uploadId: string;
  name: string;
  method: 'MULTIPART';
  url: null;
  headers: Record<string, never>;
  sizeBytes: number;
  sha256: string;
  expiresAt: string;
  /** Every part but the last has exactly this size; the last has the rest. */
  partSizeBytes: number;
  partCount: number;
}

export type Upload = SingleUpload | MultipartUpload;

/** (v2) A part of an upload as its client declared it. */
export interface Part {
  partNumber: number;
  offset: number;
  sizeBytes: number;
  sha256: string;
}

/** (v2) Where to PUT one part: `headers` exactly as given, plus the content-length of the part. */
export interface PartUrl {
  partNumber: number;
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

/** (v2) `GET /uploads/{uploadId}`: the upload, and the parts storage already holds. */
export interface UploadStatus {
  upload: Upload;
  receivedParts: Part[];
}

export interface Download {
  url: string;
  method: 'GET';
  expiresAt: string;
  name: string;
  version: number;
  sizeBytes: number;
  sha256: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Who is calling, as the token says: never taken from a request body. */
export interface Caller {
  user: string;
  /** The token's Cognito groups; the role and folder rules are decided from them. */
  groups: string[];
}

/** (v2) The caller's role: the highest of their groups, else the deployment's default. */
export type Role = 'admins' | 'leads' | 'programmers' | 'operators' | 'none';

/** (v2) A folder rule: who may read and who may change what is under `prefix`. */
export interface Rule {
  prefix: string;
  read: string[];
  write: string[];
}

/** (v2) `GET /me`. */
export interface Me {
  user: string;
  role: Role;
  groups: string[];
}

/** (v2) The caller is told of every event under `prefix` (a folder prefix, or one file's name). */
export interface Watch {
  watchId: string;
  prefix: string;
  /** Only these event types; null: every type. */
  types: string[] | null;
  createdAt: string;
}

/** (v2) `POST /requests/{name}`: the caller asks the holder for a held file. */
export interface FileRequest {
  name: string;
  fileId: string;
  /** Who asks. */
  user: string;
  holder: string;
  lockId: string;
  message: string;
  at: string;
}

export type NotificationReason = 'watch' | 'request' | 'available' | 'lock_broken';

/** (v2) One entry of the caller's feed: the event that caused it, and why it reached them. */
export interface Notification {
  notificationId: string;
  at: string;
  reason: NotificationReason;
  event: VaultEvent;
  read: boolean;
}
