/**
 * Committed changes, as the table's stream reports them, turned into the contract's events. Every
 * change writes its audit entry in its own transaction, so the outbox is the table itself: a new
 * entry on the stream is an event, exactly as it was recorded — only what was committed is ever told,
 * and nothing committed is lost.
 */
import { eventOf } from '../../core/entries';
import type { AuditRecord } from '../../core/records';
import type { VaultEvent } from '../../events';
import { AUDIT_PREFIX, auditFromItem, type Item } from './items';

export interface TableChange {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  newImage: Item | undefined;
}

/** The event a committed change means: an audit entry's insertion, and nothing else. */
export const eventFromChange = (change: TableChange): VaultEvent | null =>
  change.eventName === 'INSERT' && change.newImage?.type === 'audit'
    ? eventOf(auditFromItem(change.newImage))
    : null;

/** A new audit entry with its place in the trail (time, place in its transaction, id): what feeds sort by. */
export const placedEntryFromChange = (
  change: TableChange,
): { entry: AuditRecord; sortValue: string } | null => {
  const sk = change.newImage?.sk;
  if (change.eventName !== 'INSERT' || change.newImage?.type !== 'audit' || typeof sk !== 'string')
    return null;
  if (!sk.startsWith(AUDIT_PREFIX)) return null;
  return { entry: auditFromItem(change.newImage), sortValue: sk.slice(AUDIT_PREFIX.length) };
};
