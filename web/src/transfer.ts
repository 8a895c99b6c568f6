/**
 * Moving a file's bytes without holding them: SHA-256 computed with hash-wasm over the File read in
 * chunks, then PUTs straight to storage's presigned URLs (one, or one per part of a large file) with
 * exactly the headers the vault returned, by XMLHttpRequest, which reports upload progress (fetch
 * does not).
 */
import { createSHA256 } from 'hash-wasm';
import type { Upload } from '../../shared/model';
import { ApiError, type VaultApi } from './api';
import { storageMessage } from './format';

const CHUNK_BYTES = 4 * 1024 * 1024;

/** The file's SHA-256 (hex), read `CHUNK_BYTES` at a time; `onBytes` hears how far it got. */
export const sha256OfFile = async (
  file: Blob,
  onBytes: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<string> => {
  const hasher = await createSHA256();
  hasher.init();
  onBytes(0);
  for (let offset = 0; offset < file.size; offset += CHUNK_BYTES) {
    if (signal?.aborted) throw cancelled();
    const chunk = new Uint8Array(await file.slice(offset, offset + CHUNK_BYTES).arrayBuffer());
    hasher.update(chunk);
    onBytes(offset + chunk.length);
  }
  return hasher.digest('hex');
};

const cancelled = () => new ApiError(0, 'CANCELLED', 'the upload was cancelled');

/** Headers a browser sets itself and refuses from a script; it sends content-length from the body. */
const SET_BY_BROWSER = new Set(['content-length', 'host', 'connection']);

/** One PUT of `body` to a presigned URL with exactly its headers; `onProgress` hears bytes sent. */
const putBytes = (
  url: string,
  headers: Record<string, string>,
  body: Blob,
  onProgress: (sent: number) => void,
  signal?: AbortSignal,
): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const request = new XMLHttpRequest();
    signal?.addEventListener('abort', () => request.abort(), { once: true });
    request.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) {
      if (!SET_BY_BROWSER.has(name.toLowerCase())) request.setRequestHeader(name, value);
    }
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(body.size);
        resolve();
      } else {
        reject(new ApiError(request.status, 'STORAGE', storageMessage(request.status, request.responseText)));
      }
    };
    request.onerror = () =>
      reject(new ApiError(0, 'NETWORK', 'storage did not answer the upload (network or CORS)'));
    request.onabort = () => reject(cancelled());
    request.send(body);
  });

/**
 * Sends the file's bytes where the upload says: one PUT, or (v2, a large file) its parts one after
 * another, each hashed as it is read and sent to the URL the vault binds to that part's SHA-256.
 * `onProgress` hears bytes sent out of the total. A slice has no type: the browser then adds no
 * content-type header beside the signed ones.
 */
export const putToStorage = async (
  api: Pick<VaultApi, 'partUrls'>,
  upload: Upload,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<void> => {
  if (upload.method === 'PUT') {
    await putBytes(
      upload.url,
      upload.headers,
      file.slice(0, upload.sizeBytes),
      (sent) => onProgress(sent, upload.sizeBytes),
      signal,
    );
    return;
  }
  for (let partNumber = 1; partNumber <= upload.partCount; partNumber++) {
    if (signal?.aborted) throw cancelled();
    const offset = (partNumber - 1) * upload.partSizeBytes;
    const part = file.slice(offset, Math.min(offset + upload.partSizeBytes, upload.sizeBytes));
    const sha256 = await sha256OfFile(part, () => {}, signal);
    const [target] = await api.partUrls(upload.uploadId, [{ partNumber, sha256 }]);
    if (!target) throw new ApiError(0, 'STORAGE', `the vault gave no URL for part ${partNumber}`);
    await putBytes(
      target.url,
      target.headers,
      part,
      (sent) => onProgress(offset + sent, upload.sizeBytes),
      signal,
    );
  }
};
