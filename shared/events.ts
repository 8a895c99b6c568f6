/** The events of the contract: what subscribers hear of every committed change. */

interface EventBase {
  /** The same on every delivery of one change, so subscribers can drop duplicates: the audit entry's id. */
  eventId: string;
  /** When the change was committed. */
  at: string;
  user: string;
}

interface FileEventBase extends EventBase {
  name: string;
  /** (v2) The file's identity, the same across moves. */
  fileId: string;
}

export interface FileCheckedOut extends FileEventBase {
  type: 'FileCheckedOut';
  lockId: string;
  message: string;
}

export interface FileCheckedIn extends FileEventBase {
  type: 'FileCheckedIn';
  /** Null for a new file checked in without keeping a lock: no lock was ever taken. */
  lockId: string | null;
  /** Null when the check-in only released the lock; sha256 and sizeBytes are then the unchanged latest version's. */
  version: number | null;
  sha256: string;
  sizeBytes: number;
  message: string;
}

export interface LockReleased extends FileEventBase {
  type: 'LockReleased';
  lockId: string;
}

export interface LockBroken extends FileEventBase {
  type: 'LockBroken';
  /** The admin who broke the lock is `user`. */
  previousOwner: string;
  lockId: string;
}

export interface FileMoved extends FileEventBase {
  type: 'FileMoved';
  /** The name it had before; `name` is the new one. */
  from: string;
  message: string;
}

export interface FileDeleted extends FileEventBase {
  type: 'FileDeleted';
  version: number;
  message: string;
}

export interface FileRestored extends FileEventBase {
  type: 'FileRestored';
  version: number;
}

export interface FileReleased extends FileEventBase {
  type: 'FileReleased';
  version: number;
  message: string;
}

export interface ReleaseWithdrawn extends FileEventBase {
  type: 'ReleaseWithdrawn';
  version: number;
  message: string;
}

/** (v2) Someone asks the holder for a file: `user` asks, `holder` has it. */
export interface CheckoutRequested extends FileEventBase {
  type: 'CheckoutRequested';
  holder: string;
  message: string;
}

/** A folder rule set (its lists) or removed (null lists). No file: no `name`, no `fileId`. */
export interface RuleChanged extends EventBase {
  type: 'RuleChanged';
  prefix: string;
  read: string[] | null;
  write: string[] | null;
}

export type FileEvent =
  | FileCheckedOut
  | FileCheckedIn
  | LockReleased
  | LockBroken
  | FileMoved
  | FileDeleted
  | FileRestored
  | FileReleased
  | ReleaseWithdrawn
  | CheckoutRequested;

export type VaultEvent = FileEvent | RuleChanged;

export type EventType = VaultEvent['type'];

export const EVENT_TYPES = [
  'FileCheckedOut',
  'FileCheckedIn',
  'LockReleased',
  'LockBroken',
  'FileMoved',
  'FileDeleted',
  'FileRestored',
  'FileReleased',
  'ReleaseWithdrawn',
  'CheckoutRequested',
  'RuleChanged',
] as const satisfies readonly EventType[];

/** What an event is about, as its `name` attribute and its audit entry say: a file's name, or a rule's prefix. */
export const subjectOf = (event: VaultEvent): string =>
  event.type === 'RuleChanged' ? event.prefix : event.name;

/** An event's body: what it says besides its type, id and time. */
export type EventDetails<T extends EventType = EventType> = Omit<
  Extract<VaultEvent, { type: T }>,
  'type' | 'eventId' | 'at'
>;

export interface EventPublisher {
  publish(event: VaultEvent): Promise<void>;
}
