/**
 * Brings a table written by camvault v1 to the v2 layout. v1 kept each file under its name
 * (`FILE#<name key>`: the file item and its versions); v2 keeps the live file under its name and its
 * versions under its identity. Per file: copy the versions to the identity (idempotent puts), then one
 * transaction puts the v2 file item, deletes the v1 one and counts the file in its folders, then the v1
 * versions go. Each step can be repeated, so a run that stops anywhere is finished by the next one;
 * a file's identity is derived from its v1 name, so every run gives it the same one.
 */
import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { folderChanges } from '../../core/folders';
import { fileFromItem, fileToItem, type Item, keys, VERSION_PREFIX } from './items';
import { VaultTable } from './table';
import { folderWrite } from './vault-store';

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const V1_PREFIX = 'FILE#';
const BATCH = 25;

export interface MigrationReport {
  filesMigrated: number;
  versionsCopied: number;
  uploadsBound: number;
  /** v1 files left as they were, because a v2 file already has their name (should not happen; look at them). */
  conflicts: string[];
}

/** The identity a v1 file gets: a UUID-shaped digest of its v1 key, the same on every run. */
export const v1FileId = (nameKey: string): string => {
  const hex = createHash('sha256').update(`camvault-v1:${nameKey}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

export const migrateV1 = async (client: DynamoDBClient, tableName: string): Promise<MigrationReport> => {
  const table = new VaultTable(client, tableName);
  const documents = table.documents;
  const report: MigrationReport = { filesMigrated: 0, versionsCopied: 0, uploadsBound: 0, conflicts: [] };

  const batchWrite = async (requests: WriteRequest[]) => {
    for (let start = 0; start < requests.length; start += BATCH) {
      let pending = requests.slice(start, start + BATCH);
      for (let attempt = 1; pending.length > 0; attempt++) {
        const { UnprocessedItems } = await documents.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
        );
        pending = UnprocessedItems?.[tableName] ?? [];
        if (pending.length > 0) {
          if (attempt >= 10) throw new Error('DynamoDB kept refusing part of a batch write');
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
    }
  };

  const v1Versions = async (pk: string): Promise<Item[]> => {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :versions)',
          ExpressionAttributeValues: { ':pk': pk, ':versions': VERSION_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  };

  /** v1 versions copied under the identity, as they were (their name: the file's name then). */
  const copyVersions = async (versions: Item[], fileId: string) => {
    await batchWrite(
      versions.map((version) => ({
        PutRequest: {
          Item: {
            ...keys.version(fileId, version.version as number),
            type: 'version',
            fileId,
            name: version.name,
            version: version.version,
            sizeBytes: version.sizeBytes,
            sha256: version.sha256,
            createdAt: version.createdAt,
            user: version.user,
            message: version.message,
            lockId: version.lockId ?? null,
            releases: [],
          },
        },
      })),
    );
    report.versionsCopied += versions.length;
  };

  const deleteV1 = (items: Item[]) =>
    batchWrite(items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })));

  const migrateFile = async (v1File: Item) => {
    const key = v1File.nameKey as string;
    const fileId = v1FileId(key);
    const versions = await v1Versions(v1File.pk as string);
    await copyVersions(versions, fileId);
    const file = fileFromItem({ ...v1File, fileId });
    const result = await table.transact([
      {
        Put: {
          TableName: tableName,
          Item: fileToItem(file),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Delete: {
          TableName: tableName,
          Key: { pk: v1File.pk, sk: v1File.sk },
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      ...folderChanges(null, file.name).map((folder) => folderWrite(tableName, folder, 'add')),
    ]);
    if (!result.committed) {
      const [put, remove] = result.outcomes;
      // Its v1 item is gone: another run migrated it just now.
      if (remove?.failed) return;
      if (put?.failed && put.item?.fileId !== fileId) {
        report.conflicts.push(file.name);
        return;
      }
    }
    await deleteV1(versions);
    report.filesMigrated += 1;
  };

  /** Versions left behind by a run that stopped after its file's transaction: copied (again) and removed. */
  const finishVersions = async (pk: string) => {
    const key = pk.slice(V1_PREFIX.length);
    const fileId = v1FileId(key);
    const current = await table.get(keys.file(key));
    if (current?.fileId !== fileId) return;
    const versions = await v1Versions(pk);
    await copyVersions(versions, fileId);
    await deleteV1(versions);
  };

  const scan = async (
    filter: string,
    values: Record<string, unknown>,
    visit: (item: Item) => Promise<void>,
    names?: Record<string, string>,
  ) => {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: filter,
          ExpressionAttributeValues: values,
          ExpressionAttributeNames: names,
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) await visit(item);
      start = page.LastEvaluatedKey;
    } while (start);
  };

  const orphanedVersionPartitions = new Set<string>();
  await scan('begins_with(pk, :v1)', { ':v1': V1_PREFIX }, async (item) => {
    if (item.sk === 'FILE') await migrateFile(item);
    else orphanedVersionPartitions.add(item.pk as string);
  });
  for (const pk of orphanedVersionPartitions) await finishVersions(pk);

  // Uploads staged under a v1 lock: bound to the file's identity, so that they can still be checked in.
  await scan(
    '#type = :upload AND attribute_not_exists(fileId) AND attribute_type(lockId, :string)',
    { ':upload': 'upload', ':string': 'S' },
    async (item) => {
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET fileId = :fileId',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(fileId)',
          ExpressionAttributeValues: { ':fileId': v1FileId(item.nameKey as string) },
        }),
      );
      report.uploadsBound += 1;
    },
    { '#type': 'type' },
  );
  return report;
};
