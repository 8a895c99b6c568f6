/**
 * The audit entry of each kind of change, built in one place: the entry is written in the same
 * transaction as its change, and the event subscribers hear is read back from it.
 */
import type { EventDetails, EventType, VaultEvent } from '../events';
import { lfsVaultName } from '../lfs-names';
import type { CoreContext } from './context';
import type { AuditRecord, FileRecord, LfsLockRecord } from './records';

const entry = <T extends Exclude<EventType, 'RuleChanged'>>(
  context: CoreContext,
  type: T,
  at: string,
  details: EventDetails<T>,
): AuditRecord<T> => ({
  entryId: context.newId(),
  type,
  at,
  user: details.user,
  name: details.name,
  fileId: details.fileId,
  details,
});

export const checkedOut = (context: CoreContext, file: FileRecord, at: string) => {
  const lock = file.lock;
  if (!lock) throw new Error(`checkout of ${file.key} has no lock`);
  return entry(context, 'FileCheckedOut', at, {
    name: file.name,
    user: lock.user,
    lockId: lock.lockId,
    message: lock.message,
    fileId: file.fileId,
  });
};

/** A committed version (`version` set) or a check-in that only released the lock (`version` null). */
export const checkedIn = (
  context: CoreContext,
  file: FileRecord,
  change: {
    user: string;
    lockId: string | null;
    version: number | null;
    message: string;
    at: string;
    /** Set when a check-in kept its lock (`keepLock`). */
    lockKept?: boolean;
  },
): AuditRecord<'FileCheckedIn'> => ({
  ...entry(context, 'FileCheckedIn', change.at, {
    name: file.name,
    user: change.user,
    lockId: change.lockId,
    version: change.version,
    sha256: file.sha256,
    sizeBytes: file.sizeBytes,
    message: change.message,
    fileId: file.fileId,
  }),
  ...(change.lockKept ? { lockKept: true } : {}),
});

export const lockReleased = (context: CoreContext, file: FileRecord, lockId: string, at: string) =>
  entry(context, 'LockReleased', at, {
    name: file.name,
    user: file.lock?.user ?? '',
    lockId,
    fileId: file.fileId,
  });

export const lockBroken = (
  context: CoreContext,
  file: FileRecord,
  change: { admin: string; previousOwner: string; lockId: string; at: string },
) =>
  entry(context, 'LockBroken', change.at, {
    name: file.name,
    user: change.admin,
    previousOwner: change.previousOwner,
    lockId: change.lockId,
    fileId: file.fileId,
  });

/** (v2) An LFS lock's entries are a file lock's, under the name `lfs/{repo}/{path}`. */
export const lfsLocked = (context: CoreContext, lfs: LfsLockRecord, at: string) =>
  entry(context, 'FileCheckedOut', at, {
    name: lfsVaultName(lfs.repo, lfs.path),
    user: lfs.lock.user,
    lockId: lfs.lock.lockId,
    message: lfs.lock.message,
    fileId: lfs.fileId,
  });

export const lfsUnlocked = (context: CoreContext, lfs: LfsLockRecord, at: string) =>
  entry(context, 'LockReleased', at, {
    name: lfsVaultName(lfs.repo, lfs.path),
    user: lfs.lock.user,
    lockId: lfs.lock.lockId,
    fileId: lfs.fileId,
  });

export const lfsLockBroken = (context: CoreContext, lfs: LfsLockRecord, admin: string, at: string) =>
  entry(context, 'LockBroken', at, {
    name: lfsVaultName(lfs.repo, lfs.path),
    user: admin,
    previousOwner: lfs.lock.user,
    lockId: lfs.lock.lockId,
    fileId: lfs.fileId,
  });

export const moved = (
  context: CoreContext,
  from: FileRecord,
  to: FileRecord,
  change: { user: string; message: string; at: string },
) =>
  entry(context, 'FileMoved', change.at, {
    name: to.name,
    from: from.name,
    user: change.user,
    message: change.message,
    fileId: from.fileId,
  });

export const deleted = (
  context: CoreContext,
  file: FileRecord,
  change: { user: string; message: string; at: string },
) =>
  entry(context, 'FileDeleted', change.at, {
    name: file.name,
    user: change.user,
    version: file.version,
    message: change.message,
    fileId: file.fileId,
  });

export const restored = (context: CoreContext, file: FileRecord, change: { user: string; at: string }) =>
  entry(context, 'FileRestored', change.at, {
    name: file.name,
    user: change.user,
    version: file.version,
    fileId: file.fileId,
  });

export const fileReleased = (
  context: CoreContext,
  file: FileRecord,
  change: { user: string; version: number; message: string; at: string },
) =>
  entry(context, 'FileReleased', change.at, {
    name: file.name,
    user: change.user,
    version: change.version,
    message: change.message,
    fileId: file.fileId,
  });

export const releaseWithdrawn = (
  context: CoreContext,
  file: FileRecord,
  change: { user: string; version: number; message: string; at: string },
) =>
  entry(context, 'ReleaseWithdrawn', change.at, {
    name: file.name,
    user: change.user,
    version: change.version,
    message: change.message,
    fileId: file.fileId,
  });

export const checkoutRequested = (
  context: CoreContext,
  file: FileRecord,
  change: { user: string; holder: string; message: string; at: string },
) =>
  entry(context, 'CheckoutRequested', change.at, {
    name: file.name,
    user: change.user,
    holder: change.holder,
    message: change.message,
    fileId: file.fileId,
  });

/** A rule's entry belongs to no file: its name is the rule's prefix. */
export const ruleChanged = (
  context: CoreContext,
  change: { prefix: string; user: string; read: string[] | null; write: string[] | null; at: string },
): AuditRecord<'RuleChanged'> => ({
  entryId: context.newId(),
  type: 'RuleChanged',
  at: change.at,
  user: change.user,
  name: change.prefix,
  fileId: null,
  details: { prefix: change.prefix, user: change.user, read: change.read, write: change.write },
});

/** The event an entry stands for: its id is the entry's, on every delivery. */
export const eventOf = (record: AuditRecord): VaultEvent =>
  ({ type: record.type, eventId: record.entryId, at: record.at, ...record.details }) as VaultEvent;
