/**
 * What Lambda's event source mapping does on AWS, done locally: read the table's stream from DynamoDB
 * Local, hand batches to the notify handler in order, and remember how far it got. The position is
 * saved only after the handler succeeded, so a crash replays (at least once) and never skips.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type Shard,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

interface Checkpoint {
  streamArn: string;
  /** The last sequence number handled, per shard. */
  positions: Record<string, string>;
}

export interface StreamFollowerOptions {
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  table: string;
  checkpointFile: string;
  handler: StreamHandler;
  pollMs?: number;
  batchSize?: number;
  onError?: (error: unknown) => void;
}

const readCheckpoint = (file: string, streamArn: string): Checkpoint => {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
    // A new stream (the table was made anew) starts from its beginning.
    if (saved.streamArn === streamArn && typeof saved.positions === 'object') return saved;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { streamArn, positions: {} };
};

/** Written beside and renamed into place: a crash leaves the old checkpoint or the new one, never half. */
const saveCheckpoint = (file: string, checkpoint: Checkpoint): void => {
  const temporary = `${file}.${randomUUID()}.tmp`;
  writeFileSync(temporary, JSON.stringify(checkpoint), { flush: true });
  renameSync(temporary, file);
};

type Image = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
type AttributeValue = NonNullable<Image>[string];

/**
 * DynamoDB Local (3.3) writes an empty map into its stream as `{}` instead of `{"M": {}}` (the items
 * themselves read back right); unmarshalled as it is, such a record throws, and the stream would be
 * retried from it forever. AWS's stream, which Lambda hands over, writes `{"M": {}}`.
 */
const repaired = (value: AttributeValue): AttributeValue => {
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.M) return { M: repairedImage(value.M) };
  if (value.L) return { L: value.L.map(repaired) };
  return value;
};
const repairedImage = (image: Record<string, AttributeValue>): Record<string, AttributeValue> =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, repaired(value)]));
const imageOf = (image: unknown): Image =>
  image ? repairedImage(image as Record<string, AttributeValue>) : undefined;

/** The record as Lambda hands it over: creation time in epoch seconds, the stream's ARN beside it. */
const lambdaRecord = (record: StreamRecord, streamArn: string): DynamoDBRecord => {
  const change = record.dynamodb;
  const created = change?.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: created instanceof Date ? created.getTime() / 1000 : undefined,
      Keys: change?.Keys as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
      NewImage: imageOf(change?.NewImage),
      OldImage: imageOf(change?.OldImage),
      SequenceNumber: change?.SequenceNumber,
      SizeBytes: change?.SizeBytes,
      StreamViewType: change?.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  };
};

/** Parents before children, as the stream's order requires. */
const inStreamOrder = (shards: Shard[]): Shard[] => {
  const ids = new Set(shards.map((shard) => shard.ShardId));
  const ordered: Shard[] = [];
  const placed = new Set<string | undefined>();
  let remaining = shards;
  while (remaining.length > 0) {
    const ready = remaining.filter(
      (shard) => !shard.ParentShardId || !ids.has(shard.ParentShardId) || placed.has(shard.ParentShardId),
    );
    if (ready.length === 0) return [...ordered, ...remaining];
    for (const shard of ready) placed.add(shard.ShardId);
    ordered.push(...ready);
    remaining = remaining.filter((shard) => !placed.has(shard.ShardId));
  }
  return ordered;
};

export const followStream = async (options: StreamFollowerOptions) => {
  const { dynamodb, streams, table, checkpointFile, handler } = options;
  const pollMs = options.pollMs ?? 200;
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${table} has no stream`);
  const checkpoint = readCheckpoint(checkpointFile, streamArn);
  const iterators = new Map<string, string | null>();
  const closedShards = new Set<string>();

  const iteratorFor = async (shardId: string): Promise<string | undefined> => {
    const position = checkpoint.positions[shardId];
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(position
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator;
  };

  /** One batch from one shard; true when there may be more right away. */
  const pollShard = async (shardId: string): Promise<boolean> => {
    const iterator = iterators.get(shardId) ?? (await iteratorFor(shardId));
    if (!iterator) return false;
    let page: GetRecordsCommandOutput;
    try {
      page = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize ?? 100 }),
      );
    } catch (error) {
      if (error instanceof ExpiredIteratorException) {
        iterators.delete(shardId);
        return true;
      }
      throw error;
    }
    const records = page.Records ?? [];
    if (records.length > 0) {
      let response: DynamoDBBatchResponse | undefined;
      try {
        response = await handler({ Records: records.map((record) => lambdaRecord(record, streamArn)) });
      } catch (error) {
        // The whole batch failed: read it again from the last saved position.
        iterators.delete(shardId);
        throw error;
      }
      const failed = response?.batchItemFailures?.[0]?.itemIdentifier;
      const handled = failed
        ? records.slice(
            0,
            records.findIndex((r) => r.dynamodb?.SequenceNumber === failed),
          )
        : records;
      const last = handled.at(-1)?.dynamodb?.SequenceNumber;
      if (last) {
        checkpoint.positions[shardId] = last;
        saveCheckpoint(checkpointFile, checkpoint);
      }
      if (failed) {
        iterators.delete(shardId);
        return false;
      }
    }
    if (page.NextShardIterator) {
      iterators.set(shardId, page.NextShardIterator);
      return records.length > 0;
    }
    closedShards.add(shardId);
    return false;
  };

  const pollOnce = async (): Promise<boolean> => {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    let more = false;
    for (const shard of inStreamOrder(shards)) {
      if (!shard.ShardId || closedShards.has(shard.ShardId)) continue;
      if (await pollShard(shard.ShardId)) more = true;
    }
    return more;
  };

  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let more = false;
      try {
        more = await pollOnce();
      } catch (error) {
        options.onError?.(error);
      }
      if (!more && !stopped) await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  })();

  return {
    streamArn,
    /** Stops after the batch in hand; what it handled is saved, what it did not is read again next time. */
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
};
