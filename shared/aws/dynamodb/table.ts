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

  /** Several items read together, as of one moment. */
  async getTogether(itemKeys: Key[]): Promise<(Item | null)[]> {
    const { Responses } = await this.documents.send(
      new TransactGetCommand({
        TransactItems: itemKeys.map((Key) => ({ Get: { TableName: this.name, Key } })),
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
