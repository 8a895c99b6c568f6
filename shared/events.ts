/** The events of the contract: what subscribers hear of every committed change. */

interface EventBase {
  /** The same on every delivery of one change, so subscribers can drop duplicates. */
  eventId: string;
  /** When the change was committed. */
  at: string;
  name: string;
  user: string;
}

export interface FileCheckedOut extends EventBase {
  type: 'FileCheckedOut';
  lockId: string;
  message: string;
}

export interface FileCheckedIn extends EventBase {
  type: 'FileCheckedIn';
  /** Null for a new file checked in without keeping a lock: no lock was ever taken. */
  lockId: string | null;
  /** Null when the check-in only released the lock; sha256 and sizeBytes are then the unchanged latest version's. */
  version: number | null;
  sha256: string;
  sizeBytes: number;
  message: string;
}

export interface LockReleased extends EventBase {
  type: 'LockReleased';
  lockId: string;
}

export interface LockBroken extends EventBase {
  type: 'LockBroken';
  /** The admin who broke the lock is `user`. */
  previousOwner: string;
  lockId: string;
}

export type VaultEvent = FileCheckedOut | FileCheckedIn | LockReleased | LockBroken;

export interface EventPublisher {
  publish(event: VaultEvent): Promise<void>;
}
