import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactGetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Page } from '../model';
import type {
  AcquireResult,
  CommitCheckIn,
  CommitResult,
  FileRecord,
  ListFilesQuery,
  ListLocksQuery,
  LockRecord,
  LockRelease,
  LockStore,
  ReleaseResult,
  UploadRecord,
  VersionRecord,
} from '../ports';
import { decodeCursor, encodeCursor, hasExactly } from './cursor';
import {
  FILES_LIST,
  fileContentAttributes,
  fileFromItem,
  fileKey,
  fileToItem,
  type Item,
  LOCK_ATTRIBUTES,
  LOCK_ENDING_ATTRIBUTES,
  LOCKS_LIST,
  lockEndingToAttributes,
  lockToAttributes,
  uploadFromItem,
  uploadKey,
  uploadToItem,
  VERSION_PREFIX,
  versionFromItem,
  versionKey,
  versionToItem,
} from './items';
import { tableSchema } from './table-schema';

/** An unexpired lock is present: the same rule as the core's, said in DynamoDB's words. */
const LOCK_ACTIVE =
  '(attribute_exists(lockId) AND (attribute_not_exists(lockExpiresAt) OR lockExpiresAt > :now))';
const LOCK_ABSENT = '(attribute_not_exists(lockId) OR lockExpiresAt <= :now)';

const withoutLock = `REMOVE ${LOCK_ATTRIBUTES.join(', ')}`;

/** `a = :a, b = :b` for an update expression, with its values. */
const assign = (attributes: Item) => ({
  expression: Object.keys(attributes)
    .map((name) => `${name} = :${name}`)
    .join(', '),
  values: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`:${name}`, value])),
});

const { filesIndex, locksIndex } = tableSchema;
const FILE_INDEX_KEY = ['pk', 'sk', filesIndex.partitionKey, filesIndex.sortKey] as const;
const LOCK_INDEX_KEY = ['pk', 'sk', locksIndex.partitionKey, locksIndex.sortKey] as const;

/** A cursor's key names a file item, and the index key agrees with it. */
const isFileItemKey = (key: Record<string, string>): boolean => {
  const expected = key.nameKey === undefined ? null : fileKey(key.nameKey);
  return expected !== null && key.pk === expected.pk && key.sk === expected.sk;
};

/** A write that touched an item inside another transaction is refused; it is safe to try again shortly. */
const retryOnTransactionConflict = async <T>(write: () => Promise<T>): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof TransactionConflictException) || attempt >= 8) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10));
    }
  }
};

/** The item a failed condition saw, returned in the same round trip (ReturnValuesOnConditionCheckFailure). */
const failedConditionItem = (error: ConditionalCheckFailedException): FileRecord | null =>
  error.Item ? fileFromItem(unmarshall(error.Item)) : null;

/** Files, versions, uploads and locks in one DynamoDB table, each change one conditional write or transaction. */
export class DynamoDbLockStore implements LockStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  async getFile(key: string): Promise<FileRecord | null> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.table, Key: fileKey(key), ConsistentRead: true }),
    );
    return Item ? fileFromItem(Item) : null;
  }

  async listFiles({ prefix, status, limit, cursor, now }: ListFilesQuery): Promise<Page<FileRecord>> {
    const statusFilter =
      status === 'checked_out' ? LOCK_ACTIVE : status === 'available' ? LOCK_ABSENT : undefined;
    // A cursor continues exactly the listing it came from: same index, same prefix.
    const isValidKey = (key: Record<string, string>) =>
      key.listPk === FILES_LIST && isFileItemKey(key) && key.nameKey?.startsWith(prefix) === true;
    const page = await this.query('files', cursor, FILE_INDEX_KEY, isValidKey, {
      IndexName: filesIndex.name,
      KeyConditionExpression: prefix ? 'listPk = :list AND begins_with(nameKey, :prefix)' : 'listPk = :list',
      FilterExpression: statusFilter,
      ExpressionAttributeValues: {
        ':list': FILES_LIST,
        ...(prefix ? { ':prefix': prefix } : {}),
        ...(statusFilter ? { ':now': now } : {}),
      },
      Limit: limit,
    });
    return { items: page.items.map(fileFromItem), nextCursor: page.nextCursor };
  }

  async getVersion(key: string, version: number): Promise<VersionRecord | null> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.table, Key: versionKey(key, version), ConsistentRead: true }),
    );
    return Item ? versionFromItem(Item) : null;
  }

  async listVersions(key: string, limit: number, cursor: string | null): Promise<Page<VersionRecord>> {
    const pk = fileKey(key).pk;
    const isValidKey = (start: Record<string, string>) =>
      hasExactly(start, ['pk', 'sk']) && start.pk === pk && start.sk?.startsWith(VERSION_PREFIX) === true;
    const page = await this.query('versions', cursor, null, isValidKey, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :versions)',
      ExpressionAttributeValues: { ':pk': pk, ':versions': VERSION_PREFIX },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: limit,
    });
    return { items: page.items.map(versionFromItem), nextCursor: page.nextCursor };
  }

  async listLocks({ user, limit, cursor, now }: ListLocksQuery): Promise<Page<FileRecord>> {
    const isValidKey = (key: Record<string, string>) => key.lockListPk === LOCKS_LIST && isFileItemKey(key);
    const page = await this.query('locks', cursor, LOCK_INDEX_KEY, isValidKey, {
      IndexName: locksIndex.name,
      KeyConditionExpression: 'lockListPk = :list',
      FilterExpression: user === null ? LOCK_ACTIVE : `${LOCK_ACTIVE} AND lockUser = :user`,
      ExpressionAttributeValues: {
        ':list': LOCKS_LIST,
        ':now': now,
        ...(user === null ? {} : { ':user': user }),
      },
      Limit: limit,
    });
    return { items: page.items.map(fileFromItem), nextCursor: page.nextCursor };
  }

  async acquireLock(key: string, lock: LockRecord, now: string): Promise<AcquireResult> {
    const lockAttributes = assign(lockToAttributes(lock));
    const removed = [...LOCK_ENDING_ATTRIBUTES, ...(lock.expiresAt === null ? ['lockExpiresAt'] : [])];
    const result = await this.updateFile(key, {
      UpdateExpression: `SET ${lockAttributes.expression} REMOVE ${removed.join(', ')}`,
      ConditionExpression: `attribute_exists(pk) AND ${LOCK_ABSENT}`,
      ExpressionAttributeValues: { ...lockAttributes.values, ':now': now },
      ReturnValues: 'ALL_NEW',
    });
    return result.updated
      ? { acquired: true, file: result.file }
      : { acquired: false, current: result.current };
  }

  async releaseLock(key: string, release: LockRelease): Promise<ReleaseResult> {
    const conditions = [LOCK_ACTIVE];
    if (release.owner !== null) conditions.push('lockUser = :owner');
    if (release.lockId !== null) conditions.push('lockId = :lockId');
    const { endedBy, ending, message, now } = release;
    const endingAttributes = assign(lockEndingToAttributes({ endedBy, ending, message, at: now }));
    const result = await this.updateFile(key, {
      UpdateExpression: `SET ${endingAttributes.expression} ${withoutLock}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeValues: {
        ...endingAttributes.values,
        ':now': now,
        ...(release.owner === null ? {} : { ':owner': release.owner }),
        ...(release.lockId === null ? {} : { ':lockId': release.lockId }),
      },
      ReturnValues: 'ALL_OLD',
    });
    return result.updated
      ? { released: true, previous: result.file }
      : { released: false, current: result.current };
  }

  /**
   * One conditional write of a file item. On success, the item as `ReturnValues` asks; when the
   * condition fails, the item as it was, in the same round trip (null when there is no such file).
   */
  private async updateFile(
    key: string,
    update: Pick<
      UpdateCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'
    > & {
      ReturnValues: 'ALL_NEW' | 'ALL_OLD';
    },
  ): Promise<{ updated: true; file: FileRecord } | { updated: false; current: FileRecord | null }> {
    try {
      const { Attributes } = await retryOnTransactionConflict(() =>
        this.documents.send(
          new UpdateCommand({
            TableName: this.table,
            Key: fileKey(key),
            ...update,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return { updated: true, file: fileFromItem(Attributes as Item) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        return { updated: false, current: failedConditionItem(error) };
      throw error;
    }
  }

  async putUpload(upload: UploadRecord, ttlEpochSeconds: number): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.table,
        Item: uploadToItem(upload, ttlEpochSeconds),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getUploadWithFile(uploadId: string, key: string) {
    const { Responses } = await this.documents.send(
      new TransactGetCommand({
        TransactItems: [
          { Get: { TableName: this.table, Key: uploadKey(uploadId) } },
          { Get: { TableName: this.table, Key: fileKey(key) } },
        ],
      }),
    );
    const uploadItem = Responses?.[0]?.Item;
    const fileItem = Responses?.[1]?.Item;
    return {
      upload: uploadItem ? uploadFromItem(uploadItem) : null,
      file: fileItem ? fileFromItem(fileItem) : null,
    };
  }

  async commitCheckIn({
    upload,
    expected,
    file,
    version,
    keepLock,
    now,
  }: CommitCheckIn): Promise<CommitResult> {
    const content = assign({
      ...fileContentAttributes(file),
      ...(keepLock
        ? {}
        : lockEndingToAttributes({
            endedBy: version.user,
            ending: 'checkin',
            message: version.message,
            at: now,
          })),
    });
    const fileWrite: NonNullable<TransactWriteCommandInput['TransactItems']>[number] = expected
      ? {
          Update: {
            TableName: this.table,
            Key: fileKey(file.key),
            UpdateExpression: `SET ${content.expression}${keepLock ? '' : ` ${withoutLock}`}`,
            ConditionExpression: `${LOCK_ACTIVE} AND lockId = :lockId AND version = :expectedVersion`,
            ExpressionAttributeValues: {
              ...content.values,
              ':now': now,
              ':lockId': upload.lockId,
              ':expectedVersion': expected.version,
            },
          },
        }
      : {
          Put: {
            TableName: this.table,
            Item: fileToItem(file),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        };
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            fileWrite,
            {
              Put: {
                TableName: this.table,
                Item: versionToItem(version),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: uploadKey(upload.uploadId),
                UpdateExpression: 'SET committedVersion = :version, committedAt = :now REMOVE #ttl',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(committedVersion)',
                ExpressionAttributeNames: { '#ttl': 'ttl' },
                ExpressionAttributeValues: { ':version': version.version, ':now': now },
              },
            },
          ],
        }),
      );
      return { committed: true };
    } catch (error) {
      // A condition failed or another transaction touched these items: the caller reads again and decides.
      if (error instanceof TransactionCanceledException) return { committed: false };
      throw error;
    }
  }

  private async query(
    listing: string,
    cursor: string | null,
    indexKey: readonly string[] | null,
    isValidKey: (key: Record<string, string>) => boolean,
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  ): Promise<Page<Item>> {
    const validate = indexKey
      ? (key: Record<string, string>) => hasExactly(key, indexKey) && isValidKey(key)
      : isValidKey;
    const { Items, LastEvaluatedKey } = await this.documents.send(
      new QueryCommand({
        TableName: this.table,
        ExclusiveStartKey: decodeCursor(listing, cursor, validate),
        ...input,
      }),
    );
    return { items: Items ?? [], nextCursor: encodeCursor(listing, LastEvaluatedKey) };
  }
}
