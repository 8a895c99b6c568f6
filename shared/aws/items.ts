/** Item shapes and key formats of each entity in the vault table, with their conversions: nowhere else. */
import type { FileRecord, LockEnding, LockRecord, UploadRecord, VersionRecord } from '../ports';

export type Item = Record<string, unknown>;

export const FILES_LIST = 'FILES';
export const LOCKS_LIST = 'LOCKS';

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

export const fileKey = (key: string) => ({ pk: `FILE#${key}`, sk: 'FILE' });
export const versionKey = (key: string, version: number) => ({
  pk: `FILE#${key}`,
  sk: `VERSION#${String(version).padStart(10, '0')}`,
});
export const VERSION_PREFIX = 'VERSION#';
export const uploadKey = (uploadId: string) => ({ pk: `UPLOAD#${uploadId}`, sk: 'UPLOAD' });

/** The lock's attributes on its file item; all of them go when the lock goes. */
export const LOCK_ATTRIBUTES = [
  'lockUser',
  'lockId',
  'lockAcquiredAt',
  'lockMessage',
  'lockExpiresAt',
  'lockListPk',
] as const;
/** Who ended the last lock, how and when: read back from the change stream to tell an undo from a break. */
export const LOCK_ENDING_ATTRIBUTES = ['lockEndedBy', 'lockEnding', 'lockEndMessage', 'lockEndedAt'] as const;

export const lockEndingToAttributes = (ending: {
  endedBy: string;
  ending: LockEnding;
  message: string;
  at: string;
}): Item => ({
  lockEndedBy: ending.endedBy,
  lockEnding: ending.ending,
  lockEndMessage: ending.message,
  lockEndedAt: ending.at,
});

export const lockToAttributes = (lock: LockRecord): Item => ({
  lockUser: lock.user,
  lockId: lock.lockId,
  lockAcquiredAt: lock.acquiredAt,
  lockMessage: lock.message,
  ...(lock.expiresAt === null ? {} : { lockExpiresAt: lock.expiresAt }),
  lockListPk: LOCKS_LIST,
});

const lockFromItem = (item: Item): LockRecord | null =>
  item.lockId === undefined
    ? null
    : {
        user: str(item, 'lockUser'),
        lockId: str(item, 'lockId'),
        acquiredAt: str(item, 'lockAcquiredAt'),
        message: str(item, 'lockMessage'),
        expiresAt: optionalStr(item, 'lockExpiresAt'),
      };

export const fileContentAttributes = (file: FileRecord): Item => ({
  version: file.version,
  sizeBytes: file.sizeBytes,
  sha256: file.sha256,
  modifiedAt: file.modifiedAt,
  modifiedBy: file.modifiedBy,
});

export const fileToItem = (file: FileRecord): Item => ({
  ...fileKey(file.key),
  type: 'file',
  listPk: FILES_LIST,
  nameKey: file.key,
  name: file.name,
  ...fileContentAttributes(file),
  ...(file.lock ? lockToAttributes(file.lock) : {}),
});

export const fileFromItem = (item: Item): FileRecord => ({
  key: str(item, 'nameKey'),
  name: str(item, 'name'),
  version: num(item, 'version'),
  sizeBytes: num(item, 'sizeBytes'),
  sha256: str(item, 'sha256'),
  modifiedAt: str(item, 'modifiedAt'),
  modifiedBy: str(item, 'modifiedBy'),
  lock: lockFromItem(item),
});

export const versionToItem = (version: VersionRecord): Item => ({
  ...versionKey(version.key, version.version),
  type: 'version',
  nameKey: version.key,
  name: version.name,
  version: version.version,
  sizeBytes: version.sizeBytes,
  sha256: version.sha256,
  createdAt: version.createdAt,
  user: version.user,
  message: version.message,
  lockId: version.lockId,
});

export const versionFromItem = (item: Item): VersionRecord => ({
  key: str(item, 'nameKey'),
  name: str(item, 'name'),
  version: num(item, 'version'),
  sizeBytes: num(item, 'sizeBytes'),
  sha256: str(item, 'sha256'),
  createdAt: str(item, 'createdAt'),
  user: str(item, 'user'),
  message: str(item, 'message'),
  lockId: optionalStr(item, 'lockId'),
});

export const uploadToItem = (upload: UploadRecord, ttlEpochSeconds: number): Item => ({
  ...uploadKey(upload.uploadId),
  type: 'upload',
  uploadId: upload.uploadId,
  nameKey: upload.key,
  name: upload.name,
  user: upload.user,
  lockId: upload.lockId,
  sizeBytes: upload.sizeBytes,
  sha256: upload.sha256,
  createdAt: upload.createdAt,
  expiresAt: upload.expiresAt,
  ttl: ttlEpochSeconds,
});

export const uploadFromItem = (item: Item): UploadRecord => ({
  uploadId: str(item, 'uploadId'),
  key: str(item, 'nameKey'),
  name: str(item, 'name'),
  user: str(item, 'user'),
  lockId: optionalStr(item, 'lockId'),
  sizeBytes: num(item, 'sizeBytes'),
  sha256: str(item, 'sha256'),
  createdAt: str(item, 'createdAt'),
  expiresAt: str(item, 'expiresAt'),
  committedVersion: item.committedVersion === undefined ? null : num(item, 'committedVersion'),
});
