/**
 * (v2) Watches, checkout requests and feeds on the vault table. A watch item lives with its user and
 * is indexed (`byGroup`) under the prefix it watches: the notifier queries the few prefixes above an
 * event's name, never the watches of other folders. A notification's key is its user and its event's
 * place in the audit trail, and it is put only where none is, so a replayed stream adds nothing.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Committed, FileChanged, NewRequest, NoticeStore } from '../../core/ports';
import type { NotificationRecord, RequestRecord, WatchRecord } from '../../core/records';
import type { Page } from '../../model';
import {
  auditToItem,
  feedPartition,
  fileFromItem,
  type Item,
  identityPartition,
  keys,
  MAIL_PENDING_GROUP,
  NOTIFICATION_PREFIX,
  notificationFromItem,
  notificationToItem,
  REQUEST_PREFIX,
  requestFromItem,
  requestToItem,
  SORT_END,
  userPartition,
  WATCH_PREFIX,
  watchersGroup,
  watchFromItem,
  watchToItem,
} from './items';
import { VaultTable } from './table';
import { tableSchema } from './table-schema';
import { putNew } from './vault-store';

/** Feeds keep a notification this long; DynamoDB's time to live removes it after. */
export const NOTIFICATION_TTL_SECONDS = 180 * 24 * 3600;

const { groupsIndex } = tableSchema;

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

export class DynamoDbNoticeStore implements NoticeStore {
  private readonly table: VaultTable;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new VaultTable(client, tableName);
  }

  private get name(): string {
    return this.table.name;
  }

  /** Every item of a query, page after page (for lists that stay small: one user's watches, one file's requests). */
  private async all(
    input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.documents.send(
        new QueryCommand({ TableName: this.name, ...input, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async putWatch(watch: WatchRecord): Promise<WatchRecord> {
    const { pk, sk, createdAt, ...rest } = watchToItem(watch);
    const names = Object.keys(rest);
    const { Attributes } = await this.table.documents.send(
      new UpdateCommand({
        TableName: this.name,
        Key: { pk, sk },
        // Watched again: the same watch, its types replaced, its creation time kept.
        UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}, createdAt = if_not_exists(createdAt, :createdAt)`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((name, i) => [`:a${i}`, rest[name]])),
          ':createdAt': createdAt,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return watchFromItem(Attributes ?? {});
  }

  async listWatches(user: string): Promise<WatchRecord[]> {
    const items = await this.all({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :watch)',
      ExpressionAttributeValues: { ':pk': userPartition(user), ':watch': WATCH_PREFIX },
      ConsistentRead: true,
    });
    return items.map(watchFromItem);
  }

  async deleteWatch(user: string, watchId: string): Promise<WatchRecord | null> {
    try {
      const { Attributes } = await this.table.documents.send(
        new DeleteCommand({
          TableName: this.name,
          Key: keys.watch(user, watchId),
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes ? watchFromItem(Attributes) : null;
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  async watchersOf(watchedKeys: string[]): Promise<WatchRecord[]> {
    const found = await Promise.all(
      [...new Set(watchedKeys)].map((key) =>
        this.all({
          IndexName: groupsIndex.name,
          KeyConditionExpression: 'groupPk = :group',
          ExpressionAttributeValues: { ':group': watchersGroup(key) },
        }),
      ),
    );
    return found.flat().map(watchFromItem);
  }

  async putRequest({ file, request, entry, now }: NewRequest): Promise<Committed | FileChanged> {
    const result = await this.table.transact([
      {
        ConditionCheck: {
          TableName: this.name,
          Key: keys.file(file.key),
          ConditionExpression:
            'fileId = :fileId AND lockId = :lockId AND (attribute_not_exists(lockExpiresAt) OR lockExpiresAt > :now)',
          ExpressionAttributeValues: { ':fileId': file.fileId, ':lockId': request.lockId, ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      // Asking again replaces one's earlier request: one per user and file.
      { Put: { TableName: this.name, Item: requestToItem(request) } },
      putNew(this.name, auditToItem(entry, 0)),
    ]);
    if (result.committed) return result;
    const item = result.outcomes[0]?.item;
    return { committed: false, current: item ? fileFromItem(item) : null };
  }

  async requestsFor(fileId: string): Promise<RequestRecord[]> {
    const items = await this.all({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :request)',
      ExpressionAttributeValues: { ':pk': identityPartition(fileId), ':request': REQUEST_PREFIX },
      ConsistentRead: true,
    });
    return items.map(requestFromItem);
  }

  async removeRequests(requests: RequestRecord[]): Promise<void> {
    await Promise.all(
      requests.map(async (request) => {
        try {
          await this.table.documents.send(
            new DeleteCommand({
              TableName: this.name,
              Key: keys.request(request.fileId, request.user),
              ConditionExpression: 'lockId = :lockId AND #at = :at',
              ExpressionAttributeNames: { '#at': 'at' },
              ExpressionAttributeValues: { ':lockId': request.lockId, ':at': request.at },
            }),
          );
        } catch (error) {
          // Gone already, or asked again since: the newer request stays.
          if (!isConditionFailure(error)) throw error;
        }
      }),
    );
  }

  async deliver(notification: NotificationRecord, options: { mail: boolean }): Promise<boolean> {
    const expires = Math.floor(Date.parse(notification.at) / 1000) + NOTIFICATION_TTL_SECONDS;
    try {
      await this.table.documents.send(
        new PutCommand({
          TableName: this.name,
          Item: notificationToItem(notification, expires, options.mail),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listNotifications(
    user: string,
    limit: number,
    cursor: string | null,
  ): Promise<Page<NotificationRecord>> {
    const partition = feedPartition(user);
    const page = await this.table.page(
      'notifications',
      cursor,
      null,
      // A cursor names a place in the caller's own feed, never in another's.
      (key) => key.pk === partition && key.sk?.startsWith(NOTIFICATION_PREFIX) === true,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :note)',
        ExpressionAttributeValues: { ':pk': partition, ':note': NOTIFICATION_PREFIX },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      },
    );
    return { items: page.items.map(notificationFromItem), nextCursor: page.nextCursor };
  }

  async pendingMail(limit: number): Promise<NotificationRecord[]> {
    const { Items } = await this.table.documents.send(
      new QueryCommand({
        TableName: this.name,
        IndexName: groupsIndex.name,
        KeyConditionExpression: 'groupPk = :group',
        ExpressionAttributeValues: { ':group': MAIL_PENDING_GROUP },
        Limit: limit,
      }),
    );
    return (Items ?? []).map(notificationFromItem);
  }

  async mailSent(notifications: NotificationRecord[]): Promise<void> {
    await Promise.all(
      notifications.map(async (notification) => {
        try {
          await this.table.documents.send(
            new UpdateCommand({
              TableName: this.name,
              Key: keys.notification(notification.user, notification.sortValue),
              UpdateExpression: 'REMOVE groupPk, groupSk',
              ConditionExpression: 'attribute_exists(pk)',
            }),
          );
        } catch (error) {
          // Expired meanwhile (time to live): nothing left to mark.
          if (!isConditionFailure(error)) throw error;
        }
      }),
    );
  }

  async getNotification(user: string, sortValue: string): Promise<NotificationRecord | null> {
    const item = await this.table.get(keys.notification(user, sortValue));
    return item ? notificationFromItem(item) : null;
  }

  async readMark(user: string): Promise<string | null> {
    const item = await this.table.get(keys.readMark(user));
    return typeof item?.upTo === 'string' ? item.upTo : null;
  }

  async markRead(user: string, sortValue: string): Promise<void> {
    try {
      await this.table.documents.send(
        new UpdateCommand({
          TableName: this.name,
          Key: keys.readMark(user),
          UpdateExpression: 'SET upTo = :upTo',
          // The mark only moves on: marking an older one read changes nothing.
          ConditionExpression: 'attribute_not_exists(upTo) OR upTo < :upTo',
          ExpressionAttributeValues: { ':upTo': sortValue },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async countUnread(user: string, after: string | null): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.documents.send(
        new QueryCommand({
          TableName: this.name,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': feedPartition(user),
            // Just after the mark ("\u0000" sorts before every character), up to the last notification.
            ':from': `${NOTIFICATION_PREFIX}${after === null ? '' : `${after}\u0000`}`,
            ':to': `${NOTIFICATION_PREFIX}${SORT_END}`,
          },
          Select: 'COUNT',
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  }
}
