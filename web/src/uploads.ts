/**
 * Getting a local file's bytes to the vault, ready to check in: staged and sent, or (v2) resumed. The
 * file is hashed in workers — its SHA-256 and, when it may go in parts, its parts' at the part size the
 * vault chooses for its size, in one read each, side by side — then staged. A multipart upload is
 * remembered (pending-uploads.ts) before its parts are sent, so that picking the same file again for
 * the same action, after a reload or a failure, sends only the parts storage does not hold.
 */
import type { MultipartUpload, Upload, UploadStatus } from '../../shared/model';
import { ApiError, type VaultApi } from './api';
import { type DigestRequest, expectedPartSize } from './digest';
import {
  findPending,
  forgetPending,
  type KeyValueStore,
  type PendingUpload,
  rememberPending,
  type UploadIdentity,
} from './pending-uploads';
import { digestInWorker, putParts, putWhole } from './transfer';

export interface SendHooks {
  store: KeyValueStore;
  /** Parts in flight at once. */
  parallel: number;
  onHashing(done: number, total: number): void;
  onUploading(sent: number, total: number): void;
  /** A remembered upload goes on: `received` of its `partCount` parts are in storage already. */
  onResumed(received: number, partCount: number): void;
  /** The upload is the vault's from now on: cancelling should give it up. */
  onStaged(upload: Upload): void;
  signal: AbortSignal;
}

export const identityOf = (
  user: string,
  action: UploadIdentity['action'],
  name: string,
  file: File,
): UploadIdentity => ({
  user,
  action,
  name,
  file: { name: file.name, sizeBytes: file.size, lastModified: file.lastModified },
});

/** The remembered upload as the vault still holds it, or null (forgotten) when it does not. */
const stillPending = async (
  api: Pick<VaultApi, 'uploadStatus'>,
  store: KeyValueStore,
  pending: PendingUpload,
): Promise<(UploadStatus & { upload: MultipartUpload }) | null> => {
  let status: UploadStatus;
  try {
    status = await api.uploadStatus(pending.uploadId);
  } catch (error) {
    // Expired, checked in meanwhile, or never the caller's: start afresh.
    if (error instanceof ApiError && error.status === 404) {
      forgetPending(store, pending.uploadId);
      return null;
    }
    throw error;
  }
  const { upload, receivedParts } = status;
  const same =
    upload.method === 'MULTIPART' &&
    upload.sha256 === pending.sha256 &&
    upload.sizeBytes === pending.file.sizeBytes &&
    upload.partSizeBytes === pending.partSizeBytes &&
    receivedParts.every((part) => part.sha256 === pending.partSha256s[part.partNumber - 1]);
  if (!same || upload.method !== 'MULTIPART') {
    forgetPending(store, pending.uploadId);
    return null;
  }
  return { upload, receivedParts };
};

/**
 * The file's SHA-256 and its parts' at `partSizeBytes` (null: none), in two workers side by side; if
 * one fails (or the user cancels), the other is ended too.
 */
const hashFile = async (file: File, partSizeBytes: number | null, hooks: SendHooks) => {
  const read = [0, 0];
  const progress = (index: number) => (bytes: number) => {
    read[index] = bytes;
    hooks.onHashing(partSizeBytes === null ? bytes : Math.min(read[0] ?? 0, read[1] ?? 0), file.size);
  };
  const stop = new AbortController();
  const cancel = () => stop.abort();
  hooks.signal.addEventListener('abort', cancel, { once: true });
  const hashing = (request: DigestRequest, index: number) =>
    digestInWorker(request, progress(index), stop.signal).catch((error: unknown) => {
      stop.abort();
      throw error;
    });
  try {
    const [whole, parts] = await Promise.all([
      hashing({ file, whole: true, partSizeBytes: null }, 0),
      partSizeBytes === null ? null : hashing({ file, whole: false, partSizeBytes }, 1),
    ]);
    return { sha256: whole.sha256 as string, partSha256s: parts?.partSha256s ?? null };
  } finally {
    hooks.signal.removeEventListener('abort', cancel);
  }
};

/**
 * Stages `file` under `identity.name` (or resumes the upload remembered for it) and sends what
 * storage lacks; the upload to check in. It stays remembered until `uploadFinished`.
 */
export const sendFile = async (
  api: Pick<VaultApi, 'stageUpload' | 'partUrls' | 'uploadStatus'>,
  identity: UploadIdentity,
  file: File,
  hooks: SendHooks,
): Promise<Upload> => {
  const remembered = findPending(hooks.store, identity);
  const resumed = remembered ? await stillPending(api, hooks.store, remembered) : null;
  if (remembered && resumed) {
    hooks.onStaged(resumed.upload);
    hooks.onResumed(resumed.receivedParts.length, resumed.upload.partCount);
    const received = new Set(resumed.receivedParts.map((part) => part.partNumber));
    await putParts(api, resumed.upload, file, remembered.partSha256s, received, {
      parallel: hooks.parallel,
      onProgress: hooks.onUploading,
      signal: hooks.signal,
    });
    return resumed.upload;
  }

  const expected = expectedPartSize(file.size);
  // A file of one part at most is that part: its SHA-256 is the part's.
  const hashed = await hashFile(file, file.size > expected ? expected : null, hooks);
  const upload = await api.stageUpload({ name: identity.name, sizeBytes: file.size, sha256: hashed.sha256 });
  hooks.onStaged(upload);
  if (upload.method === 'PUT') {
    await putWhole(upload, file, hooks.onUploading, hooks.signal);
    return upload;
  }
  let partSha256s = upload.partSizeBytes === expected ? (hashed.partSha256s ?? [hashed.sha256]) : null;
  if (partSha256s?.length !== upload.partCount) {
    // The vault chose another part size than it does by default: those parts are hashed now.
    const digest = await digestInWorker(
      { file, whole: false, partSizeBytes: upload.partSizeBytes },
      (bytes) => hooks.onHashing(bytes, file.size),
      hooks.signal,
    );
    partSha256s = digest.partSha256s;
  }
  rememberPending(hooks.store, {
    ...identity,
    uploadId: upload.uploadId,
    expiresAt: upload.expiresAt,
    sha256: upload.sha256,
    partSizeBytes: upload.partSizeBytes,
    partSha256s,
  });
  await putParts(api, upload, file, partSha256s, new Set(), {
    parallel: hooks.parallel,
    onProgress: hooks.onUploading,
    signal: hooks.signal,
  });
  return upload;
};

/** Checked in, given up, or refused for good: nothing is left to resume. */
export const uploadFinished = (store: KeyValueStore, uploadId: string): void =>
  forgetPending(store, uploadId);
