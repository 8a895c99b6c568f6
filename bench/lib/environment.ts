/**
 * What the bench sections share: the emulators (started once per run), a vault core on a fresh table
 * and bucket of them, and fast seeding of many file items straight into the table.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type EmulatorEndpoints, emulatorClients } from '#infra/local/local-vault';
import { ensureBucket, ensureTable } from '#infra/local/provision';
import {
  fileToItem,
  foldersInFolderGroup,
  keys,
  parentFolderKey,
  versionToItem,
} from '#shared/aws/dynamodb/items';
import { DynamoDbNoticeStore } from '#shared/aws/dynamodb/notice-store';
import { DynamoDbVaultStore } from '#shared/aws/dynamodb/vault-store';
import { S3FileStore } from '#shared/aws/s3-file-store';
import type { VaultConfig } from '#shared/config';
import type { FileRecord, FolderRecord, LockRecord } from '#shared/core/records';
import { Vault } from '#shared/core/vault';
import type { Caller } from '#shared/model';
import { type FileName, folderOf, nameKey, parseFileName } from '#shared/names';

export const EXTENSIONS = ['.mcam'];

export const benchConfig = (table: string, bucket: string): VaultConfig => ({
  table,
  bucket,
  extensions: EXTENSIONS,
  urlTtlSeconds: 900,
  lockTtlSeconds: null,
  maxUploadBytes: 50 * 1024 ** 3,
  multipartThresholdBytes: 100 * 1024 ** 2,
  uploadTtlSeconds: 7 * 24 * 3600,
  defaultRole: 'programmers',
  releaseFourEyes: false,
  emailNotifications: false,
});

export const fileName = (raw: string): FileName => parseFileName(raw, EXTENSIONS);

export const caller = (user: string, isAdmin = false): Caller => ({
  user,
  groups: isAdmin ? ['admins'] : [],
});

let tables = 0;
/** A table and bucket name no other section of this run uses. */
export const freshResourceName = (purpose: string): string =>
  `bench-${purpose}-${process.pid}-${++tables}`.toLowerCase();

export type BenchClients = ReturnType<typeof emulatorClients>;

/**
 * The vault's core with its real adapters, on a new table and bucket of the emulators: the table the
 * local server makes (same keys and indexes), with its change stream turned off unless `stream` is
 * set. DynamoDB Local's stream emulation slows every write as its records pile up (seeding 20,000
 * items: 1,300/s with it, 3,000/s without); on AWS a stream is read asynchronously and adds no write
 * latency, and the lock path does not read it.
 */
export const createBenchVault = async (
  endpoints: EmulatorEndpoints,
  purpose: string,
  options: { stream?: boolean } = {},
) => {
  const name = freshResourceName(purpose);
  const config = benchConfig(name, name);
  const clients = emulatorClients(endpoints);
  await ensureTable(clients.dynamodb, config.table);
  if (!options.stream) {
    await clients.dynamodb.send(
      new UpdateTableCommand({ TableName: config.table, StreamSpecification: { StreamEnabled: false } }),
    );
  }
  await ensureBucket(clients.s3, config.bucket);
  const store = new DynamoDbVaultStore(clients.dynamodb, config.table);
  const notices = new DynamoDbNoticeStore(clients.dynamodb, config.table);
  const blobs = new S3FileStore(clients.s3, config.bucket);
  const vault = new Vault({ config, store, notices, blobs });
  return {
    vault,
    config,
    clients,
    store,
    notices,
    blobs,
    drop: async () => {
      await clients.dynamodb.send(new DeleteTableCommand({ TableName: config.table }));
    },
  };
};

const SHA_OF_NOTHING = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** A file item as a check-in would have left it: version 1, optionally locked. */
export const fileRecord = (
  name: string,
  lockedBy: string | null,
  at = new Date().toISOString(),
): FileRecord => {
  const parsed = fileName(name);
  const lock: LockRecord | null = lockedBy
    ? { user: lockedBy, lockId: randomUUID(), acquiredAt: at, message: 'bench', expiresAt: null }
    : null;
  return {
    fileId: randomUUID(),
    key: parsed.key,
    name: parsed.name,
    version: 1,
    sizeBytes: 0,
    sha256: SHA_OF_NOTHING,
    modifiedAt: at,
    modifiedBy: 'seeder',
    lock,
    released: null,
  };
};

const BATCH = 25;

type Item = Record<string, unknown>;

/**
 * Writes items with BatchWriteItem, `parallel` batches in flight, retrying what DynamoDB leaves
 * unprocessed: seeding, not API traffic, so it bypasses the vault.
 */
export const seedItems = async (
  dynamodb: DynamoDBClient,
  table: string,
  items: Iterable<Item>,
  parallel = 8,
): Promise<number> => {
  const documents = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const iterator = items[Symbol.iterator]();
  let written = 0;
  const nextBatch = (): Item[] => {
    const batch: Item[] = [];
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      batch.push(next.value);
      if (batch.length === BATCH) break;
    }
    return batch;
  };
  const worker = async () => {
    for (let batch = nextBatch(); batch.length > 0; batch = nextBatch()) {
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        const { UnprocessedItems } = await documents.send(
          new BatchWriteCommand({ RequestItems: { [table]: requests } }),
        );
        const left = (UnprocessedItems?.[table] ?? []) as typeof requests;
        written += requests.length - left.length;
        requests = left;
        if (left.length > 0) {
          if (attempt > 20) throw new Error(`seeding ${table}: ${left.length} items stay unprocessed`);
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return written;
};

function* mapped<T>(records: Iterable<T>, toItem: (record: T) => Item): Generator<Item> {
  for (const record of records) yield toItem(record);
}

/** File items (lock attributes included), without their folders: for listings of the whole vault. */
export const seedFiles = (
  dynamodb: DynamoDBClient,
  table: string,
  records: Iterable<FileRecord>,
  parallel = 8,
): Promise<number> => seedItems(dynamodb, table, mapped(records, fileToItem), parallel);

/** A folder's item as the store keeps it (its count of files under it, its place under its parent). */
const folderToItem = (folder: FolderRecord): Item => ({
  ...keys.folder(folder.key),
  type: 'folder',
  nameKey: folder.key,
  prefix: folder.prefix,
  files: folder.files,
  groupPk: foldersInFolderGroup(parentFolderKey(folder.key)),
  groupSk: folder.key,
});

/** File items and the folder items their names imply, as check-ins would have left them. */
export const seedTree = async (
  dynamodb: DynamoDBClient,
  table: string,
  records: FileRecord[],
): Promise<number> => {
  const folders = new Map<string, FolderRecord>();
  for (const record of records) {
    for (let folder = folderOf(record.name); folder !== ''; folder = folderOf(folder.slice(0, -1))) {
      const key = nameKey(folder);
      const known = folders.get(key);
      if (known) known.files += 1;
      else folders.set(key, { key, prefix: folder, files: 1 });
    }
  }
  return (
    (await seedFiles(dynamodb, table, records)) +
    (await seedItems(dynamodb, table, mapped(folders.values(), folderToItem)))
  );
};

/** Versions 1..`count` of `file`, as check-ins would have left them (the file item says `count`). */
export const seedVersions = (dynamodb: DynamoDBClient, table: string, file: FileRecord, count: number) =>
  seedItems(
    dynamodb,
    table,
    mapped(
      Array.from({ length: count }, (_, i) => i + 1),
      (version) =>
        versionToItem({
          fileId: file.fileId,
          name: file.name,
          version,
          sizeBytes: file.sizeBytes,
          sha256: file.sha256,
          createdAt: file.modifiedAt,
          user: file.modifiedBy,
          message: `version ${version}`,
          lockId: null,
          releases: [],
        }),
    ),
  );

/** `others/f042/part-0000123.mcam`: spread over folders of 1,000, ordered by index. */
export const seededName = (prefix: string, index: number): string =>
  `${prefix}/f${String(Math.floor(index / 1000)).padStart(3, '0')}/part-${String(index).padStart(7, '0')}.mcam`;
