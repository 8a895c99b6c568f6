/** Item shapes and key formats of each entity in the vault table, with their conversions: nowhere else. */

import type { RuleBook } from '../../core/permissions';
import type {
  AuditRecord,
  BlobRecord,
  FileRecord,
  FolderRecord,
  LfsLockRecord,
  LockRecord,
  NotificationRecord,
  PartRecord,
  ReleaseRecord,
  RequestRecord,
  TrashedRecord,
  UploadRecord,
  VersionRecord,
  WatchRecord,
} from '../../core/records';
import type { Rule } from '../../model';
import { folderOf, nameKey } from '../../names';

export type Item = Record<string, unknown>;
export type Key = { pk: string; sk: string };

/** Index partitions: the file listing, who has what, and the groups of the `byGroup` index. */
export const FILES_LIST = 'FILES';
export const LOCKS_LIST = 'LOCKS';
export const TRASH_GROUP = 'TRASH';
export const AUDIT_GROUP = 'AUDIT';
export const filesInFolderGroup = (folderKey: string) => `DIR#${folderKey}`;
export const foldersInFolderGroup = (parentKey: string) => `SUBDIRS#${parentKey}`;

const str = (item: Item, attribute: string): string => {
  const value = item[attribute];
  if (typeof value !== 'string')
    throw new Error(`corrupt item ${String(item.pk)}: ${attribute} is not a string`);
  return value;
};
const num = (item: Item, attribute: string): number => {
  const value = item[attribute];
  if (typeof value !== 'number')
    throw new Error(`corrupt item ${String(item.pk)}: ${attribute} is not a number`);
  return value;
};
const optionalStr = (item: Item, attribute: string): string | null =>
  item[attribute] === undefined || item[attribute] === null ? null : str(item, attribute);

export const VERSION_PREFIX = 'VERSION#';
export const AUDIT_PREFIX = 'AUDIT#';
export const GONE_PREFIX = 'GONE#';
/** Above every character of a sort value: the end of a BETWEEN range. */
export const SORT_END = '\uffff';

export const keys = {
  /** A live file, under its case-folded name. */
  file: (key: string): Key => ({ pk: `NAME#${key}`, sk: 'FILE' }),
  /** A mark that a file left this name (moved away or deleted), so its history can still be found by it. */
  gone: (key: string, at: string, fileId: string): Key => ({
    pk: `NAME#${key}`,
    sk: `${GONE_PREFIX}${at}#${fileId}`,
  }),
  /** Versions, audit entries and the trash entry belong to the file's identity and never move. */
  version: (fileId: string, version: number): Key => ({
    pk: `ID#${fileId}`,
    sk: `${VERSION_PREFIX}${String(version).padStart(10, '0')}`,
  }),
  trashed: (fileId: string): Key => ({ pk: `ID#${fileId}`, sk: 'TRASHED' }),
  /** Entries of no file (rule changes) live in the vault's own partition. */
  audit: (fileId: string | null, sortValue: string): Key => ({
    pk: fileId === null ? 'VAULT' : `ID#${fileId}`,
    sk: `${AUDIT_PREFIX}${sortValue}`,
  }),
  folder: (key: string): Key => ({ pk: `FOLDER#${key}`, sk: 'FOLDER' }),
  /** Every folder rule, in one item: read with a file in one round trip, changed in one transaction. */
  rules: (): Key => ({ pk: 'VAULT', sk: 'RULES' }),
  upload: (uploadId: string): Key => ({ pk: uploadPartition(uploadId), sk: 'UPLOAD' }),
  /** (v2) What the vault knows of one blob (see BlobRecord). */
  blob: (sha256: string): Key => ({ pk: `BLOB#${sha256}`, sk: 'BLOB' }),
  /** (v2) A part of a multipart upload, as its client declared it, lives with the upload. */
  part: (uploadId: string, partNumber: number): Key => ({
    pk: uploadPartition(uploadId),
    sk: `${PART_PREFIX}${String(partNumber).padStart(5, '0')}`,
  }),
  /** (v2) A user's watches live with the user; the `byGroup` index finds them by what they watch. */
  watch: (user: string, watchId: string): Key => ({ pk: `USER#${user}`, sk: `${WATCH_PREFIX}${watchId}` }),
  /** (v2) A request belongs to the file it asks for, one per asking user. */
  request: (fileId: string, user: string): Key => ({ pk: `ID#${fileId}`, sk: `${REQUEST_PREFIX}${user}` }),
  notification: (user: string, sortValue: string): Key => ({
    pk: feedPartition(user),
    sk: `${NOTIFICATION_PREFIX}${sortValue}`,
  }),
  readMark: (user: string): Key => ({ pk: feedPartition(user), sk: 'READ' }),
  /**
   * (v2) A Git LFS lock, under its repository and exact path: a repository's locks are one partition,
   * listed in path order by a strongly consistent query.
   */
  lfsLock: (repo: string, path: string): Key => ({ pk: lfsPartition(repo), sk: `${LFS_PATH_PREFIX}${path}` }),
  /** (v2) The same lock found by its id (`POST /locks/{id}/unlock`): a copy written and removed with it. */
  lfsLockId: (repo: string, lockId: string): Key => ({
    pk: lfsPartition(repo),
    sk: `${LFS_ID_PREFIX}${lockId}`,
  }),
};

export const LFS_PATH_PREFIX = 'PATH#';
export const LFS_ID_PREFIX = 'LOCKID#';
export const lfsPartition = (repo: string): string => `LFS#${repo}`;

export const PART_PREFIX = 'PART#';
export const uploadPartition = (uploadId: string): string => `UPLOAD#${uploadId}`;
export const WATCH_PREFIX = 'WATCH#';
export const REQUEST_PREFIX = 'REQUEST#';
export const NOTIFICATION_PREFIX = 'NOTE#';
export const feedPartition = (user: string): string => `FEED#${user}`;
export const userPartition = (user: string): string => `USER#${user}`;
/** The `byGroup` partition of the watches on one case-folded prefix or name. */
export const watchersGroup = (key: string): string => `WATCHERS#${key}`;

/** The file partition of an identity: where its versions and entries are. */
export const identityPartition = (fileId: string): string => `ID#${fileId}`;

/** The lock's attributes on its file item; all of them go when the lock goes. */
export const LOCK_ATTRIBUTES = [
  'lockUser',
  'lockId',
  'lockAcquiredAt',
  'lockMessage',
  'lockExpiresAt',
  'lockListPk',
] as const;

export const lockToAttributes = (lock: LockRecord): Item => ({
  lockUser: lock.user,
  lockId: lock.lockId,
  lockAcquiredAt: lock.acquiredAt,
  lockMessage: lock.message,
  ...(lock.expiresAt === null ? {} : { lockExpiresAt: lock.expiresAt }),
  lockListPk: LOCKS_LIST,
});

export const lockFromItem = (item: Item): LockRecord | null =>
  item.lockId === undefined
    ? null
    : {
        user: str(item, 'lockUser'),
        lockId: str(item, 'lockId'),
        acquiredAt: str(item, 'lockAcquiredAt'),
        message: str(item, 'lockMessage'),
        expiresAt: optionalStr(item, 'lockExpiresAt'),
      };

/** What a check-in changes on a file item. */
export const fileContentAttributes = (file: FileRecord): Item => ({
  version: file.version,
  sizeBytes: file.sizeBytes,
  sha256: file.sha256,
  modifiedAt: file.modifiedAt,
  modifiedBy: file.modifiedBy,
});

/** The release in force, kept on the file item; a check-in never touches these. */
export const RELEASE_ATTRIBUTES = ['releasedVersion', 'releasedAt', 'releasedBy', 'releaseMessage'] as const;

export const releaseToAttributes = (release: ReleaseRecord | null): Item =>
  release === null
    ? {}
    : {
        releasedVersion: release.version,
        releasedAt: release.releasedAt,
        releasedBy: release.releasedBy,
        releaseMessage: release.message,
      };

const releaseFromItem = (item: Item): ReleaseRecord | null =>
  item.releasedVersion === undefined
    ? null
    : {
        version: num(item, 'releasedVersion'),
        releasedAt: str(item, 'releasedAt'),
        releasedBy: str(item, 'releasedBy'),
        message: str(item, 'releaseMessage'),
        withdrawnAt: null,
        withdrawnBy: null,
        withdrawMessage: null,
      };

const fileIdentityAttributes = (file: Pick<FileRecord, 'fileId' | 'key' | 'name'>): Item => ({
  fileId: file.fileId,
  nameKey: file.key,
  name: file.name,
});

export const fileToItem = (file: FileRecord): Item => ({
  ...keys.file(file.key),
  type: 'file',
  ...fileIdentityAttributes(file),
  listPk: FILES_LIST,
  groupPk: filesInFolderGroup(folderOf(file.key)),
  groupSk: file.key,
  ...fileContentAttributes(file),
  ...(file.lock ? lockToAttributes(file.lock) : {}),
  ...releaseToAttributes(file.released),
});

export const fileFromItem = (item: Item): FileRecord => ({
  fileId: str(item, 'fileId'),
  key: str(item, 'nameKey'),
  name: str(item, 'name'),
  version: num(item, 'version'),
  sizeBytes: num(item, 'sizeBytes'),
  sha256: str(item, 'sha256'),
  modifiedAt: str(item, 'modifiedAt'),
  modifiedBy: str(item, 'modifiedBy'),
  lock: lockFromItem(item),
  released: releaseFromItem(item),
});

export const goneToItem = (file: FileRecord, at: string, how: 'moved' | 'deleted'): Item => ({
  ...keys.gone(file.key, at, file.fileId),
  type: 'gone',
  fileId: file.fileId,
  nameKey: file.key,
  at,
  how,
});

export const versionToItem = (version: VersionRecord): Item => ({
  ...keys.version(version.fileId, version.version),
  type: 'version',
  fileId: version.fileId,
  name: version.name,
  version: version.version,
  sizeBytes: version.sizeBytes,
  sha256: version.sha256,
  createdAt: version.createdAt,
  user: version.user,
  message: version.message,
  lockId: version.lockId,
  releases: version.releases,
});

export const versionFromItem = (item: Item): VersionRecord => ({
  fileId: str(item, 'fileId'),
  version: num(item, 'version'),
  name: str(item, 'name'),
  sizeBytes: num(item, 'sizeBytes'),
  sha256: str(item, 'sha256'),
  createdAt: str(item, 'createdAt'),
  user: str(item, 'user'),
  message: str(item, 'message'),
  lockId: optionalStr(item, 'lockId'),
  releases: Array.isArray(item.releases) ? (item.releases as ReleaseRecord[]) : [],
});

export const trashedToItem = (trashed: TrashedRecord): Item => ({
  ...keys.trashed(trashed.file.fileId),
  type: 'trashed',
  ...fileIdentityAttributes(trashed.file),
  ...fileContentAttributes(trashed.file),
  ...releaseToAttributes(trashed.file.released),
  deletedAt: trashed.deletedAt,
  deletedBy: trashed.deletedBy,
  message: trashed.message,
  groupPk: TRASH_GROUP,
  groupSk: `${trashed.deletedAt}#${trashed.file.fileId}`,
});

export const trashedFromItem = (item: Item): TrashedRecord => ({
  file: { ...fileFromItem(item), lock: null },
  deletedAt: str(item, 'deletedAt'),
  deletedBy: str(item, 'deletedBy'),
  message: str(item, 'message'),
});

export const folderFromItem = (item: Item): FolderRecord => ({
  key: str(item, 'nameKey'),
  prefix: str(item, 'prefix'),
  files: num(item, 'files'),
});

/** The parent of a folder key ("a/b/" → "a/"). */
export const parentFolderKey = (folderKey: string): string => folderOf(folderKey.slice(0, -1));

/** Entries sort by time, then by their place in the transaction that wrote them, then by id. */
export const auditSortValue = (entry: AuditRecord, position: number): string =>
  `${entry.at}#${String(position).padStart(2, '0')}#${entry.entryId}`;

export const auditToItem = (entry: AuditRecord, position: number): Item => {
  const sortValue = auditSortValue(entry, position);
  return {
    ...keys.audit(entry.fileId, sortValue),
    type: 'audit',
    entryId: entry.entryId,
    eventType: entry.type,
    at: entry.at,
    user: entry.user,
    name: entry.name,
    nameKey: nameKey(entry.name),
    fileId: entry.fileId,
    details: entry.details,
    ...(entry.lockKept ? { lockKept: true } : {}),
    groupPk: AUDIT_GROUP,
    groupSk: sortValue,
  };
};

export const auditFromItem = (item: Item): AuditRecord =>
  ({
    entryId: str(item, 'entryId'),
    type: str(item, 'eventType'),
    at: str(item, 'at'),
    user: str(item, 'user'),
    name: str(item, 'name'),
    fileId: optionalStr(item, 'fileId'),
    details: item.details as Record<string, unknown>,
    ...(item.lockKept === true ? { lockKept: true } : {}),
  }) as AuditRecord;

export const uploadToItem = (upload: UploadRecord, ttlEpochSeconds: number): Item => ({
  ...keys.upload(upload.uploadId),
  type: 'upload',
  uploadId: upload.uploadId,
  nameKey: upload.key,
  name: upload.name,
  fileId: upload.fileId,
  user: upload.user,
  lockId: upload.lockId,
  sizeBytes: upload.sizeBytes,
  sha256: upload.sha256,
  createdAt: upload.createdAt,
  expiresAt: upload.expiresAt,
  stagedUntil: upload.stagedUntil,
  method: upload.method,
  partSizeBytes: upload.partSizeBytes,
  partCount: upload.partCount,
  assemblyId: upload.assemblyId,
  verifiedParts: upload.verifiedParts,
  hashState: upload.hashState,
  blobMarkedAt: upload.blobMarkedAt,
  blobReferenced: upload.blobReferenced || undefined,
  ttl: ttlEpochSeconds,
});

/** v1 left uploads without the v2 attributes: each was one PUT, checkable in for a day after its URL expired. */
const V1_STAGED_GRACE_MS = 24 * 3600 * 1000;

export const uploadFromItem = (item: Item): UploadRecord => {
  const sizeBytes = num(item, 'sizeBytes');
  const expiresAt = str(item, 'expiresAt');
  return {
    uploadId: str(item, 'uploadId'),
    key: str(item, 'nameKey'),
    name: str(item, 'name'),
    fileId: optionalStr(item, 'fileId'),
    user: str(item, 'user'),
    lockId: optionalStr(item, 'lockId'),
    sizeBytes,
    sha256: str(item, 'sha256'),
    createdAt: str(item, 'createdAt'),
    expiresAt,
    stagedUntil:
      optionalStr(item, 'stagedUntil') ??
      new Date(new Date(expiresAt).getTime() + V1_STAGED_GRACE_MS).toISOString(),
    committedVersion: item.committedVersion === undefined ? null : num(item, 'committedVersion'),
    method: item.method === 'MULTIPART' ? 'MULTIPART' : 'PUT',
    stagedAtBlob: item.method === undefined,
    partSizeBytes: item.partSizeBytes === undefined ? sizeBytes : num(item, 'partSizeBytes'),
    partCount: item.partCount === undefined ? 1 : num(item, 'partCount'),
    assemblyId: optionalStr(item, 'assemblyId'),
    verifiedParts: item.verifiedParts === undefined ? 0 : num(item, 'verifiedParts'),
    hashState: optionalStr(item, 'hashState'),
    blobMarkedAt: optionalStr(item, 'blobMarkedAt'),
    blobReferenced: item.blobReferenced === true,
    abandonedAt: optionalStr(item, 'abandonedAt'),
    sweptAt: optionalStr(item, 'sweptAt'),
  };
};

/** (v2) Unreferenced blobs a check-in placed, by when: the sweeper's candidates (sparse). */
export const UNREFERENCED_BLOBS_GROUP = 'BLOBS#UNREFERENCED';

export const blobFromItem = (item: Item): BlobRecord => ({
  sha256: str(item, 'sha256'),
  referenced: item.referenced === true,
  placedAt: optionalStr(item, 'placedAt'),
  sweepingSince: optionalStr(item, 'sweepingSince'),
  sweeps: item.sweeps === undefined ? 0 : num(item, 'sweeps'),
});

export const partToItem = (part: PartRecord, ttlEpochSeconds: number): Item => ({
  ...keys.part(part.uploadId, part.partNumber),
  type: 'part',
  uploadId: part.uploadId,
  partNumber: part.partNumber,
  sha256: part.sha256,
  ttl: ttlEpochSeconds,
});

export const partFromItem = (item: Item): PartRecord => ({
  uploadId: str(item, 'uploadId'),
  partNumber: num(item, 'partNumber'),
  sha256: str(item, 'sha256'),
  copiedETag: optionalStr(item, 'copiedETag'),
});

export const rulesToItem = (book: RuleBook): Item => ({
  ...keys.rules(),
  type: 'rules',
  version: book.version,
  rules: Object.fromEntries(book.rules),
});

export const rulesFromItem = (item: Item | null): RuleBook =>
  item === null
    ? { version: 0, rules: new Map() }
    : {
        version: num(item, 'version'),
        rules: new Map(Object.entries((item.rules ?? {}) as Record<string, Rule>)),
      };

/** The version of the rules from their item (or the version its first write will take the place of). */
export const rulesVersionOf = (item: Item | null): number => (item === null ? 0 : num(item, 'version'));

export const watchToItem = (watch: WatchRecord): Item => ({
  ...keys.watch(watch.user, watch.watchId),
  type: 'watch',
  user: watch.user,
  watchId: watch.watchId,
  prefix: watch.prefix,
  // Not `nameKey`, an index key that may not be empty: "" watches the whole vault.
  watchedKey: watch.key,
  types: watch.types,
  groups: watch.groups,
  createdAt: watch.createdAt,
  groupPk: watchersGroup(watch.key),
  groupSk: `${watch.user}#${watch.watchId}`,
});

const strings = (item: Item, attribute: string): string[] => {
  const value = item[attribute];
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string'))
    throw new Error(`corrupt item ${String(item.pk)}: ${attribute} is not a list of strings`);
  return value;
};

export const watchFromItem = (item: Item): WatchRecord => ({
  user: str(item, 'user'),
  watchId: str(item, 'watchId'),
  prefix: str(item, 'prefix'),
  key: str(item, 'watchedKey'),
  types:
    item.types === null || item.types === undefined ? null : (strings(item, 'types') as WatchRecord['types']),
  groups: strings(item, 'groups'),
  createdAt: str(item, 'createdAt'),
});

export const requestToItem = (request: RequestRecord): Item => ({
  ...keys.request(request.fileId, request.user),
  type: 'request',
  ...request,
});

export const requestFromItem = (item: Item): RequestRecord => ({
  fileId: str(item, 'fileId'),
  name: str(item, 'name'),
  user: str(item, 'user'),
  groups: strings(item, 'groups'),
  holder: str(item, 'holder'),
  lockId: str(item, 'lockId'),
  message: str(item, 'message'),
  at: str(item, 'at'),
});

/** (v2) Notifications still to be e-mailed, in the `byGroup` index by user and time: what the digest reads. */
export const MAIL_PENDING_GROUP = 'MAIL#PENDING';
export const mailPendingSortValue = (user: string, sortValue: string) => `${user}#${sortValue}`;

export const notificationToItem = (
  notification: NotificationRecord,
  ttlEpochSeconds: number,
  mailPending: boolean,
): Item => ({
  ...keys.notification(notification.user, notification.sortValue),
  type: 'notification',
  user: notification.user,
  at: notification.at,
  reason: notification.reason,
  event: notification.event,
  ttl: ttlEpochSeconds,
  ...(mailPending
    ? {
        groupPk: MAIL_PENDING_GROUP,
        groupSk: mailPendingSortValue(notification.user, notification.sortValue),
      }
    : {}),
});

export const notificationFromItem = (item: Item): NotificationRecord => ({
  user: str(item, 'user'),
  sortValue: str(item, 'sk').slice(NOTIFICATION_PREFIX.length),
  at: str(item, 'at'),
  reason: str(item, 'reason') as NotificationRecord['reason'],
  event: item.event as NotificationRecord['event'],
});

/**
 * (v2) An LFS lock item: the lock's attributes are a file's (`lockToAttributes`), so the `byLock`
 * index lists it with the files' locks, by the key of `lfs/{repo}/{path}` ("who has what").
 */
export const lfsLockToItem = (record: LfsLockRecord): Item => ({
  ...keys.lfsLock(record.repo, record.path),
  type: 'lfsLock',
  lfsRepo: record.repo,
  path: record.path,
  nameKey: record.key,
  fileId: record.fileId,
  ...lockToAttributes(record.lock),
});

/** The copy found by id: the lock without `lockListPk`, so "who has what" lists each lock once. */
export const lfsLockIdToItem = (record: LfsLockRecord, ttlEpochSeconds: number | null): Item => {
  const { lockListPk: _listed, ...lock } = lockToAttributes(record.lock);
  return {
    ...keys.lfsLockId(record.repo, record.lock.lockId),
    type: 'lfsLockId',
    lfsRepo: record.repo,
    path: record.path,
    nameKey: record.key,
    fileId: record.fileId,
    ...lock,
    // An expired lock's copy is dropped by DynamoDB in time (no unlock removes it).
    ...(ttlEpochSeconds === null ? {} : { ttl: ttlEpochSeconds }),
  };
};

export const lfsLockFromItem = (item: Item): LfsLockRecord => {
  const lock = lockFromItem(item);
  if (!lock) throw new Error(`corrupt item ${String(item.pk)}: an LFS lock without its lock`);
  return {
    repo: str(item, 'lfsRepo'),
    path: str(item, 'path'),
    key: str(item, 'nameKey'),
    fileId: str(item, 'fileId'),
    lock,
  };
};
