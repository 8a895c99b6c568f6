/** The topic's publisher: each committed change on the table's stream, published as its event, in order. */
import { eventFromChange } from './aws/dynamodb/stream-changes';
import type { EventPublisher } from './events';
import { logger } from './logger';
import { consumeStream } from './stream-consumer';

export const publishChanges = (publisher: EventPublisher) =>
  consumeStream('publish', async (change) => {
    const vaultEvent = eventFromChange(change);
    if (!vaultEvent) return;
    await publisher.publish(vaultEvent);
    logger.info('published', { type: vaultEvent.type, eventId: vaultEvent.eventId });
  });
