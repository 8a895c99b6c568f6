/**
 * The vault's storage on DynamoDB: each change of the core is built here as one TransactWriteItems —
 * the change itself, its audit entries and the folder counts it moves — and nowhere else.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { EMPTY_RULES, type RuleBook } from '../../core/permissions';
import type {
  Committed,
  Deletion,
  FileChanged,
  HeldLock,
  LfsLockChanged,
  LfsLockEnd,
  ListAuditQuery,
  ListFilesQuery,
  ListLocksQuery,
  LockEnd,
  Move,
  MoveResult,
  NewLfsLock,
  NewLock,
  NewRelease,
  NewVersion,
  NewVersionResult,
  PartDeclaration,
  Restoration,
  RestoreResult,
  RuleChange,
  VaultStore,
  VerifiedPart,
} from '../../core/ports';
import type {
  AuditRecord,
  BlobGuard,
  BlobRecord,
  FileRecord,
  FolderChange,
  LfsLockRecord,
  PartRecord,
  UploadRecord,
} from '../../core/records';
import { logger } from '../../logger';
import type { Page, Rule } from '../../model';
import {
  AUDIT_GROUP,
  AUDIT_PREFIX,
  auditFromItem,
  auditToItem,
  blobFromItem,
  FILES_LIST,
  fileContentAttributes,
  fileFromItem,
  filesInFolderGroup,
  fileToItem,
  folderFromItem,
  foldersInFolderGroup,
  GONE_PREFIX,
  goneToItem,
  type Item,
  identityPartition,
  keys,
  LFS_PATH_PREFIX,
  LOCK_ATTRIBUTES,
  LOCKS_LIST,
  lfsLockFromItem,
  lfsLockIdToItem,
  lfsLockToItem,
  lfsPartition,
  lockToAttributes,
  PART_PREFIX,
  parentFolderKey,
  partFromItem,
  RELEASE_ATTRIBUTES,
  releaseToAttributes,
  rulesFromItem,
  rulesToItem,
  rulesVersionOf,
  SORT_END,
  TRASH_GROUP,
  trashedFromItem,
  trashedToItem,
  UNREFERENCED_BLOBS_GROUP,
  uploadFromItem,
  uploadPartition,
  uploadToItem,
  VERSION_PREFIX,
  versionFromItem,
  versionToItem,
} from './items';
import { assign, type ItemOutcome, rangeCursor, rangePage, type TransactItem, VaultTable } from './table';
import { tableSchema } from './table-schema';

/** An unexpired lock is present: the same rule as the core's, said in DynamoDB's words. */
const LOCK_ACTIVE =
  '(attribute_exists(lockId) AND (attribute_not_exists(lockExpiresAt) OR lockExpiresAt > :now))';
const LOCK_ABSENT = '(attribute_not_exists(lockId) OR lockExpiresAt <= :now)';
/** An upload still open to parts and a check-in: neither committed nor given up. */
const UPLOAD_OPEN =
  'attribute_exists(pk) AND attribute_not_exists(committedVersion) AND attribute_not_exists(abandonedAt) AND attribute_not_exists(sweptAt)';
/** (v2) No sweep of the blob began, or ended, since the check-in read its count. */
const BLOB_UNSWEPT =
  'attribute_not_exists(sweepingSince) AND (sweeps = :sweeps OR (attribute_not_exists(sweeps) AND :sweeps = :zero))';
/** Still marked as staging marked it (a sweep ends by removing the mark; a later mark replaces it), no sweep under way. */
const BLOB_STILL_MARKED = 'attribute_not_exists(sweepingSince) AND placedAt = :markedAt';
/** A blob a version refers to is never swept. */
const BLOB_REFERENCED = 'attribute_exists(referenced)';
/** The commit's condition on its blob's record, and the values it names (with the record's own). */
const blobGuardCondition = (guard: BlobGuard) => {
  const own = { ':blob': 'blob', ':sha256': guard.sha256, ':true': true };
  if ('referenced' in guard) return { ConditionExpression: BLOB_REFERENCED, ExpressionAttributeValues: own };
  if ('markedAt' in guard)
    return {
      ConditionExpression: `${BLOB_REFERENCED} OR (${BLOB_STILL_MARKED})`,
      ExpressionAttributeValues: { ...own, ':markedAt': guard.markedAt },
    };
  return {
    ConditionExpression: `${BLOB_REFERENCED} OR (${BLOB_UNSWEPT})`,
    ExpressionAttributeValues: { ...own, ':sweeps': guard.sweeps, ':zero': 0 },
  };
};
/** The write that marks a blob placed at `at` (the sweeper's candidate from then), if `condition` holds. */
const markBlobPlaced = (table: string, sha256: string, at: string, condition: string) => ({
  TableName: table,
  Key: keys.blob(sha256),
  UpdateExpression: 'SET #type = :blob, sha256 = :sha256, placedAt = :at, groupPk = :group, groupSk = :sort',
  ConditionExpression: condition,
  ExpressionAttributeNames: { '#type': 'type' },
  ExpressionAttributeValues: {
    ':blob': 'blob',
    ':sha256': sha256,
    ':at': at,
    ':group': UNREFERENCED_BLOBS_GROUP,
    ':sort': `${at}#${sha256}`,
  },
});
/** A sweep that has been going this long died: another may take the blob over. */
const SWEEP_TAKEOVER_MS = 15 * 60 * 1000;
/** Still the file the core read, holding the lock it read. */
const SAME_FILE_SAME_LOCK = `fileId = :fileId AND ${LOCK_ACTIVE} AND lockId = :lockId`;

const WITHOUT_LOCK = `REMOVE ${LOCK_ATTRIBUTES.join(', ')}`;

const { filesIndex, locksIndex, groupsIndex } = tableSchema;
const GROUP_INDEX_KEY = ['pk', 'sk', groupsIndex.partitionKey, groupsIndex.sortKey] as const;

/**
 * A cursor's key names a live file's item, and the index key agrees with it: a file's `groupSk` is its
 * name key (a cursor holds the index and table keys only, never `nameKey` itself).
 */
const isFileItemKey = (key: Record<string, string>): boolean =>
  key.groupSk !== undefined && key.pk === keys.file(key.groupSk).pk && key.sk === 'FILE';

/** Put of an item that must not exist yet. */
export const putNew = (table: string, item: Item, returnExisting = false): TransactItem => ({
  Put: {
    TableName: table,
    Item: item,
    ConditionExpression: 'attribute_not_exists(pk)',
    ...(returnExisting ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
  },
});

/** How a folder's count is moved: a file more, a file less (more remain), or its last file gone. */
export type FolderMode = 'add' | 'subtract' | 'remove';

/** The write that moves one folder's count. */
export const folderWrite = (table: string, folder: FolderChange, mode: FolderMode): TransactItem => {
  const key = keys.folder(folder.key);
  if (mode === 'remove') {
    return {
      Delete: {
        TableName: table,
        Key: key,
        ConditionExpression: 'files = :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }
  if (mode === 'subtract') {
    return {
      Update: {
        TableName: table,
        Key: key,
        UpdateExpression: 'ADD files :minusOne',
        ConditionExpression: 'files > :one',
        ExpressionAttributeValues: { ':minusOne': -1, ':one': 1 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }
  // The first file under a folder makes it, in that file's spelling; there are no empty folders.
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression:
        'SET #type = :folder, nameKey = :key, prefix = if_not_exists(prefix, :prefix), groupPk = :group, groupSk = :key ADD files :plusOne',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: {
        ':folder': 'folder',
        ':key': folder.key,
        ':prefix': folder.prefix,
        ':group': foldersInFolderGroup(parentFolderKey(folder.key)),
        ':plusOne': 1,
      },
    },
  };
};

const lockedBy = (file: FileRecord): string => {
  if (!file.lock) throw new Error(`${file.key} was read without the lock this change needs`);
  return file.lock.lockId;
};

/** The rules item's version alone, read with a file (see DynamoDbVaultStore.lastBook). */
const RULES_VERSION = { key: keys.rules(), attributes: ['version'] };

export class DynamoDbVaultStore implements VaultStore {
  private readonly table: VaultTable;
  /**
   * The folder rules as last read in full. A read with a file asks for the rules' version only and
   * reuses this book while the version is the same: fresh rules without carrying every rule on
   * every request (one more read after each change of the rules, per warm function).
   */
  private lastBook: RuleBook = EMPTY_RULES;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new VaultTable(client, tableName);
  }

  private get name(): string {
    return this.table.name;
  }

  // Reads.

  async getFile(key: string): Promise<FileRecord | null> {
    const item = await this.table.get(keys.file(key));
    return item ? fileFromItem(item) : null;
  }

  async getFileAndRules(key: string) {
    const [file, rules] = await this.table.getTogether([keys.file(key), RULES_VERSION]);
    return { file: file ? fileFromItem(file) : null, book: await this.bookAt(rules) };
  }

  async getRules(): Promise<RuleBook> {
    const book = rulesFromItem(await this.table.get(keys.rules()));
    if (book.version >= this.lastBook.version) this.lastBook = book;
    return book;
  }

  /** The rules of the version read (from the rules item's version alone): the last book, or a fresh read. */
  private async bookAt(versionItem: Item | null | undefined): Promise<RuleBook> {
    return rulesVersionOf(versionItem ?? null) === this.lastBook.version ? this.lastBook : this.getRules();
  }

  async listFiles(query: ListFilesQuery): Promise<Page<FileRecord>> {
    const { prefix, directOnly, status, releasedOnly, ranges, limit, cursor, now } = query;
    const filters = [
      status === 'checked_out' ? LOCK_ACTIVE : status === 'available' ? LOCK_ABSENT : null,
      releasedOnly ? 'attribute_exists(releasedVersion)' : null,
    ].filter((filter): filter is string => filter !== null);
    const filter = filters.length > 0 ? filters.join(' AND ') : undefined;
    const nowValue = status ? { ':now': now } : {};
    if (directOnly) {
      const group = filesInFolderGroup(prefix);
      // A folder the caller may not read lists nothing (its one range is left out).
      if (ranges.length === 0) return { items: [], nextCursor: null };
      const page = await this.table.page(
        'folder-files',
        cursor,
        GROUP_INDEX_KEY,
        (key) => key.groupPk === group && isFileItemKey(key),
        {
          IndexName: groupsIndex.name,
          KeyConditionExpression: 'groupPk = :group',
          FilterExpression: filter,
          ExpressionAttributeValues: { ':group': group, ...nowValue },
          Limit: limit,
        },
      );
      return { items: page.items.map(fileFromItem), nextCursor: page.nextCursor };
    }
    const listing = 'files';
    const position = rangeCursor.decode(listing, cursor, (key) => key.startsWith(prefix));
    const page = await rangePage(this.table, {
      listing,
      index: filesIndex.name,
      partition: [filesIndex.partitionKey, FILES_LIST],
      sortKey: filesIndex.sortKey,
      ranges,
      position,
      limit,
      filter: filter ? { expression: filter, values: nowValue } : undefined,
    });
    return {
      items: page.items.map(fileFromItem),
      nextCursor: page.more ? rangeCursor.encode(listing, page.position) : null,
    };
  }

  async getVersion(fileId: string, version: number) {
    const item = await this.table.get(keys.version(fileId, version));
    return item ? versionFromItem(item) : null;
  }

  async listVersions(fileId: string, limit: number, cursor: string | null) {
    const pk = identityPartition(fileId);
    const page = await this.table.page(
      'versions',
      cursor,
      null,
      (start) => start.pk === pk && start.sk?.startsWith(VERSION_PREFIX) === true,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :versions)',
        ExpressionAttributeValues: { ':pk': pk, ':versions': VERSION_PREFIX },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: limit,
      },
    );
    return { items: page.items.map(versionFromItem), nextCursor: page.nextCursor };
  }

  async listLocks({ user, ranges, limit, cursor, now }: ListLocksQuery): Promise<Page<HeldLock>> {
    const listing = 'locks';
    const page = await rangePage(this.table, {
      listing,
      index: locksIndex.name,
      partition: [locksIndex.partitionKey, LOCKS_LIST],
      sortKey: locksIndex.sortKey,
      ranges,
      position: rangeCursor.decode(listing, cursor, () => true),
      limit,
      filter: {
        expression: user === null ? LOCK_ACTIVE : `${LOCK_ACTIVE} AND lockUser = :user`,
        values: { ':now': now, ...(user === null ? {} : { ':user': user }) },
      },
    });
    return {
      items: page.items.map(
        (item): HeldLock =>
          item.type === 'lfsLock'
            ? { kind: 'lfs', lfs: lfsLockFromItem(item) }
            : { kind: 'file', file: fileFromItem(item) },
      ),
      nextCursor: page.more ? rangeCursor.encode(listing, page.position) : null,
    };
  }

  async getLfsLock(repo: string, path: string): Promise<LfsLockRecord | null> {
    const item = await this.table.get(keys.lfsLock(repo, path));
    return item ? lfsLockFromItem(item) : null;
  }

  async getLfsLockById(repo: string, lockId: string): Promise<LfsLockRecord | null> {
    const item = await this.table.get(keys.lfsLockId(repo, lockId));
    return item ? lfsLockFromItem(item) : null;
  }

  async listLfsLocks(repo: string, limit: number, cursor: string | null, now: string) {
    const pk = lfsPartition(repo);
    const page = await this.table.page(
      `lfs-locks:${repo}`,
      cursor,
      null,
      (key) => key.pk === pk && key.sk?.startsWith(LFS_PATH_PREFIX) === true,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :paths)',
        FilterExpression: LOCK_ACTIVE,
        ExpressionAttributeValues: { ':pk': pk, ':paths': LFS_PATH_PREFIX, ':now': now },
        ConsistentRead: true,
        Limit: limit,
      },
    );
    return { items: page.items.map(lfsLockFromItem), nextCursor: page.nextCursor };
  }

  async acquireLfsLock({ lfs, entry, now }: NewLfsLock): Promise<Committed | LfsLockChanged> {
    const expiresAt = lfs.lock.expiresAt;
    const result = await this.table.transact([
      {
        Put: {
          TableName: this.name,
          Item: lfsLockToItem(lfs),
          // The one condition that makes the lock exclusive: no unexpired lock on this path.
          ConditionExpression: LOCK_ABSENT,
          ExpressionAttributeValues: { ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      putNew(
        this.name,
        lfsLockIdToItem(lfs, expiresAt === null ? null : Math.ceil(Date.parse(expiresAt) / 1000) + 86_400),
      ),
      ...this.entryPuts([entry]),
    ]);
    return result.committed ? result : this.lfsLockChanged(result.outcomes[0]);
  }

  async releaseLfsLock({ lfs, entry, now }: LfsLockEnd): Promise<Committed | LfsLockChanged> {
    const result = await this.table.transact([
      {
        Delete: {
          TableName: this.name,
          Key: keys.lfsLock(lfs.repo, lfs.path),
          ConditionExpression: `${LOCK_ACTIVE} AND lockId = :lockId`,
          ExpressionAttributeValues: { ':lockId': lfs.lock.lockId, ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      { Delete: { TableName: this.name, Key: keys.lfsLockId(lfs.repo, lfs.lock.lockId) } },
      ...this.entryPuts([entry]),
    ]);
    return result.committed ? result : this.lfsLockChanged(result.outcomes[0]);
  }

  async listFolders(parentKey: string, limit: number, cursor: string | null) {
    const group = foldersInFolderGroup(parentKey);
    const page = await this.table.page(
      'folders',
      cursor,
      GROUP_INDEX_KEY,
      (key) =>
        key.groupPk === group &&
        key.groupSk !== undefined &&
        key.pk === keys.folder(key.groupSk).pk &&
        key.sk === 'FOLDER',
      {
        IndexName: groupsIndex.name,
        KeyConditionExpression: 'groupPk = :group',
        ExpressionAttributeValues: { ':group': group },
        Limit: limit,
      },
    );
    return { items: page.items.map(folderFromItem), nextCursor: page.nextCursor };
  }

  async getTrashedAndRules(fileId: string) {
    const [trashed, rules] = await this.table.getTogether([keys.trashed(fileId), RULES_VERSION]);
    return { trashed: trashed ? trashedFromItem(trashed) : null, book: await this.bookAt(rules) };
  }

  async listTrash(prefix: string, limit: number, cursor: string | null) {
    const page = await this.table.page(
      'trash',
      cursor,
      GROUP_INDEX_KEY,
      (key) => key.groupPk === TRASH_GROUP && key.sk === 'TRASHED' && key.pk?.startsWith('ID#') === true,
      {
        IndexName: groupsIndex.name,
        KeyConditionExpression: 'groupPk = :group',
        // The trash is kept newest first; a prefix narrows each page (a page may then hold fewer items).
        FilterExpression: prefix ? 'begins_with(nameKey, :prefix)' : undefined,
        ExpressionAttributeValues: { ':group': TRASH_GROUP, ...(prefix ? { ':prefix': prefix } : {}) },
        ScanIndexForward: false,
        Limit: limit,
      },
    );
    return { items: page.items.map(trashedFromItem), nextCursor: page.nextCursor };
  }

  async formerFileId(key: string): Promise<string | null> {
    const pk = keys.file(key).pk;
    const { items } = await this.table.page('gone', null, null, () => false, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :gone)',
      ExpressionAttributeValues: { ':pk': pk, ':gone': GONE_PREFIX },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: 1,
    });
    const fileId = items[0]?.fileId;
    return typeof fileId === 'string' ? fileId : null;
  }

  async listAudit({
    fileId,
    user,
    type,
    since,
    until,
    limit,
    cursor,
  }: ListAuditQuery): Promise<Page<AuditRecord>> {
    // Sort values start with an ISO time, which no earlier key value can follow: '0' is before them all.
    const from = since ?? '0';
    const to = until === null ? SORT_END : `${until}#${SORT_END}`;
    const filters = [
      user === null ? null : '#user = :user',
      type === null ? null : 'eventType = :type',
    ].filter((filter): filter is string => filter !== null);
    const filterValues = {
      ...(user === null ? {} : { ':user': user }),
      ...(type === null ? {} : { ':type': type }),
    };
    const common = {
      FilterExpression: filters.length > 0 ? filters.join(' AND ') : undefined,
      ExpressionAttributeNames: user === null ? undefined : { '#user': 'user' },
      ScanIndexForward: false,
      Limit: limit,
    };
    if (fileId !== null) {
      const pk = identityPartition(fileId);
      const page = await this.table.page(
        `audit:${fileId}`,
        cursor,
        null,
        (key) => key.pk === pk && key.sk?.startsWith(AUDIT_PREFIX) === true,
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': pk,
            ':from': `${AUDIT_PREFIX}${from}`,
            ':to': `${AUDIT_PREFIX}${to}`,
            ...filterValues,
          },
          ConsistentRead: true,
          ...common,
        },
      );
      return { items: page.items.map(auditFromItem), nextCursor: page.nextCursor };
    }
    const page = await this.table.page(
      'audit',
      cursor,
      GROUP_INDEX_KEY,
      (key) =>
        key.groupPk === AUDIT_GROUP && key.sk === `${AUDIT_PREFIX}${key.groupSk}` && key.pk !== undefined,
      {
        IndexName: groupsIndex.name,
        KeyConditionExpression: 'groupPk = :group AND groupSk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':group': AUDIT_GROUP, ':from': from, ':to': to, ...filterValues },
        ...common,
      },
    );
    return { items: page.items.map(auditFromItem), nextCursor: page.nextCursor };
  }

  async getUploadWithFile(uploadId: string, key: string) {
    const [upload, file, rules] = await this.table.getTogether([
      keys.upload(uploadId),
      keys.file(key),
      RULES_VERSION,
    ]);
    return {
      upload: upload ? uploadFromItem(upload) : null,
      file: file ? fileFromItem(file) : null,
      book: await this.bookAt(rules),
    };
  }

  async getUpload(uploadId: string): Promise<UploadRecord | null> {
    const item = await this.table.get(keys.upload(uploadId));
    return item ? uploadFromItem(item) : null;
  }

  async getParts(uploadId: string, partNumbers: number[]): Promise<PartRecord[]> {
    if (partNumbers.length === 0) return [];
    const items = await this.table.getTogether(partNumbers.map((number) => keys.part(uploadId, number)));
    return items.flatMap((item) => (item ? [partFromItem(item)] : []));
  }

  async listParts(uploadId: string): Promise<PartRecord[]> {
    const parts: PartRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const { Items, LastEvaluatedKey } = await this.table.documents.send(
        new QueryCommand({
          TableName: this.name,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :parts)',
          ExpressionAttributeValues: { ':pk': uploadPartition(uploadId), ':parts': PART_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      parts.push(...(Items ?? []).map(partFromItem));
      start = LastEvaluatedKey;
    } while (start);
    return parts;
  }

  // Changes: each one transaction.

  async declareParts({ uploadId, parts, ttlEpochSeconds }: PartDeclaration): Promise<void> {
    // An update, not a put: a part declared again with the SHA-256 it has keeps what its verification recorded.
    await this.table.transact(
      parts.map(
        (part): TransactItem => ({
          Update: {
            TableName: this.name,
            Key: keys.part(uploadId, part.partNumber),
            UpdateExpression:
              'SET #type = :part, uploadId = :uploadId, partNumber = :number, sha256 = :sha256, #ttl = :ttl',
            ExpressionAttributeNames: { '#type': 'type', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':part': 'part',
              ':uploadId': uploadId,
              ':number': part.partNumber,
              ':sha256': part.sha256,
              ':ttl': ttlEpochSeconds,
            },
          },
        }),
      ),
    );
  }

  async claimNextPart(upload: UploadRecord, now: string, until: string): Promise<boolean> {
    return this.conditionalUpdate(
      new UpdateCommand({
        TableName: this.name,
        Key: keys.upload(upload.uploadId),
        UpdateExpression: 'SET claimedUntil = :until',
        // A claim is only ever of the part after the verified ones, and ends when that part is recorded.
        ConditionExpression: `${UPLOAD_OPEN} AND verifiedParts = :verified AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)`,
        ExpressionAttributeValues: { ':until': until, ':verified': upload.verifiedParts, ':now': now },
      }),
    );
  }

  async releasePartClaim(upload: UploadRecord): Promise<void> {
    await this.conditionalUpdate(
      new UpdateCommand({
        TableName: this.name,
        Key: keys.upload(upload.uploadId),
        UpdateExpression: 'REMOVE claimedUntil',
        ConditionExpression: 'verifiedParts = :verified',
        ExpressionAttributeValues: { ':verified': upload.verifiedParts },
      }),
    );
  }

  async recordVerifiedPart({ upload, partNumber, hashState, copiedETag }: VerifiedPart): Promise<boolean> {
    const result = await this.table.transact([
      {
        Update: {
          TableName: this.name,
          Key: keys.upload(upload.uploadId),
          UpdateExpression: 'SET verifiedParts = :verified, hashState = :state REMOVE claimedUntil',
          // The parts are verified in order, each once: a verifier that lost a race stops.
          ConditionExpression: `${UPLOAD_OPEN} AND verifiedParts = :before`,
          ExpressionAttributeValues: {
            ':verified': partNumber,
            ':state': hashState,
            ':before': partNumber - 1,
          },
        },
      },
      {
        Update: {
          TableName: this.name,
          Key: keys.part(upload.uploadId, partNumber),
          UpdateExpression: 'SET copiedETag = :etag',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':etag': copiedETag },
        },
      },
    ]);
    return result.committed;
  }

  async placeBlob(sha256: string, now: string): Promise<BlobGuard> {
    try {
      const { Attributes } = await this.table.documents.send(
        // A blob a version refers to is never swept: it needs no mark.
        new UpdateCommand({
          ...markBlobPlaced(this.name, sha256, now, `NOT ${BLOB_REFERENCED}`),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { sha256, sweeps: Attributes ? blobFromItem(Attributes).sweeps : 0 };
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      return { sha256, referenced: true };
    }
  }

  async unreferencedBlobs(placedBefore: string, limit: number): Promise<BlobRecord[]> {
    const { Items } = await this.table.documents.send(
      new QueryCommand({
        TableName: this.name,
        IndexName: groupsIndex.name,
        KeyConditionExpression: 'groupPk = :group AND groupSk < :before',
        ExpressionAttributeValues: { ':group': UNREFERENCED_BLOBS_GROUP, ':before': placedBefore },
        Limit: limit,
      }),
    );
    return (Items ?? []).map(blobFromItem);
  }

  async startBlobSweep(blob: BlobRecord, now: string): Promise<boolean> {
    const stale = new Date(new Date(now).getTime() - SWEEP_TAKEOVER_MS).toISOString();
    return this.conditionalUpdate(
      new UpdateCommand({
        TableName: this.name,
        Key: keys.blob(blob.sha256),
        UpdateExpression: 'SET sweepingSince = :now',
        // Placed again since it was read, or referenced meanwhile: it stays.
        ConditionExpression:
          'attribute_not_exists(referenced) AND placedAt = :placedAt AND (attribute_not_exists(sweepingSince) OR sweepingSince < :stale)',
        ExpressionAttributeValues: { ':now': now, ':placedAt': blob.placedAt, ':stale': stale },
      }),
    );
  }

  async endBlobSweep(blob: BlobRecord): Promise<void> {
    const counted = 'ADD sweeps :one REMOVE sweepingSince';
    // Nothing placed it again meanwhile: it is no longer a candidate. (The item stays: its count guards check-ins.)
    const left = await this.conditionalUpdate(
      new UpdateCommand({
        TableName: this.name,
        Key: keys.blob(blob.sha256),
        UpdateExpression: `${counted}, placedAt, groupPk, groupSk`,
        ConditionExpression: 'placedAt = :placedAt',
        ExpressionAttributeValues: { ':one': 1, ':placedAt': blob.placedAt },
      }),
    );
    if (left) return;
    await this.table.documents.send(
      new UpdateCommand({
        TableName: this.name,
        Key: keys.blob(blob.sha256),
        UpdateExpression: counted,
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }

  async markUploadSwept(upload: UploadRecord, now: string): Promise<boolean> {
    return this.conditionalUpdate(
      new UpdateCommand({
        TableName: this.name,
        Key: keys.upload(upload.uploadId),
        UpdateExpression: 'SET sweptAt = :now',
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(committedVersion) AND attribute_not_exists(sweptAt) AND (attribute_exists(abandonedAt) OR attribute_not_exists(stagedUntil) OR stagedUntil < :now)',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  }

  /** An update whose condition may fail: false then. */
  private async conditionalUpdate(command: UpdateCommand): Promise<boolean> {
    try {
      await this.table.documents.send(command);
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async abandonUpload(upload: UploadRecord, now: string): Promise<boolean> {
    return this.conditionalUpdate(
      new UpdateCommand({
        TableName: this.name,
        Key: keys.upload(upload.uploadId),
        UpdateExpression: 'SET abandonedAt = :now',
        ConditionExpression: `${UPLOAD_OPEN} AND #user = :user`,
        ExpressionAttributeNames: { '#user': 'user' },
        ExpressionAttributeValues: { ':now': now, ':user': upload.user },
      }),
    );
  }

  async acquireLock({ file, lock, entry, now }: NewLock): Promise<Committed | FileChanged> {
    const attributes = assign(lockToAttributes(lock));
    const result = await this.table.transact([
      {
        Update: {
          TableName: this.name,
          Key: keys.file(file.key),
          UpdateExpression: `SET ${attributes.expression}${lock.expiresAt === null ? ' REMOVE lockExpiresAt' : ''}`,
          ConditionExpression: `attribute_exists(pk) AND fileId = :fileId AND ${LOCK_ABSENT}`,
          ExpressionAttributeValues: { ...attributes.values, ':fileId': file.fileId, ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ...this.entryPuts([entry]),
    ]);
    return result.committed ? result : this.fileChanged(result.outcomes[0]);
  }

  async releaseLock({ file, lockId, entry, now }: LockEnd): Promise<Committed | FileChanged> {
    const result = await this.table.transact([
      {
        Update: {
          TableName: this.name,
          Key: keys.file(file.key),
          UpdateExpression: WITHOUT_LOCK,
          ConditionExpression: SAME_FILE_SAME_LOCK,
          ExpressionAttributeValues: { ':fileId': file.fileId, ':lockId': lockId, ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ...this.entryPuts([entry]),
    ]);
    return result.committed ? result : this.fileChanged(result.outcomes[0]);
  }

  async putUpload(upload: UploadRecord, ttlEpochSeconds: number): Promise<UploadRecord> {
    const { blobMarkedAt } = upload;
    if (blobMarkedAt !== null) {
      const marked = await this.table.transact([
        putNew(this.name, uploadToItem(upload, ttlEpochSeconds)),
        {
          Update: {
            ...markBlobPlaced(
              this.name,
              upload.sha256,
              blobMarkedAt,
              `NOT ${BLOB_REFERENCED} AND attribute_not_exists(sweepingSince)`,
            ),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ]);
      if (marked.committed) return upload;
      // The upload's id is new, so only the blob's condition can have failed: store the upload unmarked.
      const blob = marked.outcomes[1]?.item;
      return this.putUnmarkedUpload(
        { ...upload, blobReferenced: blob?.referenced === true },
        ttlEpochSeconds,
      );
    }
    return this.putUnmarkedUpload(upload, ttlEpochSeconds);
  }

  private async putUnmarkedUpload(upload: UploadRecord, ttlEpochSeconds: number): Promise<UploadRecord> {
    const unmarked = { ...upload, blobMarkedAt: null };
    await this.table.documents.send(
      new PutCommand({
        TableName: this.name,
        Item: uploadToItem(unmarked, ttlEpochSeconds),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return unmarked;
  }

  async commitVersion({
    expected,
    upload,
    blob,
    file,
    version,
    folders,
    entries,
    now,
  }: NewVersion): Promise<NewVersionResult> {
    let fileWrite: TransactItem;
    if (expected) {
      const content = assign(fileContentAttributes(file));
      fileWrite = {
        Update: {
          TableName: this.name,
          Key: keys.file(file.key),
          UpdateExpression: `SET ${content.expression}${file.lock ? '' : ` ${WITHOUT_LOCK}`}`,
          ConditionExpression: `${SAME_FILE_SAME_LOCK} AND version = :expectedVersion`,
          ExpressionAttributeValues: {
            ...content.values,
            ':now': now,
            ':fileId': expected.fileId,
            ':lockId': lockedBy(expected),
            ':expectedVersion': expected.version,
          },
        },
      };
    } else {
      fileWrite = putNew(this.name, fileToItem(file));
    }
    const uploadWrite: TransactItem[] = upload
      ? [
          {
            Update: {
              TableName: this.name,
              Key: keys.upload(upload.uploadId),
              UpdateExpression: 'SET committedVersion = :version, committedAt = :now REMOVE #ttl',
              ConditionExpression: UPLOAD_OPEN,
              ExpressionAttributeNames: { '#ttl': 'ttl' },
              ExpressionAttributeValues: { ':version': version.version, ':now': now },
            },
          },
        ]
      : [];
    // The blob a version refers to leaves the sweeper's candidates for good, if no sweep touched it since it was placed.
    const blobWrite: TransactItem[] = blob
      ? [
          {
            Update: {
              TableName: this.name,
              Key: keys.blob(blob.sha256),
              UpdateExpression:
                'SET #type = :blob, sha256 = :sha256, referenced = :true REMOVE placedAt, groupPk, groupSk',
              ExpressionAttributeNames: { '#type': 'type' },
              ...blobGuardCondition(blob),
            },
          },
        ]
      : [];
    const own = [fileWrite, putNew(this.name, versionToItem(version)), ...uploadWrite, ...blobWrite];
    const result = await this.transactWithFolders([...own, ...this.entryPuts(entries)], folders);
    if (result.committed) return result;
    return { committed: false, blobSwept: blob !== null && result.outcomes[own.length - 1]?.failed === true };
  }

  async moveFile({ file, moved, folders, entry, now }: Move): Promise<MoveResult> {
    const held = { ':fileId': file.fileId, ':lockId': lockedBy(file), ':now': now };
    if (moved.key === file.key) {
      // Only the spelling changes: the same item, renamed.
      const result = await this.table.transact([
        {
          Update: {
            TableName: this.name,
            Key: keys.file(file.key),
            UpdateExpression: 'SET #name = :name',
            ConditionExpression: SAME_FILE_SAME_LOCK,
            ExpressionAttributeNames: { '#name': 'name' },
            ExpressionAttributeValues: { ...held, ':name': moved.name },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        ...this.entryPuts([entry]),
      ]);
      return result.committed ? result : this.fileChanged(result.outcomes[0]);
    }
    const result = await this.transactWithFolders(
      [
        this.removeHeldFile(file, now),
        putNew(this.name, fileToItem(moved), true),
        { Put: { TableName: this.name, Item: goneToItem(file, now, 'moved') } },
        ...this.entryPuts([entry]),
      ],
      folders,
    );
    if (result.committed) return result;
    const [source, target] = result.outcomes;
    if (source?.failed) return this.fileChanged(source);
    if (target?.failed && target.item) return { committed: false, targetTaken: fileFromItem(target.item) };
    throw new Error(`move of ${file.key} was refused for no reason given`);
  }

  async deleteFile({ file, trashed, folders, entry, now }: Deletion): Promise<Committed | FileChanged> {
    const result = await this.transactWithFolders(
      [
        this.removeHeldFile(file, now),
        putNew(this.name, trashedToItem(trashed)),
        { Put: { TableName: this.name, Item: goneToItem(file, now, 'deleted') } },
        ...this.entryPuts([entry]),
      ],
      folders,
    );
    if (result.committed) return result;
    return this.fileChanged(result.outcomes[0]);
  }

  async restoreFile({ trashed, file, folders, entry }: Restoration): Promise<RestoreResult> {
    const result = await this.transactWithFolders(
      [
        {
          Delete: {
            TableName: this.name,
            Key: keys.trashed(trashed.file.fileId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        putNew(this.name, fileToItem(file), true),
        ...this.entryPuts([entry]),
      ],
      folders,
    );
    if (result.committed) return result;
    const [source, target] = result.outcomes;
    if (source?.failed) return { committed: false, notInTrash: true };
    if (target?.failed && target.item) return { committed: false, targetTaken: fileFromItem(target.item) };
    throw new Error(`restore of ${trashed.file.fileId} was refused for no reason given`);
  }

  async changeRule({ book, key, rule, entry }: RuleChange): Promise<Committed | { committed: false }> {
    const rules = new Map<string, Rule>(book.rules);
    if (rule) rules.set(key, rule);
    else rules.delete(key);
    const result = await this.table.transact([
      {
        Put: {
          TableName: this.name,
          Item: rulesToItem({ version: book.version + 1, rules }),
          // Optimistic: two admins changing rules at once cannot lose one another's change.
          ConditionExpression: book.version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
          ...(book.version === 0 ? {} : { ExpressionAttributeValues: { ':version': book.version } }),
        },
      },
      ...this.entryPuts([entry]),
    ]);
    return { committed: result.committed };
  }

  async changeRelease({ file, release, versions, entry }: NewRelease): Promise<Committed | FileChanged> {
    const current = file.released;
    const fileCondition = current
      ? 'fileId = :fileId AND releasedAt = :readReleasedAt AND releasedVersion = :readReleasedVersion'
      : 'fileId = :fileId AND attribute_not_exists(releasedVersion)';
    const releaseValues = release ? assign(releaseToAttributes(release)) : null;
    const result = await this.table.transact([
      {
        Update: {
          TableName: this.name,
          Key: keys.file(file.key),
          UpdateExpression: releaseValues
            ? `SET ${releaseValues.expression}`
            : `REMOVE ${RELEASE_ATTRIBUTES.join(', ')}`,
          ConditionExpression: fileCondition,
          ExpressionAttributeValues: {
            ...releaseValues?.values,
            ':fileId': file.fileId,
            // Named apart from the SET values, which use the attribute names.
            ...(current
              ? { ':readReleasedAt': current.releasedAt, ':readReleasedVersion': current.version }
              : {}),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ...versions.map(
        (version): TransactItem => ({
          Update: {
            TableName: this.name,
            Key: keys.version(version.fileId, version.version),
            UpdateExpression: 'SET releases = :after',
            // The list as read: a concurrent release of the same version makes this one try again.
            ConditionExpression:
              version.before.length === 0
                ? 'attribute_exists(pk) AND (attribute_not_exists(releases) OR size(releases) = :zero)'
                : 'size(releases) = :count',
            ExpressionAttributeValues: {
              ':after': version.after,
              ...(version.before.length === 0 ? { ':zero': 0 } : { ':count': version.before.length }),
            },
          },
        }),
      ),
      ...this.entryPuts([entry]),
    ]);
    return result.committed ? result : this.fileChanged(result.outcomes[0]);
  }

  // Pieces of changes.

  /** The file's item goes, if it is still the file read, holding the lock read. */
  private removeHeldFile(file: FileRecord, now: string): TransactItem {
    return {
      Delete: {
        TableName: this.name,
        Key: keys.file(file.key),
        ConditionExpression: SAME_FILE_SAME_LOCK,
        ExpressionAttributeValues: { ':fileId': file.fileId, ':lockId': lockedBy(file), ':now': now },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  private entryPuts(entries: AuditRecord[]): TransactItem[] {
    return entries.map((entry, position) => putNew(this.name, auditToItem(entry, position)));
  }

  private lfsLockChanged(outcome: ItemOutcome | undefined): LfsLockChanged {
    return { committed: false, current: outcome?.item ? lfsLockFromItem(outcome.item) : null };
  }

  private fileChanged(outcome: ItemOutcome | undefined): FileChanged {
    return { committed: false, current: outcome?.item ? fileFromItem(outcome.item) : null };
  }

  /**
   * The change's own items, then one write per folder whose count it moves. A folder losing a file is
   * first assumed to keep others; if its count says that was its last, the folder goes instead, and
   * the whole transaction is tried again. Outcomes returned are those of the change's own items.
   */
  private async transactWithFolders(items: TransactItem[], folders: FolderChange[]) {
    // null: a folder left alone (its count is missing, which only damaged data can cause).
    const modes: (FolderMode | null)[] = folders.map((folder) => (folder.delta > 0 ? 'add' : 'subtract'));
    for (let attempt = 1; ; attempt++) {
      const active = folders.flatMap((folder, i) => {
        const mode = modes[i];
        return mode ? [{ folder, i, mode }] : [];
      });
      const result = await this.table.transact([
        ...items,
        ...active.map(({ folder, mode }) => folderWrite(this.name, folder, mode)),
      ]);
      if (result.committed) return result;
      const own = result.outcomes.slice(0, items.length);
      if (own.some((outcome) => outcome.failed) || attempt >= 5)
        return { committed: false as const, outcomes: own };
      active.forEach(({ folder, i }, position) => {
        const outcome = result.outcomes[items.length + position];
        if (!outcome?.failed) return;
        const count = outcome.item?.files;
        if (typeof count !== 'number') {
          // A folder that should hold the file is missing: the counts were damaged; never block the change.
          logger.warn('folder count missing; left as it is', { folder: folder.key });
          modes[i] = null;
        } else modes[i] = count <= 1 ? 'remove' : 'subtract';
      });
    }
  }
}
