/**
 * The stream consumer's logic: each committed change in a batch of the table's stream, published as
 * its event, in order. A record that fails is reported, with those after it, so the platform retries
 * from there; nothing is skipped and nothing is published twice except on such a retry.
 */

import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { eventFromChange, type TableChange } from './aws/dynamodb/stream-changes';
import type { EventPublisher } from './events';
import { logger } from './logger';

type Image = Parameters<typeof unmarshall>[0];

const changeOf = (record: DynamoDBRecord): TableChange => ({
  eventName: record.eventName ?? 'MODIFY',
  newImage: record.dynamodb?.NewImage && unmarshall(record.dynamodb.NewImage as Image),
});

export const publishChanges = (publisher: EventPublisher) =>
  middy<DynamoDBStreamEvent, DynamoDBBatchResponse>().handler(async (event) => {
    for (const record of event.Records) {
      try {
        const vaultEvent = eventFromChange(changeOf(record));
        if (vaultEvent) {
          await publisher.publish(vaultEvent);
          logger.info('published', { type: vaultEvent.type, eventId: vaultEvent.eventId });
        }
      } catch (error) {
        logger.error('publish failed; the stream will retry from this record', {
          eventId: record.eventID,
          error: error as Error,
        });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  });
