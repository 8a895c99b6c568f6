/**
 * Moving bytes without holding them: every file is streamed through a SHA-256 meter in chunks, so
 * memory stays flat whatever the size. Storage is reached with node:http(s) (see http.ts), which
 * sends the exact headers it is given and a content-length taken from the file's size.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SingleUpload } from '#shared/model';
import { CliError, EXIT, otherError } from './errors';
import { networkCause, openRequest, readText } from './http';

const CHUNK_BYTES = 1024 * 1024;

export interface Digest {
  sha256: string;
  sizeBytes: number;
}

/** Hashes and counts bytes as they pass; refuses more than `maxBytes`. */
class Tally {
  private readonly hash = createHash('sha256');
  bytes = 0;

  constructor(
    private readonly maxBytes: number | null,
    private readonly onBytes: (bytes: number) => void = () => undefined,
  ) {}

  /** Counts and hashes a chunk; throws TooManyBytes past the limit. */
  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.maxBytes !== null && this.bytes > this.maxBytes) throw new TooManyBytes(this.maxBytes);
    this.hash.update(chunk);
    this.onBytes(this.bytes);
  }

  digest(): Digest {
    return { sha256: this.hash.digest('hex'), sizeBytes: this.bytes };
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

const discard = () =>
  new Writable({
    write: (_chunk, _encoding, callback) => callback(),
  });

/** The SHA-256 and size of a local file, read in 1 MiB chunks. */
export const hashFile = async (
  path: string,
  options: { signal: AbortSignal; onBytes?: (bytes: number) => void },
): Promise<Digest> => {
  const meter = new Meter(new Tally(null, options.onBytes));
  await pipeline(createReadStream(path, { highWaterMark: CHUNK_BYTES }), meter, discard(), {
    signal: options.signal,
  });
  return meter.tally.digest();
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

/**
 * GETs a presigned URL into `path` (created new, never overwritten), hashing on the way.
 * Verifying the digest is the caller's business; more bytes than `expectedBytes` stop it early.
 */
export const downloadToFile = async (
  url: string,
  path: string,
  options: { expectedBytes: number; signal: AbortSignal; onBytes?: (bytes: number) => void },
): Promise<Digest> => {
  const { request, response: responded } = openRequest(new URL(url), { method: 'GET' }, options.signal);
  request.end();
  let response: IncomingMessage;
  try {
    response = await responded;
  } catch (error) {
    throw transferError(error, 'download');
  }
  if (response.statusCode !== 200) throw await storageFailure(response, 'download');
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
    // flush: fsync before the file is closed, so a crash cannot leave a short file under the real
    // name once it is renamed into place.
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
 * gave, plus content-length. Hashes them again while sending: if the file changed since it was hashed,
 * this fails (and the caller must not check in).
 */
export const putBytes = async (
  path: string,
  target: { url: string; headers: Record<string, string> },
  bytes: { offset: number; sizeBytes: number; sha256: string },
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
      : createReadStream(path, { start: offset, end: offset + sizeBytes - 1, highWaterMark: CHUNK_BYTES });
  // Storage that refuses early answers before reading everything: stop sending then.
  void responded.then(
    (response) => {
      if ((response.statusCode ?? 0) >= 300) source.destroy();
    },
    () => undefined,
  );
  const meter = new Meter(new Tally(sizeBytes, options.onBytes));
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
  if (digest.sizeBytes !== sizeBytes || digest.sha256 !== bytes.sha256) {
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

/**
 * The SHA-256 of a local file and, with `partSizeBytes`, of each of its parts, in one read: what a
 * multipart upload declares before it sends anything.
 */
export const digestFile = async (
  path: string,
  partSizeBytes: number | null,
  options: { signal: AbortSignal; onBytes?: (bytes: number) => void },
): Promise<{ sha256: string; sizeBytes: number; partSha256s: string[] }> => {
  const whole = createHash('sha256');
  const partSha256s: string[] = [];
  let part = createHash('sha256');
  let inPart = 0;
  let total = 0;
  const splitter = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      whole.update(chunk);
      let rest = chunk;
      while (partSizeBytes !== null && inPart + rest.length >= partSizeBytes) {
        const take = partSizeBytes - inPart;
        part.update(rest.subarray(0, take));
        partSha256s.push(part.digest('hex'));
        part = createHash('sha256');
        inPart = 0;
        rest = rest.subarray(take);
      }
      if (partSizeBytes !== null) part.update(rest);
      inPart += rest.length;
      total += chunk.length;
      options.onBytes?.(total);
      callback();
    },
  });
  await pipeline(createReadStream(path, { highWaterMark: CHUNK_BYTES }), splitter, {
    signal: options.signal,
  });
  if (partSizeBytes !== null && (inPart > 0 || partSha256s.length === 0))
    partSha256s.push(part.digest('hex'));
  return { sha256: whole.digest('hex'), sizeBytes: total, partSha256s };
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
