/**
 * Uploads this machine began and has not checked in yet, remembered in the config directory
 * (`uploads/`, one owner-only file each) so that another run resumes them: for a local file that is
 * still as it was (same size and mtime) the digest is known, so it is not read again to hash it, and
 * only the parts storage does not hold yet are sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configDirectory } from './config';

const FORMAT = 1;

/** A local file's SHA-256, and its parts' when it goes in parts (`partSizeBytes` null: one PUT). */
export interface LocalDigest {
  sha256: string;
  sizeBytes: number;
  partSizeBytes: number | null;
  partSha256s: string[];
}

export interface PendingUpload {
  /** The vault it was staged on. */
  vault: string;
  /** The local file, absolute. */
  path: string;
  /** The vault name it was staged for. */
  name: string;
  mtimeMs: number;
  digest: LocalDigest;
  /** Null until the upload is staged (the digest is kept from the moment it is known). */
  uploadId: string | null;
}

const directory = (): string => join(configDirectory(), 'uploads');

/** One file per vault and local path. */
const fileOf = (vault: string, path: string): string =>
  join(directory(), `${createHash('sha256').update(`${vault}\n${path}`).digest('hex').slice(0, 32)}.json`);

const isPending = (value: unknown): value is PendingUpload & { format: number } => {
  const record = value as Partial<PendingUpload & { format: number }> | null;
  const digest = record?.digest;
  return (
    record?.format === FORMAT &&
    typeof record.vault === 'string' &&
    typeof record.path === 'string' &&
    typeof record.name === 'string' &&
    typeof record.mtimeMs === 'number' &&
    (record.uploadId === null || typeof record.uploadId === 'string') &&
    typeof digest?.sha256 === 'string' &&
    typeof digest.sizeBytes === 'number' &&
    (digest.partSizeBytes === null || typeof digest.partSizeBytes === 'number') &&
    Array.isArray(digest.partSha256s)
  );
};

/** The upload remembered for this file on this vault, if the file is still exactly as it was. */
export const findPending = async (
  vault: string,
  path: string,
  stats: Stats,
): Promise<PendingUpload | null> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(fileOf(vault, path), 'utf8'));
  } catch {
    // none, or unreadable: either way nothing to resume
    return null;
  }
  if (!isPending(parsed) || parsed.vault !== vault || parsed.path !== path) return null;
  if (parsed.digest.sizeBytes !== stats.size || parsed.mtimeMs !== stats.mtimeMs) return null;
  const { format: _format, ...pending } = parsed;
  return pending;
};

/** Writes it owner-only, by a rename, so a crash leaves the old record or the new one. */
export const rememberPending = async (pending: PendingUpload): Promise<void> => {
  await mkdir(directory(), { recursive: true, mode: 0o700 });
  const target = fileOf(pending.vault, pending.path);
  const temporary = `${target}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temporary, JSON.stringify({ format: FORMAT, ...pending }), { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
};

export const forgetPending = (pending: Pick<PendingUpload, 'vault' | 'path'>): Promise<void> =>
  rm(fileOf(pending.vault, pending.path), { force: true });
