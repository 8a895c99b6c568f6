/**
 * Sending a local file to the vault. A file larger than one part goes in parts, several at once
 * (`CAMVAULT_PARALLEL`, default 8), each streamed from disk and retried with backoff on its own; a
 * smaller one in one PUT. The file is read once to hash it (its SHA-256 and its parts' are declared
 * before anything is sent) and once to send it; the upload is remembered in the config directory, so
 * a run that was cut off is resumed by the next one: the file is not hashed again if it is as it was,
 * and only the parts storage does not hold are sent.
 */
import type { Stats } from 'node:fs';
import type { Part, PartUrl, Upload } from '#shared/model';
import type { Context } from './commands';
import { CliError, usageError } from './errors';
import {
  findPending,
  forgetPending,
  type LocalDigest,
  type PendingUpload,
  rememberPending,
} from './pending-uploads';
import { digestFile, putBytes, uploadFile, VerificationError } from './transfer';

const MiB = 1024 ** 2;
/** Storage's limits: parts of 5 MiB to 5 GiB, at most 10,000 of them. */
const MIN_PART_BYTES = 5 * MiB;
const MAX_PART_BYTES = 5 * 1024 ** 3;
const MAX_PARTS = 10_000;
/** The vault's own choice too: a cut connection loses little, eight parts in flight stay small. */
const DEFAULT_PART_BYTES = 16 * MiB;
const DEFAULT_PARALLEL = 8;
/** Tries of one part before the upload gives up (it can still be resumed by the next run). */
const PART_ATTEMPTS = 6;
/** URLs asked for at once, and how long before its expiry a URL is asked for again. */
const URLS_PER_ASK = 32;
const URL_MARGIN_MS = 60_000;

export interface SendSettings {
  /** Parts in flight at once. */
  parallel: number;
  /** Null: the vault's own choice. */
  partSizeBytes: number | null;
}

const integerSetting = (env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | null => {
  const raw = env[name]?.trim();
  if (!raw) return null;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw usageError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
};

export const sendSettings = (env: NodeJS.ProcessEnv = process.env): SendSettings => ({
  parallel: integerSetting(env, 'CAMVAULT_PARALLEL', 1, 64) ?? DEFAULT_PARALLEL,
  partSizeBytes: integerSetting(env, 'CAMVAULT_PART_SIZE', MIN_PART_BYTES, MAX_PART_BYTES),
});

/** The part size a file of `sizeBytes` is sent in, or null for one PUT (it fits in one part). */
export const partSizeFor = (sizeBytes: number, settings: SendSettings): number | null => {
  const wanted = settings.partSizeBytes ?? DEFAULT_PART_BYTES;
  if (sizeBytes <= wanted) return null;
  // Raised, as the vault raises its own, until the file fits in storage's number of parts.
  return Math.max(wanted, Math.ceil(sizeBytes / MAX_PARTS / MiB) * MiB);
};

const spanOf = (digest: LocalDigest, partNumber: number) => {
  const partSize = digest.partSizeBytes ?? digest.sizeBytes;
  const offset = (partNumber - 1) * partSize;
  return { offset, sizeBytes: Math.min(partSize, digest.sizeBytes - offset) };
};

const pause = (attempt: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      resolve,
      Math.min(30_000, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2),
    );
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/** Worth another try: storage or the network failing for a while, or a URL that expired (403). */
const isTransient = (error: unknown): boolean => {
  if (error instanceof VerificationError) return false;
  if (!(error instanceof CliError)) return true;
  const status = Number(error.details.status);
  return (
    error.code === 'ERROR' || error.code === 'NETWORK' || status === 403 || status >= 500 || status === 429
  );
};

/** Presigned part URLs, asked for a batch at a time and again before they expire. */
class PartUrls {
  private readonly cache = new Map<number, PartUrl>();
  private asking: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: Context,
    private readonly uploadId: string,
    private readonly digest: LocalDigest,
    /** The parts still to send, in order: a batch is the one wanted and the next ones without a URL. */
    private readonly order: number[],
  ) {}

  async get(partNumber: number): Promise<PartUrl> {
    const asked = this.asking.then(async () => {
      if (this.fresh(partNumber)) return;
      const batch = [partNumber, ...this.order.filter((n) => n > partNumber && !this.fresh(n))].slice(
        0,
        URLS_PER_ASK,
      );
      const { parts } = await this.context.api.partUrls(
        this.uploadId,
        batch.map((n) => ({ partNumber: n, sha256: this.digest.partSha256s[n - 1] as string })),
      );
      for (const part of parts) this.cache.set(part.partNumber, part);
    });
    this.asking = asked.catch(() => undefined);
    await asked;
    const url = this.cache.get(partNumber);
    if (!url) throw new Error(`the vault gave no URL for part ${partNumber}`);
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

export class Sender {
  constructor(
    private readonly context: Context,
    private readonly settings: SendSettings = sendSettings(),
  ) {}

  /**
   * What there is to send of `path`: an upload an earlier run remembered for it, if the file is still
   * as it was then, else the file hashed (one read), remembered before anything is staged.
   */
  async prepare(path: string, name: string, stats: Stats): Promise<PendingUpload> {
    const vault = this.context.api.url;
    const remembered = await findPending(vault, path, stats);
    if (remembered)
      return { ...remembered, uploadId: remembered.name === name ? remembered.uploadId : null, name };
    const partSizeBytes = partSizeFor(stats.size, this.settings);
    const { progress } = this.context.out;
    progress.start('hashing', stats.size);
    let hashed: Awaited<ReturnType<typeof digestFile>>;
    try {
      hashed = await digestFile(path, partSizeBytes, {
        signal: this.context.signal,
        onBytes: progress.update,
      });
    } finally {
      progress.stop();
    }
    const pending: PendingUpload = {
      vault,
      path,
      name,
      mtimeMs: stats.mtimeMs,
      digest: { ...hashed, partSizeBytes },
      uploadId: null,
    };
    await rememberPending(pending);
    return pending;
  }

  /** Stages the upload (or resumes the remembered one) and sends what storage lacks; the upload to check in. */
  async send(pending: PendingUpload): Promise<Upload> {
    const resumed = pending.uploadId ? await this.resume(pending) : null;
    const upload = resumed?.upload ?? (await this.stage(pending));
    const received = new Set((resumed?.receivedParts ?? []).map((part) => part.partNumber));
    if (upload.method === 'PUT') {
      if (!received.has(1)) await this.sendOnePut(pending, upload);
    } else await this.sendParts(pending, upload.uploadId, upload.partCount, received);
    return upload;
  }

  /** Checked in: nothing is left to resume. */
  finished(pending: PendingUpload): Promise<void> {
    return forgetPending(pending);
  }

  /** The vault refused the upload's bytes: the next run stages anew (the file's digest stays known). */
  async refused(pending: PendingUpload): Promise<void> {
    await rememberPending({ ...pending, uploadId: null });
  }

  /** The remembered upload, if the vault still has it as this digest's; else null (staged anew). */
  private async resume(pending: PendingUpload) {
    try {
      const status = await this.context.api.uploadStatus(pending.uploadId as string);
      const { upload } = status;
      const partSize = upload.method === 'MULTIPART' ? upload.partSizeBytes : null;
      const same =
        upload.sha256 === pending.digest.sha256 &&
        upload.sizeBytes === pending.digest.sizeBytes &&
        partSize === pending.digest.partSizeBytes &&
        status.receivedParts.every(
          (part: Part) => part.sha256 === pending.digest.partSha256s[part.partNumber - 1],
        );
      return same ? status : null;
    } catch (error) {
      if (error instanceof CliError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  private async stage(pending: PendingUpload): Promise<Upload> {
    const { digest } = pending;
    const upload = await this.context.api.stageUpload({
      name: pending.name,
      sizeBytes: digest.sizeBytes,
      sha256: digest.sha256,
      ...(digest.partSizeBytes === null ? {} : { partSizeBytes: digest.partSizeBytes }),
    });
    if (upload.method === 'MULTIPART' && upload.partSizeBytes !== digest.partSizeBytes) {
      // The vault sends in parts what this CLI would have sent in one PUT: hash those parts (a small file).
      const hashed = await digestFile(pending.path, upload.partSizeBytes, { signal: this.context.signal });
      if (hashed.sha256 !== digest.sha256)
        throw new VerificationError(
          `${pending.path} changed while it was being uploaded; run the command again`,
        );
      pending.digest = { ...hashed, partSizeBytes: upload.partSizeBytes };
    }
    pending.uploadId = upload.uploadId;
    await rememberPending(pending);
    return upload;
  }

  private async sendOnePut(pending: PendingUpload, upload: Upload & { method: 'PUT' }): Promise<void> {
    const { progress } = this.context.out;
    progress.start('uploading', upload.sizeBytes);
    try {
      await uploadFile(pending.path, upload, { signal: this.context.signal, onBytes: progress.update });
    } finally {
      progress.stop();
    }
  }

  /** The parts storage lacks, `parallel` at a time in part order (the vault verifies them in order). */
  private async sendParts(
    pending: PendingUpload,
    uploadId: string,
    partCount: number,
    received: Set<number>,
  ) {
    const { digest, path } = pending;
    const { signal, out } = this.context;
    const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !received.has(n));
    const urls = new PartUrls(this.context, uploadId, digest, missing);
    const already = digest.sizeBytes - missing.reduce((sum, n) => sum + spanOf(digest, n).sizeBytes, 0);
    const inFlight = new Map<number, number>();
    let done = already;
    const report = () =>
      out.progress.update(done + [...inFlight.values()].reduce((sum, bytes) => sum + bytes, 0));
    const queue = [...missing];
    const worker = async () => {
      for (let partNumber = queue.shift(); partNumber !== undefined; partNumber = queue.shift()) {
        const span = spanOf(digest, partNumber);
        // Storage and the vault check each part against its declared SHA-256: no third pass over it here.
        const bytes = { ...span, sha256: null };
        for (let attempt = 1; ; attempt++) {
          const part = partNumber;
          try {
            const url = await urls.get(part);
            await putBytes(path, url, bytes, {
              signal,
              onBytes: (sent) => {
                inFlight.set(part, sent);
                report();
              },
            });
            break;
          } catch (error) {
            inFlight.delete(part);
            report();
            if (signal.aborted || attempt >= PART_ATTEMPTS || !isTransient(error)) {
              // This part gave up: the other workers take no new part.
              queue.length = 0;
              throw error;
            }
            if (Number((error as CliError).details?.status) === 403) urls.forget(part);
            await pause(attempt, signal);
          }
        }
        inFlight.delete(partNumber);
        done += span.sizeBytes;
        report();
      }
    };
    out.progress.start('uploading', digest.sizeBytes, already);
    try {
      const workers = Array.from({ length: Math.min(this.settings.parallel, missing.length) }, worker);
      // Every worker ends before the failure, if any, is told: no PUT is left running behind it.
      const failed = (await Promise.allSettled(workers)).find((result) => result.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    } finally {
      out.progress.stop();
    }
  }
}
