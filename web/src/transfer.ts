/**
 * Moving a file's bytes without holding them: SHA-256 computed with hash-wasm over the File read in
 * chunks, then a PUT straight to storage's presigned URL with exactly the headers the vault returned,
 * by XMLHttpRequest, which reports upload progress (fetch does not).
 */
import { createSHA256 } from 'hash-wasm';
import type { Upload } from '../../shared/model';
import { ApiError } from './api';
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

/** PUTs the file to the upload's presigned URL; `onProgress` hears bytes sent out of the total. */
export const putToStorage = (
  upload: Upload,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    // (v2) Over the vault's multipart threshold the upload comes in parts, which this page does not send yet.
    if (upload.method !== 'PUT')
      return reject(
        new ApiError(
          0,
          'MULTIPART',
          'this file is large enough to go in parts: send it with the camvault CLI',
        ),
      );
    const request = new XMLHttpRequest();
    signal?.addEventListener('abort', () => request.abort(), { once: true });
    request.open(upload.method, upload.url);
    for (const [name, value] of Object.entries(upload.headers)) {
      if (!SET_BY_BROWSER.has(name.toLowerCase())) request.setRequestHeader(name, value);
    }
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(upload.sizeBytes, upload.sizeBytes);
        resolve();
      } else {
        reject(new ApiError(request.status, 'STORAGE', storageMessage(request.status, request.responseText)));
      }
    };
    request.onerror = () =>
      reject(new ApiError(0, 'NETWORK', 'storage did not answer the upload (network or CORS)'));
    request.onabort = () => reject(cancelled());
    // A slice has no type: the browser then adds no content-type header beside the signed ones.
    request.send(file.slice(0, upload.sizeBytes));
  });
