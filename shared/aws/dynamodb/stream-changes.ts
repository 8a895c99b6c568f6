/**
 * Committed changes, as the table's stream reports them, turned into the contract's events. Every
 * change writes its audit entry in its own transaction, so the outbox is the table itself: a new
 * entry on the stream is an event, exactly as it was recorded — only what was committed is ever told,
 * and nothing committed is lost.
 */
import { eventOf } from '../../core/entries';
import type { VaultEvent } from '../../events';
import { auditFromItem, type Item } from './items';

export interface TableChange {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  newImage: Item | undefined;
}

/** The event a committed change means: an audit entry's insertion, and nothing else. */
export const eventFromChange = (change: TableChange): VaultEvent | null =>
  change.eventName === 'INSERT' && change.newImage?.type === 'audit'
    ? eventOf(auditFromItem(change.newImage))
    : null;
