/**
 * A consumer of the table's stream, as Lambda's event source mapping calls it: each record of a batch
 * handled in order. A record that fails is reported, with those after it, so the platform retries
 * from there; nothing is skipped, and only such a retry hands a record over twice.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { TableChange } from './aws/dynamodb/stream-changes';
import { logger } from './logger';

type Image = Parameters<typeof unmarshall>[0];

export const consumeStream = (doing: string, handle: (change: TableChange) => Promise<void>) =>
  middy<DynamoDBStreamEvent, DynamoDBBatchResponse>().handler(async (event) => {
    for (const record of event.Records) {
      try {
        await handle({
          eventName: record.eventName ?? 'MODIFY',
          newImage: record.dynamodb?.NewImage && unmarshall(record.dynamodb.NewImage as Image),
        });
      } catch (error) {
        logger.error(`${doing} failed; the stream will retry from this record`, {
          eventId: record.eventID,
          error: error as Error,
        });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  });
