/** The vault table's plumbing: strongly consistent reads, paginated queries behind opaque cursors, transactions. */
import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactGetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { compareKeys, type KeyRange } from '../../core/permissions';
import type { Page } from '../../model';
import { decodeCursor, encodeCursor, hasExactly } from './cursor';
import type { Item, Key } from './items';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Why each item of a cancelled transaction failed: its condition (with the item as it is), or not at all. */
export interface ItemOutcome {
  failed: boolean;
  /** The item as it is, when its condition failed and asked for it (null: there is no such item). */
  item: Item | null;
}

export type TransactResult = { committed: true } | { committed: false; outcomes: ItemOutcome[] };

/** Transactions touching the same items at once: DynamoDB cancels all but one; the others may simply try again. */
const MAX_CONFLICT_RETRIES = 10;

const isConflictOnly = (error: TransactionCanceledException): boolean => {
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
};

const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random())));

export class VaultTable {
  readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly name: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  async get(key: Key): Promise<Item | null> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }),
    );
    return Item ?? null;
  }

  /**
   * Several items read together, as of one moment; an item given with `attributes` comes with those
   * only (and its key).
   */
  async getTogether(itemKeys: (Key | { key: Key; attributes: string[] })[]): Promise<(Item | null)[]> {
    const { Responses } = await this.documents.send(
      new TransactGetCommand({
        TransactItems: itemKeys.map((wanted) => {
          if (!('attributes' in wanted)) return { Get: { TableName: this.name, Key: wanted } };
          const names = Object.fromEntries(wanted.attributes.map((name, i) => [`#a${i}`, name]));
          return {
            Get: {
              TableName: this.name,
              Key: wanted.key,
              ProjectionExpression: Object.keys(names).join(', '),
              ExpressionAttributeNames: names,
            },
          };
        }),
      }),
    );
    return itemKeys.map((_, i) => Responses?.[i]?.Item ?? null);
  }

  /**
   * One all-or-nothing write. A condition that fails cancels it and says which item failed (with the
   * item, when the write asked `ReturnValuesOnConditionCheckFailure`); a conflict with another
   * transaction alone is retried with backoff.
   */
  async transact(items: TransactItem[]): Promise<TransactResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.documents.send(new TransactWriteCommand({ TransactItems: items }));
        return { committed: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) {
          if (
            (error as { name?: string }).name === 'TransactionConflictException' &&
            attempt < MAX_CONFLICT_RETRIES
          ) {
            await pause(attempt);
            continue;
          }
          throw error;
        }
        if (isConflictOnly(error) && attempt < MAX_CONFLICT_RETRIES) {
          await pause(attempt);
          continue;
        }
        const reasons = error.CancellationReasons ?? [];
        if (!reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) throw error;
        return {
          committed: false,
          outcomes: items.map((_, i) => {
            const reason = reasons[i];
            return {
              failed: reason?.Code === 'ConditionalCheckFailed',
              item: reason?.Item
                ? (unmarshall(reason.Item as Parameters<typeof unmarshall>[0]) as Item)
                : null,
            };
          }),
        };
      }
    }
  }

  /**
   * One page of a query. The cursor continues exactly the listing it came from: it must hold exactly
   * the key attributes that listing produces (`indexKey`, or the table's own key), and pass `isValidKey`.
   */
  async page(
    listing: string,
    cursor: string | null,
    indexKey: readonly string[] | null,
    isValidKey: (key: Record<string, string>) => boolean,
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  ): Promise<Page<Item>> {
    const attributes = indexKey ?? ['pk', 'sk'];
    const { Items, LastEvaluatedKey } = await this.documents.send(
      new QueryCommand({
        TableName: this.name,
        ExclusiveStartKey: decodeCursor(
          listing,
          cursor,
          (key) => hasExactly(key, attributes) && isValidKey(key),
        ),
        ...input,
      }),
    );
    return { items: Items ?? [], nextCursor: encodeCursor(listing, LastEvaluatedKey) };
  }
}

/** `a = :a, b = :b` for an update expression, with its values. */
export const assign = (attributes: Item) => ({
  expression: Object.keys(attributes)
    .map((name) => `${name} = :${name}`)
    .join(', '),
  values: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`:${name}`, value])),
});

/** Queries per request a range listing may make before it hands back a cursor. */
const MAX_RANGE_QUERIES = 10;

export interface RangeListing {
  /** Names the listing in its cursors. */
  listing: string;
  index: string;
  /** The index's partition key attribute and its value, and its sort key attribute. */
  partition: [string, string];
  sortKey: string;
  /** In key order; nothing outside them is read. */
  ranges: KeyRange[];
  /** Where a previous page stopped. */
  position: RangePosition | null;
  limit: number;
  filter?: { expression: string; values: Record<string, unknown>; names?: Record<string, string> };
}

/**
 * How far a range listing has examined the keys: everything up to `key`, with `key` itself
 * (`after`) or without it (`from`: the first key past a range, not yet looked at by the caller).
 */
export interface RangePosition {
  key: string;
  from: boolean;
}

/** Cursors of range listings name how far the keys were examined, nothing else. */
export const rangeCursor = {
  encode: (listing: string, position: RangePosition | null) =>
    encodeCursor(
      listing,
      position === null ? undefined : { [position.from ? 'from' : 'after']: position.key },
    ),
  decode: (
    listing: string,
    cursor: string | null,
    isValid: (key: string) => boolean,
  ): RangePosition | null => {
    const keyOf = (start: Record<string, unknown>) => (start.from ?? start.after) as unknown;
    const start = decodeCursor(
      listing,
      cursor,
      (start) =>
        (hasExactly(start, ['after']) || hasExactly(start, ['from'])) &&
        typeof keyOf(start) === 'string' &&
        isValid(keyOf(start) as string),
    );
    return start ? { key: keyOf(start) as string, from: 'from' in start } : null;
  },
};

/**
 * One page of the items whose sort key falls in the given ranges, in key order: each range is
 * queried from its start (or from where the cursor stopped), and the first item past its end
 * closes it and says where the next key is, so empty ranges after it cost no query. A page holds at
 * most `limit` items and reads at most `limit` items a query, so ranges left out (a hidden folder)
 * cost nothing whatever they hold, and a page that found nothing still moves its cursor on.
 */
export const rangePage = async (
  table: VaultTable,
  query: RangeListing,
): Promise<{ items: Item[]; position: RangePosition | null; more: boolean }> => {
  const items: Item[] = [];
  let position = query.position;
  let queries = 0;
  const [partitionName, partitionValue] = query.partition;
  for (const range of query.ranges) {
    if (range.to !== null && position !== null && compareKeys(position.key, range.to) >= 0) continue;
    let startKey: Record<string, unknown> | undefined;
    for (;;) {
      if (items.length >= query.limit || queries >= MAX_RANGE_QUERIES) return { items, position, more: true };
      const fromPosition =
        startKey === undefined && position !== null && compareKeys(position.key, range.from) >= 0;
      const start = fromPosition && position ? position.key : range.from;
      const operator = fromPosition && position && !position.from ? '>' : '>=';
      // DynamoDB takes no empty key value: from the very first key, the partition alone says where.
      const sortCondition = start === '' ? '' : ` AND #sort ${operator} :start`;
      const { Items, LastEvaluatedKey } = await table.documents.send(
        new QueryCommand({
          TableName: table.name,
          IndexName: query.index,
          KeyConditionExpression: `#partition = :partition${sortCondition}`,
          FilterExpression: query.filter?.expression,
          ExpressionAttributeNames: {
            '#partition': partitionName,
            ...(sortCondition ? { '#sort': query.sortKey } : {}),
            ...query.filter?.names,
          },
          ExpressionAttributeValues: {
            ':partition': partitionValue,
            ...(sortCondition ? { ':start': start } : {}),
            ...query.filter?.values,
          },
          ExclusiveStartKey: startKey,
          Limit: query.limit - items.length,
        }),
      );
      queries += 1;
      let closed = false;
      for (const item of Items ?? []) {
        const key = item[query.sortKey] as string;
        if (range.to !== null && compareKeys(key, range.to) >= 0) {
          // Nothing lies between the last key read and this one: the listing goes on from here.
          position = { key, from: true };
          closed = true;
          break;
        }
        items.push(item);
        position = { key, from: false };
      }
      const lastKey = LastEvaluatedKey?.[query.sortKey] as string | undefined;
      if (closed) break;
      // The query reached the partition's end: no later range holds anything either.
      if (!lastKey) return { items, position, more: false };
      // Everything up to the last key read is examined, filtered or not.
      position = { key: lastKey, from: false };
      if (range.to !== null && compareKeys(lastKey, range.to) >= 0) break;
      startKey = LastEvaluatedKey;
      if (items.length >= query.limit) return { items, position, more: true };
    }
  }
  return { items, position, more: false };
};
