/**
 * Moving a file's bytes without holding them: SHA-256s computed in a worker (hash-worker.js) over the
 * File read in chunks, then PUTs straight to storage's presigned URLs with exactly the headers the
 * vault returned, by XMLHttpRequest, which reports upload progress (fetch does not): one PUT, or (v2)
 * the parts of a large file, a few at a time, each retried on its own.
 */
import type { MultipartUpload, PartUrl, SingleUpload } from '../../shared/model';
import { ApiError, type VaultApi } from './api';
import type { Digest, DigestMessage, DigestRequest } from './digest';
import { storageMessage } from './format';

/** Tries of one part before the upload fails (it can still be resumed). */
const PART_ATTEMPTS = 4;
/** Part URLs asked for at once, and how long before its expiry a URL is asked for again. */
const URLS_PER_ASK = 16;
const URL_MARGIN_MS = 60_000;

export const cancelled = () => new ApiError(0, 'CANCELLED', 'the upload was cancelled');

/**
 * `request` hashed by a worker of its own, off the page's thread; `onBytes` hears how far it got.
 * Cancelling ends the worker.
 */
export const digestInWorker = (
  request: DigestRequest,
  onBytes: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<Digest> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const worker = new Worker(new URL('hash-worker.js', import.meta.url), { type: 'module' });
    const finish = () => {
      worker.terminate();
      signal?.removeEventListener('abort', abort);
    };
    const abort = () => {
      finish();
      reject(cancelled());
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.onmessage = (event: MessageEvent<DigestMessage>) => {
      const message = event.data;
      if (message.type === 'progress') return onBytes(message.bytes);
      finish();
      if (message.type === 'done') resolve(message.digest);
      else reject(new ApiError(0, 'READ', `the file could not be read: ${message.message}`));
    };
    worker.onerror = (event) => {
      finish();
      reject(
        new ApiError(0, 'READ', `the file could not be hashed: ${event.message || 'the worker failed'}`),
      );
    };
    worker.postMessage(request);
  });

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

/** One PUT of the whole file to the URL it came with; `onProgress` hears bytes sent out of the total. */
export const putWhole = (
  upload: SingleUpload,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<void> =>
  putBytes(
    upload.url,
    upload.headers,
    // A slice has no type: the browser then adds no content-type header beside the signed ones.
    file.slice(0, upload.sizeBytes),
    (sent) => onProgress(sent, upload.sizeBytes),
    signal,
  );

/** Where part `partNumber` (from 1) starts, and how many bytes it has. */
export const spanOf = (upload: MultipartUpload, partNumber: number) => {
  const offset = (partNumber - 1) * upload.partSizeBytes;
  return { offset, sizeBytes: Math.min(upload.partSizeBytes, upload.sizeBytes - offset) };
};

/** Worth another try: the network or storage failing for a while, or a URL that expired (403). */
const isTransient = (error: unknown): boolean => {
  if (!(error instanceof ApiError)) return false;
  if (error.code === 'NETWORK') return true;
  return error.status === 403 || error.status === 408 || error.status === 429 || error.status >= 500;
};

/** About 0.5, 1, 2 s… after each failed try, jittered so that parts failing together spread out. */
const pause = (attempt: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, Math.min(8000, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2));
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(cancelled());
      },
      { once: true },
    );
  });

/** Presigned part URLs, asked for a batch at a time (one ask at a time) and again before they expire. */
class PartUrls {
  private readonly cache = new Map<number, PartUrl>();
  private asking: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: Pick<VaultApi, 'partUrls'>,
    private readonly uploadId: string,
    private readonly partSha256s: readonly string[],
    /** The parts to send, in order: a batch is the one wanted and the next ones without a URL. */
    private readonly order: readonly number[],
  ) {}

  async get(partNumber: number): Promise<PartUrl> {
    const asked = this.asking.then(async () => {
      if (this.fresh(partNumber)) return;
      const batch = [partNumber, ...this.order.filter((n) => n > partNumber && !this.fresh(n))].slice(
        0,
        URLS_PER_ASK,
      );
      const parts = await this.api.partUrls(
        this.uploadId,
        batch.map((n) => ({ partNumber: n, sha256: this.partSha256s[n - 1] ?? '' })),
      );
      for (const part of parts) this.cache.set(part.partNumber, part);
    });
    this.asking = asked.catch(() => undefined);
    await asked;
    const url = this.cache.get(partNumber);
    if (!url) throw new ApiError(0, 'STORAGE', `the vault gave no URL for part ${partNumber}`);
    return url;
  }

  forget(partNumber: number): void {
    this.cache.delete(partNumber);
  }

  private fresh(partNumber: number): boolean {
    const url = this.cache.get(partNumber);
    return url !== undefined && Date.parse(url.expiresAt) - Date.now() > URL_MARGIN_MS;
  }
}

export interface PartsOptions {
  /** Parts in flight at once. */
  parallel: number;
  /** Bytes sent (or already held by storage) out of the total. */
  onProgress(sent: number, total: number): void;
  signal?: AbortSignal;
}

/**
 * (v2) Sends the parts of a multipart upload that storage does not hold yet (`received`), in part
 * order, `parallel` at a time, each to the URL the vault binds to its SHA-256 and retried on its own
 * with backoff; the first part to fail for good stops the others.
 */
export const putParts = async (
  api: Pick<VaultApi, 'partUrls'>,
  upload: MultipartUpload,
  file: Blob,
  partSha256s: readonly string[],
  received: ReadonlySet<number>,
  { parallel, onProgress, signal }: PartsOptions,
): Promise<void> => {
  const missing = Array.from({ length: upload.partCount }, (_, i) => i + 1).filter((n) => !received.has(n));
  const urls = new PartUrls(api, upload.uploadId, partSha256s, missing);
  const stop = new AbortController();
  const cancel = () => stop.abort();
  signal?.addEventListener('abort', cancel, { once: true });
  let done = upload.sizeBytes - missing.reduce((sum, n) => sum + spanOf(upload, n).sizeBytes, 0);
  const inFlight = new Map<number, number>();
  const report = () => {
    let sent = done;
    for (const bytes of inFlight.values()) sent += bytes;
    onProgress(sent, upload.sizeBytes);
  };

  const sendPart = async (partNumber: number) => {
    const { offset, sizeBytes } = spanOf(upload, partNumber);
    const body = file.slice(offset, offset + sizeBytes);
    for (let attempt = 1; ; attempt++) {
      try {
        const target = await urls.get(partNumber);
        await putBytes(
          target.url,
          target.headers,
          body,
          (bytes) => {
            inFlight.set(partNumber, bytes);
            report();
          },
          stop.signal,
        );
        inFlight.delete(partNumber);
        done += sizeBytes;
        report();
        return;
      } catch (error) {
        inFlight.delete(partNumber);
        report();
        if (stop.signal.aborted) throw cancelled();
        if (attempt >= PART_ATTEMPTS || !isTransient(error)) throw error;
        // The next try asks for a fresh URL: the failure may have been this one expiring.
        urls.forget(partNumber);
        await pause(attempt, stop.signal);
      }
    }
  };

  let next = 0;
  const lane = async () => {
    while (next < missing.length && !stop.signal.aborted) await sendPart(missing[next++] as number);
  };
  report();
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(parallel, missing.length)) }, () =>
        lane().catch((error: unknown) => {
          stop.abort();
          throw error;
        }),
      ),
    );
    if (signal?.aborted) throw cancelled();
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
};
