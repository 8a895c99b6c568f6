/**
 * (v2) The multipart uploads this browser started and has not checked in, kept in localStorage so that
 * a reload (or a lost connection) does not lose the parts already sent: picking the same file again
 * for the same action resumes the upload without hashing the file again. Pure over a Storage-like
 * object (no DOM): unit-tested in Node.
 */

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Which upload this is: the same user adding or checking in the same local file under the same name. */
export interface UploadIdentity {
  user: string;
  action: 'add' | 'checkin';
  /** The name in the vault. */
  name: string;
  /** The local file as the browser describes it: a file changed since has another size or time. */
  file: { name: string; sizeBytes: number; lastModified: number };
}

export interface PendingUpload extends UploadIdentity {
  uploadId: string;
  /** Until when the vault keeps it (its `expiresAt`). */
  expiresAt: string;
  sha256: string;
  partSizeBytes: number;
  /** Part n's SHA-256 at index n - 1. */
  partSha256s: string[];
}

const KEY = 'camvault.pendingUploads';
/** Uploads remembered at most, the oldest forgotten first (each is at most ~650 KB, at 10,000 parts). */
const MAX_KEPT = 5;

const isPending = (value: unknown): value is PendingUpload => {
  const item = value as Partial<PendingUpload> | null;
  return (
    typeof item === 'object' &&
    item !== null &&
    typeof item.user === 'string' &&
    (item.action === 'add' || item.action === 'checkin') &&
    typeof item.name === 'string' &&
    typeof item.file?.name === 'string' &&
    typeof item.file.sizeBytes === 'number' &&
    typeof item.file.lastModified === 'number' &&
    typeof item.uploadId === 'string' &&
    typeof item.expiresAt === 'string' &&
    typeof item.sha256 === 'string' &&
    typeof item.partSizeBytes === 'number' &&
    Array.isArray(item.partSha256s) &&
    item.partSha256s.every((sha256) => typeof sha256 === 'string')
  );
};

/** The remembered uploads not yet expired; a store that cannot be read holds none. */
const readAll = (store: KeyValueStore, now: Date): PendingUpload[] => {
  try {
    const parsed: unknown = JSON.parse(store.getItem(KEY) ?? '[]');
    return (Array.isArray(parsed) ? parsed : [])
      .filter(isPending)
      .filter((item) => Date.parse(item.expiresAt) > now.getTime());
  } catch {
    return [];
  }
};

/** Written if it can be: a full or refused store only means the upload cannot be resumed. */
const writeAll = (store: KeyValueStore, items: PendingUpload[]): void => {
  try {
    store.setItem(KEY, JSON.stringify(items));
  } catch {
    // Nothing to do: the upload still goes on, it just will not survive a reload.
  }
};

const sameIdentity = (a: UploadIdentity, b: UploadIdentity): boolean =>
  a.user === b.user &&
  a.action === b.action &&
  a.name === b.name &&
  a.file.name === b.file.name &&
  a.file.sizeBytes === b.file.sizeBytes &&
  a.file.lastModified === b.file.lastModified;

/** The upload remembered for this identity, if one is and has not expired. */
export const findPending = (
  store: KeyValueStore,
  identity: UploadIdentity,
  now = new Date(),
): PendingUpload | null => readAll(store, now).find((item) => sameIdentity(item, identity)) ?? null;

/** Remembers an upload, in place of any other of the same identity. */
export const rememberPending = (store: KeyValueStore, pending: PendingUpload, now = new Date()): void =>
  writeAll(store, [
    ...readAll(store, now)
      .filter((item) => item.uploadId !== pending.uploadId && !sameIdentity(item, pending))
      .slice(-(MAX_KEPT - 1)),
    pending,
  ]);

/** Forgets an upload: checked in, given up, or no longer the vault's. */
export const forgetPending = (store: KeyValueStore, uploadId: string, now = new Date()): void =>
  writeAll(
    store,
    readAll(store, now).filter((item) => item.uploadId !== uploadId),
  );
