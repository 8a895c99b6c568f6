/**
 * The notifier: each committed change on the table's stream, fanned out to the feeds it concerns, in
 * order. A record handed over again (a retry, a crash before the position was saved) adds nothing.
 */
import { placedEntryFromChange } from './aws/dynamodb/stream-changes';
import type { FanOut } from './core/fan-out';
import { logger } from './logger';
import { consumeStream } from './stream-consumer';

export const deliverNotifications = (fanOut: FanOut) =>
  consumeStream('notifying', async (change) => {
    const placed = placedEntryFromChange(change);
    if (!placed) return;
    const delivered = await fanOut.deliver(placed.entry, placed.sortValue);
    logger.info('notified', { eventId: placed.entry.entryId, notifications: delivered.length });
  });
