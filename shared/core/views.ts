/** Stored records as the contract shows them. */
import type { AuditEntry, Folder, LfsLock, Lock, Trashed, VaultFile, Version } from '../model';
import type { LfsAction, LfsObjectAnswer } from './lfs-objects';
import type {
  AuditRecord,
  FileRecord,
  FolderRecord,
  LfsLockRecord,
  LockRecord,
  TrashedRecord,
  VersionRecord,
} from './records';

export const activeLock = (record: { lock: LockRecord | null }, now: string): LockRecord | null =>
  record.lock && (record.lock.expiresAt === null || record.lock.expiresAt > now) ? record.lock : null;

export const lockView = (name: string, lock: LockRecord): Lock => ({
  name,
  user: lock.user,
  lockId: lock.lockId,
  acquiredAt: lock.acquiredAt,
  message: lock.message,
  expiresAt: lock.expiresAt,
});

/** (v2) An LFS lock in "who has what": its path as `name`, and the repository it is in. */
export const lfsLockVaultView = (record: LfsLockRecord): Lock => ({
  ...lockView(record.path, record.lock),
  lfsRepo: record.repo,
});

/** (v2) A lock as the Git LFS File Locking API shows it: `id` is the lock's id, `path` exactly as sent. */
export const lfsLockView = (record: LfsLockRecord): LfsLock => ({
  id: record.lock.lockId,
  path: record.path,
  locked_at: record.lock.acquiredAt,
  owner: { name: record.lock.user },
});

/** (v2) An action of a Batch API answer, as git-lfs reads it (`header`, singular). */
const lfsActionView = (action: LfsAction, now: number) => ({
  href: action.href,
  header: action.header,
  expires_at: action.expiresAt,
  expires_in: Math.max(0, Math.floor((Date.parse(action.expiresAt) - now) / 1000)),
});

/**
 * (v2) One object of a Batch API answer. An upload also gets `verify` (a POST the client makes after
 * its PUT); `authenticated` tells the client to add no credentials of its own to the presigned URLs.
 */
export const lfsObjectView = (answer: LfsObjectAnswer, verify: LfsAction | null, now: number) => {
  const { oid, size } = answer;
  if ('error' in answer) return { oid, size, error: answer.error };
  const { upload, download } = answer.actions;
  const actions = {
    ...(upload ? { upload: lfsActionView(upload, now) } : {}),
    ...(upload && verify ? { verify: lfsActionView(verify, now) } : {}),
    ...(download ? { download: lfsActionView(download, now) } : {}),
  };
  // No actions at all: the object is stored already, nothing to do.
  return Object.keys(actions).length === 0 ? { oid, size } : { oid, size, authenticated: true, actions };
};

export const fileView = (record: FileRecord, now: string): VaultFile => {
  const lock = activeLock(record, now);
  return {
    fileId: record.fileId,
    name: record.name,
    version: record.version,
    sizeBytes: record.sizeBytes,
    sha256: record.sha256,
    modifiedAt: record.modifiedAt,
    modifiedBy: record.modifiedBy,
    status: lock ? 'checked_out' : 'available',
    lock: lock && lockView(record.name, lock),
    released: record.released && { ...record.released },
  };
};

/** A version is shown under the file's current name: history goes with the file when it moves. */
export const versionView = (record: VersionRecord, currentName: string): Version => ({
  name: currentName,
  version: record.version,
  sizeBytes: record.sizeBytes,
  sha256: record.sha256,
  createdAt: record.createdAt,
  user: record.user,
  message: record.message,
  releases: record.releases.map((release) => ({ ...release })),
});

export const trashedView = (record: TrashedRecord): Trashed => ({
  fileId: record.file.fileId,
  name: record.file.name,
  version: record.file.version,
  deletedAt: record.deletedAt,
  deletedBy: record.deletedBy,
  message: record.message,
});

export const folderView = (record: FolderRecord): Folder => ({ prefix: record.prefix, files: record.files });

export const auditView = (record: AuditRecord): AuditEntry => ({
  entryId: record.entryId,
  type: record.type,
  at: record.at,
  user: record.user,
  name: record.name,
  fileId: record.fileId,
  details: { ...record.details },
});
