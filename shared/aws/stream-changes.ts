/**
 * Committed changes, as the table's stream reports them, turned into the contract's events: the
 * outbox is the table itself, so only what was committed is ever told, and nothing committed is lost.
 */
import type { VaultEvent } from '../events';
import type { Item } from './items';

export interface TableChange {
  /** The stream record's id: unique per change and the same on every re-delivery. */
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  oldImage: Item | undefined;
  newImage: Item | undefined;
}

const text = (item: Item, attribute: string): string => String(item[attribute] ?? '');
const optionalText = (item: Item, attribute: string): string | null =>
  item[attribute] === undefined || item[attribute] === null ? null : String(item[attribute]);

/** A new version item: a check-in that committed bytes. */
const versionCreated = (eventId: string, version: Item): VaultEvent => ({
  type: 'FileCheckedIn',
  eventId,
  at: text(version, 'createdAt'),
  name: text(version, 'name'),
  user: text(version, 'user'),
  lockId: optionalText(version, 'lockId'),
  version: Number(version.version),
  sha256: text(version, 'sha256'),
  sizeBytes: Number(version.sizeBytes),
  message: text(version, 'message'),
});

/** A file item's lock appeared, or ended, between the two images. */
const lockChanged = (eventId: string, before: Item | undefined, after: Item): VaultEvent | null => {
  const lockBefore = before?.lockId;
  const lockAfter = after.lockId;
  if (lockAfter !== undefined && lockAfter !== lockBefore) {
    return {
      type: 'FileCheckedOut',
      eventId,
      at: text(after, 'lockAcquiredAt'),
      name: text(after, 'name'),
      user: text(after, 'lockUser'),
      lockId: String(lockAfter),
      message: text(after, 'lockMessage'),
    };
  }
  if (lockBefore === undefined || lockAfter !== undefined || before === undefined) return null;
  const ended = { eventId, at: text(after, 'lockEndedAt'), name: text(after, 'name') };
  switch (after.lockEnding) {
    case 'undo':
      return { type: 'LockReleased', ...ended, user: text(after, 'lockEndedBy'), lockId: String(lockBefore) };
    case 'break':
      return {
        type: 'LockBroken',
        ...ended,
        user: text(after, 'lockEndedBy'),
        previousOwner: text(before, 'lockUser'),
        lockId: String(lockBefore),
      };
    case 'checkin':
      // A check-in that committed a version is told by its version item; this one only released the lock.
      if (after.version !== before.version) return null;
      return {
        type: 'FileCheckedIn',
        ...ended,
        user: text(after, 'lockEndedBy'),
        lockId: String(lockBefore),
        version: null,
        sha256: text(after, 'sha256'),
        sizeBytes: Number(after.sizeBytes),
        message: text(after, 'lockEndMessage'),
      };
    default:
      return null;
  }
};

/** The event a committed change means, if any: at most one per change. */
export const eventFromChange = (change: TableChange): VaultEvent | null => {
  const image = change.newImage;
  if (change.eventName === 'REMOVE' || !image) return null;
  if (image.type === 'version' && change.eventName === 'INSERT') return versionCreated(change.eventID, image);
  if (image.type === 'file') return lockChanged(change.eventID, change.oldImage, image);
  return null;
};
