/**
 * Moving bytes without holding them: every file is streamed through a SHA-256 meter in chunks, so
 * memory stays flat whatever the size. Storage is reached with node:http(s) (see http.ts), which
 * sends the exact headers it is given and a content-length taken from the file's size.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, writeSync } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import type { SingleUpload } from '#shared/model';
import { CliError, EXIT, otherError } from './errors';
import { networkCause, openRequest, readText } from './http';

const CHUNK_BYTES = 1024 * 1024;
/** Several parts are sent at once: smaller reads keep what waits for the network small. */
const SEND_CHUNK_BYTES = 256 * 1024;

export interface Digest {
  sha256: string;
  sizeBytes: number;
}

/** Hashes (unless told not to) and counts bytes as they pass; refuses more than `maxBytes`. */
class Tally {
  private readonly hash;
  bytes = 0;

  constructor(
    private readonly maxBytes: number | null,
    private readonly onBytes: (bytes: number) => void = () => undefined,
    hashing = true,
  ) {
    this.hash = hashing ? createHash('sha256') : null;
  }

  /** Counts and hashes a chunk; throws TooManyBytes past the limit. */
  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.maxBytes !== null && this.bytes > this.maxBytes) throw new TooManyBytes(this.maxBytes);
    this.hash?.update(chunk);
    this.onBytes(this.bytes);
  }

  digest(): Digest {
    return { sha256: this.hash?.digest('hex') ?? '', sizeBytes: this.bytes };
  }
}

/** Passes bytes through a Tally. */
class Meter extends Transform {
  constructor(readonly tally: Tally) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.tally.add(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null, chunk);
  }
}

class TooManyBytes extends Error {
  constructor(readonly expected: number) {
    super(`more than the ${expected} bytes expected`);
  }
}

/**
 * The SHA-256 and size of a local file, read in 1 MiB chunks into one buffer used again and again:
 * hashing gigabytes leaves no garbage behind, so memory stays at its start.
 */
export const hashFile = async (
  path: string,
  options: { signal: AbortSignal; onBytes?: (bytes: number) => void },
): Promise<Digest> => {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const file = await open(path, 'r');
  let total = 0;
  try {
    for (;;) {
      options.signal.throwIfAborted();
      const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, total);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      total += bytesRead;
      options.onBytes?.(total);
    }
  } finally {
    await file.close();
  }
  return { sha256: hash.digest('hex'), sizeBytes: total };
};

/** S3 answers errors in XML; its <Code> and <Message> say more than the status. */
const storageFailure = async (response: IncomingMessage, what: string): Promise<CliError> => {
  const text = await readText(response, 4096).catch(() => '');
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  const detail = [code, message].filter(Boolean).join(': ');
  return new CliError(
    `storage refused the ${what}: HTTP ${response.statusCode}${detail ? ` ${detail}` : ''}`,
    EXIT.other,
    'STORAGE',
    { status: response.statusCode },
  );
};

const transferError = (error: unknown, what: string): Error =>
  error instanceof CliError || (error as Error).name === 'AbortError'
    ? (error as Error)
    : otherError(`the ${what} failed: ${networkCause(error)}`);

export class VerificationError extends CliError {
  constructor(message: string) {
    super(message, EXIT.other, 'VERIFICATION_FAILED');
  }
}

/** A GET of a presigned URL, answered with `status`; any other answer is storage's refusal. */
const getFromStorage = async (
  url: string,
  headers: Record<string, string>,
  status: number,
  signal: AbortSignal,
): Promise<IncomingMessage> => {
  const { request, response: responded } = openRequest(new URL(url), { method: 'GET', headers }, signal);
  request.end();
  let response: IncomingMessage;
  try {
    response = await responded;
  } catch (error) {
    throw transferError(error, 'download');
  }
  if (response.statusCode !== status) throw await storageFailure(response, 'download');
  return response;
};

/** A download is fetched in ranges of this size, several at once, when it is larger than one. */
export const RANGE_BYTES = 8 * 1024 * 1024;
/** How far the ranges fetched may run ahead of the hash, in ranges per range in flight (on disk, not in memory). */
const RANGES_AHEAD = 4;
const RANGE_ATTEMPTS = 5;

interface DownloadOptions {
  expectedBytes: number;
  signal: AbortSignal;
  onBytes?: (bytes: number) => void;
  /** Ranges in flight at once (1: one stream). */
  parallel?: number;
}

/**
 * GETs a presigned URL into `path` (created new, never overwritten), hashing on the way; a file of
 * more than one range goes `parallel` ranges at a time, each retried on its own, and is hashed in
 * order as the ranges arrive. Verifying the digest is the caller's business; more bytes than
 * `expectedBytes` stop it early.
 */
export const downloadToFile = async (
  url: string,
  path: string,
  options: DownloadOptions,
): Promise<Digest> => {
  const parallel = options.parallel ?? 1;
  // Each way fsyncs the file before closing it: a crash must not leave a short file under the real
  // name once it is renamed into place.
  const digest =
    parallel > 1 && options.expectedBytes > RANGE_BYTES
      ? await downloadInRanges(url, path, { ...options, parallel })
      : await downloadInOneStream(url, path, options);
  return digest;
};

/** One range of a download, written to `file` at its place as it arrives; its length. */
const getRange = async (
  url: string,
  file: FileHandle,
  range: { start: number; end: number },
  signal: AbortSignal,
  onChunk: (bytes: number) => void,
): Promise<void> => {
  const { start, end } = range;
  const response = await getFromStorage(url, { range: `bytes=${start}-${end}` }, 206, signal);
  let position = start;
  try {
    for await (const chunk of response) {
      const bytes = chunk as Buffer;
      if (position + bytes.length > end + 1)
        throw new VerificationError('storage sent more than the range asked for; nothing was saved');
      // Into the page cache, at once: an awaited write per network chunk would stall the socket.
      writeSync(file.fd, bytes, 0, bytes.length, position);
      position += bytes.length;
      onChunk(bytes.length);
    }
  } catch (error) {
    throw transferError(error, 'download');
  }
  if (position !== end + 1)
    throw otherError(`storage sent ${position - start} bytes of a range of ${end - start + 1}`);
};

/**
 * Ranges fetched `parallel` at a time, each written at its place as it arrives and retried on its
 * own; the SHA-256 follows in order, reading back what was written (from the page cache): memory
 * stays flat whatever the number of ranges in flight.
 */
const downloadInRanges = async (
  url: string,
  path: string,
  options: DownloadOptions & { parallel: number },
): Promise<Digest> => {
  const { expectedBytes: size, signal, parallel } = options;
  const count = Math.ceil(size / RANGE_BYTES);
  const spanOf = (index: number) => ({
    start: index * RANGE_BYTES,
    end: Math.min(size, (index + 1) * RANGE_BYTES) - 1,
  });
  const hash = createHash('sha256');
  const done = new Set<number>();
  let hashed = 0;
  let taken = 0;
  let received = 0;
  let stopped = false;
  let wake: (() => void)[] = [];
  const wakeAll = () => {
    const waiting = wake;
    wake = [];
    for (const resume of waiting) resume();
  };
  // Created new (never over another file), and read back for the hash.
  const file = await open(path, 'wx+');
  const readBack = Buffer.allocUnsafe(CHUNK_BYTES);
  let hashing: Promise<void> = Promise.resolve();
  /** Hashes every range done in order after the last one hashed; one run at a time. */
  const hashAhead = () => {
    hashing = hashing.then(async () => {
      while (done.has(hashed)) {
        const { start, end } = spanOf(hashed);
        for (let position = start; position <= end; ) {
          const { bytesRead } = await file.read(
            readBack,
            0,
            Math.min(CHUNK_BYTES, end + 1 - position),
            position,
          );
          if (bytesRead === 0) throw new Error(`range ${hashed} of ${path} reads short`);
          hash.update(readBack.subarray(0, bytesRead));
          position += bytesRead;
        }
        done.delete(hashed);
        hashed += 1;
        wakeAll();
      }
    });
    return hashing;
  };
  const worker = async () => {
    for (let index = taken++; index < count && !stopped; index = taken++) {
      // Not too far ahead of the hash, which reads back what is written while the page cache has it.
      while (!stopped && index >= hashed + parallel * RANGES_AHEAD)
        await new Promise<void>((resolve) => wake.push(resolve));
      if (stopped) return;
      for (let attempt = 1; ; attempt++) {
        let got = 0;
        try {
          await getRange(url, file, spanOf(index), signal, (bytes) => {
            got += bytes;
            received += bytes;
            options.onBytes?.(received);
          });
          break;
        } catch (error) {
          received -= got;
          if (signal.aborted || attempt >= RANGE_ATTEMPTS || error instanceof VerificationError) {
            // The others stop too: the range the hash waits for will not come.
            stopped = true;
            wakeAll();
            throw error;
          }
          await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
        }
      }
      done.add(index);
      await hashAhead();
    }
  };
  try {
    const results = await Promise.allSettled(Array.from({ length: Math.min(parallel, count) }, worker));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await hashAhead();
    await file.sync();
  } finally {
    await file.close();
  }
  return { sha256: hash.digest('hex'), sizeBytes: received };
};

const downloadInOneStream = async (url: string, path: string, options: DownloadOptions): Promise<Digest> => {
  const response = await getFromStorage(url, {}, 200, options.signal);
  const tally = new Tally(options.expectedBytes, options.onBytes);
  // Hashed as the bytes arrive, beside the write rather than in a stream between the two: one hop
  // less per chunk, about a fifth of the CPU a download costs. Too many bytes end the response, and
  // with it the pipeline (the temporary file is the caller's to remove).
  response.on('data', (chunk: Buffer) => {
    try {
      tally.add(chunk);
    } catch (error) {
      response.destroy(error as Error);
    }
  });
  try {
    // flush: fsync before the file is closed.
    await pipeline(response, createWriteStream(path, { flags: 'wx', flush: true }), {
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof TooManyBytes)
      throw new VerificationError(
        `storage sent more than the ${error.expected} bytes of this version; nothing was saved`,
      );
    throw transferError(error, 'download');
  }
  return tally.digest();
};

/**
 * PUTs `sizeBytes` bytes of `path` from `offset` to a presigned URL with exactly the headers the vault
 * gave, plus content-length. With a `sha256`, hashes them again while sending: if the file changed
 * since it was hashed, this fails (and the caller must not check in). Parts are sent without (null):
 * storage refuses a part whose bytes do not match its signed SHA-256 (S3), and the vault verifies
 * every part against it before it commits, so a third pass over the bytes would tell nothing new.
 */
export const putBytes = async (
  path: string,
  target: { url: string; headers: Record<string, string> },
  bytes: { offset: number; sizeBytes: number; sha256: string | null },
  options: { signal: AbortSignal; onBytes?: (bytes: number) => void },
): Promise<void> => {
  const { offset, sizeBytes } = bytes;
  const { request, response: responded } = openRequest(
    new URL(target.url),
    { method: 'PUT', headers: { ...target.headers, 'content-length': String(sizeBytes) } },
    options.signal,
  );
  const source =
    sizeBytes === 0
      ? Readable.from([])
      : createReadStream(path, {
          start: offset,
          end: offset + sizeBytes - 1,
          highWaterMark: SEND_CHUNK_BYTES,
        });
  // Storage that refuses early answers before reading everything: stop sending then.
  void responded.then(
    (response) => {
      if ((response.statusCode ?? 0) >= 300) source.destroy();
    },
    () => undefined,
  );
  const meter = new Meter(new Tally(sizeBytes, options.onBytes, bytes.sha256 !== null));
  const [sent, answered] = await Promise.allSettled([
    pipeline(source, meter, request, { signal: options.signal }),
    responded,
  ]);
  if (options.signal.aborted) throw options.signal.reason;
  if (answered.status === 'rejected') {
    throw transferError(sent.status === 'rejected' ? sent.reason : answered.reason, 'upload');
  }
  const response = answered.value;
  if ((response.statusCode ?? 0) < 200 || (response.statusCode ?? 0) >= 300) {
    throw await storageFailure(response, 'upload');
  }
  response.resume();
  if (sent.status === 'rejected') throw transferError(sent.reason, 'upload');
  const digest = meter.tally.digest();
  if (digest.sizeBytes !== sizeBytes || (bytes.sha256 !== null && digest.sha256 !== bytes.sha256)) {
    throw new VerificationError(
      `${path} changed while it was being uploaded; nothing was checked in (run the command again)`,
    );
  }
};

/** A single-PUT upload: all of `path`. */
export const uploadFile = (
  path: string,
  upload: SingleUpload,
  options: { signal: AbortSignal; onBytes?: (bytes: number) => void },
): Promise<void> =>
  putBytes(path, upload, { offset: 0, sizeBytes: upload.sizeBytes, sha256: upload.sha256 }, options);

// The parts' SHA-256s, computed from the worker's own read of the file (the page cache's, mostly),
// into one buffer used again and again.
const PART_HASHER = `const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { path, partSizeBytes } = workerData;
const buffer = Buffer.allocUnsafe(${CHUNK_BYTES});
const hashes = [];
const fd = openSync(path, 'r');
for (let position = 0, part = createHash('sha256'), inPart = 0; ; ) {
  const bytesRead = readSync(fd, buffer, 0, Math.min(buffer.length, partSizeBytes - inPart), position);
  if (bytesRead === 0) { if (inPart > 0 || hashes.length === 0) hashes.push(part.digest('hex')); break; }
  part.update(buffer.subarray(0, bytesRead));
  position += bytesRead;
  inPart += bytesRead;
  if (inPart === partSizeBytes) { hashes.push(part.digest('hex')); part = createHash('sha256'); inPart = 0; }
}
closeSync(fd);
parentPort.postMessage(hashes);`;

const hashParts = (path: string, partSizeBytes: number, signal: AbortSignal): Promise<string[]> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(PART_HASHER, { eval: true, workerData: { path, partSizeBytes } });
    const stop = () => void worker.terminate();
    signal.addEventListener('abort', stop, { once: true });
    worker.once('message', (hashes: string[]) => resolve(hashes));
    worker.once('error', reject);
    worker.once('exit', () => {
      signal.removeEventListener('abort', stop);
      reject(signal.aborted ? signal.reason : new Error('the part hasher stopped'));
    });
  });

/**
 * The SHA-256 of a local file and, with `partSizeBytes`, of each of its parts: what a multipart upload
 * declares before it sends anything. The parts are hashed in a worker thread while this one hashes
 * the whole, so the two take one pass's time on two cores.
 */
export const digestFile = async (
  path: string,
  partSizeBytes: number | null,
  options: { signal: AbortSignal; onBytes?: (bytes: number) => void },
): Promise<{ sha256: string; sizeBytes: number; partSha256s: string[] }> => {
  const parts = partSizeBytes === null ? Promise.resolve([]) : hashParts(path, partSizeBytes, options.signal);
  // Not left unhandled should the whole file's hash fail first.
  parts.catch(() => undefined);
  const whole = await hashFile(path, options);
  return { ...whole, partSha256s: await parts };
};

/** A path's regular-file stat, or null when nothing is there. */
export const statFile = async (path: string) => {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
};
