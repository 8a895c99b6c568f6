/**
 * The local side of a vault file: where it lives, whether it is writable (only while you hold its
 * lock), and getting a version into place: a temporary file beside the target, verified, then renamed.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Download } from '#shared/model';
import { conflictError, notFoundError, usageError } from './errors';
import { trackTemporaryFile } from './interrupt';
import type { Progress } from './output';
import { sendSettings } from './send';
import { type Digest, downloadToFile, hashFile, statFile, VerificationError } from './transfer';
import { PARTIAL_SUFFIX } from './workspace-paths';

/** The last segment of a vault name: the file's name on disk. */
export const vaultBaseName = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

/** Where a vault file goes: `output` (a file, or a directory to put it in), else the current directory. */
export const localPathFor = async (name: string, output?: string): Promise<string> => {
  if (!output) return resolve(vaultBaseName(name));
  if (output.endsWith('/') || output.endsWith(sep)) return resolve(output, vaultBaseName(name));
  const existing = await statFile(output);
  return existing?.isDirectory() ? resolve(output, vaultBaseName(name)) : resolve(output);
};

export const isWritable = (mode: number): boolean => (mode & 0o200) !== 0;

/** `chmod u+w` or `chmod a-w`: the mark of a file you hold the lock of, or not. */
export const setWritable = async (path: string, writable: boolean): Promise<void> => {
  const { mode } = await stat(path);
  const next = writable ? mode | 0o200 : mode & ~0o222;
  if ((next & 0o7777) !== (mode & 0o7777)) await chmod(path, next & 0o7777);
};

export const setWritableIfPresent = async (path: string, writable: boolean): Promise<boolean> => {
  if (!(await statFile(path))?.isFile()) return false;
  await setWritable(path, writable);
  return true;
};

/**
 * Renames a local file. A rename that changes only the case of the path goes through a temporary
 * name beside it: on a case-insensitive file system (Windows, macOS) both spellings are one file, and
 * a direct rename may keep the old spelling. Interrupted halfway, the file is left under that
 * temporary name (`.<name>.<random>.camvault-rename`), which status shows as a new local file.
 */
export const renameLocal = async (from: string, to: string): Promise<void> => {
  if (from === to) return;
  if (from.toLowerCase() !== to.toLowerCase()) {
    await rename(from, to);
    return;
  }
  const temporary = join(
    dirname(from),
    `.${basename(from)}.${randomBytes(4).toString('hex')}.camvault-rename`,
  );
  await rename(from, temporary);
  try {
    await rename(temporary, to);
  } catch (error) {
    await rename(temporary, from).catch(() => undefined);
    throw error;
  }
};

/** A writable local file that differs from the version about to replace it: someone's edits. */
export class LocalChangesError extends Error {}

export interface Fetched {
  path: string;
  /** false when the local file already held exactly these bytes (nothing was transferred). */
  downloaded: boolean;
  /** true when the local file had edits and was kept (`localChanges: 'keep'`). */
  keptLocalChanges: boolean;
}

const sameBytes = (digest: Digest, link: Download) =>
  digest.sizeBytes === link.sizeBytes && digest.sha256 === link.sha256;

/**
 * Puts the version `link` points at into `path`: streamed to a temporary file in the same directory,
 * checked against the size and SHA-256 the vault gave, made read-only or writable, then renamed into
 * place. A local file with the same bytes is left alone; a read-only one (a copy this tool left) is
 * replaced; a writable one that differs holds edits and, unless `localChanges` says otherwise, is an error.
 */
export const fetchVersion = async (
  link: Download,
  path: string,
  options: {
    writable: boolean;
    localChanges: 'error' | 'keep' | 'overwrite';
    signal: AbortSignal;
    progress: Progress;
  },
): Promise<Fetched> => {
  const { signal, progress } = options;
  if (!(await statFile(dirname(path)))?.isDirectory())
    throw notFoundError(`no such directory: ${dirname(path)}`);
  const existing = await statFile(path);
  if (existing && !existing.isFile()) throw usageError(`${path} exists and is not a file`);
  if (existing) {
    const edited = isWritable(existing.mode);
    let same = false;
    if (existing.size === link.sizeBytes) {
      progress.start('checking', existing.size);
      try {
        same = sameBytes(await hashFile(path, { signal, onBytes: progress.update }), link);
      } finally {
        progress.stop();
      }
    }
    if (same) {
      await setWritable(path, options.writable);
      return { path, downloaded: false, keptLocalChanges: false };
    }
    if (edited && options.localChanges === 'keep') return { path, downloaded: false, keptLocalChanges: true };
    if (edited && options.localChanges === 'error') {
      throw conflictError(
        `${path} has local changes (it differs from ${link.name} version ${link.version}); move it away or pass --force to overwrite it`,
        'LOCAL_CHANGES',
      );
    }
  }

  progress.start('downloading', link.sizeBytes);
  try {
    await placeVersion(link, path, { writable: options.writable, signal, onBytes: progress.update });
  } finally {
    progress.stop();
  }
  return { path, downloaded: true, keptLocalChanges: false };
};

/**
 * Downloads the version `link` points at to a temporary file beside `path` (synced to disk), checks
 * its size and SHA-256, sets it read-only or writable, then renames it over `path`: an interruption
 * at any point leaves `path` as it was, never a partial file under its name.
 */
export const placeVersion = async (
  link: Download,
  path: string,
  options: { writable: boolean; signal: AbortSignal; onBytes?: (bytes: number) => void },
): Promise<void> => {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${randomBytes(4).toString('hex')}${PARTIAL_SUFFIX}`,
  );
  const tracked = trackTemporaryFile(temporary);
  try {
    const digest = await downloadToFile(link.url, temporary, {
      expectedBytes: link.sizeBytes,
      parallel: sendSettings().parallel,
      signal: options.signal,
      onBytes: options.onBytes,
    });
    if (!sameBytes(digest, link)) {
      throw new VerificationError(
        `the download of ${link.name} version ${link.version} is corrupt: got ${digest.sizeBytes} bytes with SHA-256 ${digest.sha256}, expected ${link.sizeBytes} bytes with SHA-256 ${link.sha256}; nothing was saved`,
      );
    }
    await setWritable(temporary, options.writable);
    // Windows refuses to rename over a read-only file.
    await setWritableIfPresent(path, true);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    tracked.release();
  }
};
