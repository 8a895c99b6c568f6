/** What each command does, given a connected client: one function per command, output through `out`. */

import { basename, resolve } from 'node:path';
import type { FileStatus, VaultFile, Version } from '#shared/model';
import type { VaultApi } from './api';
import { CliError, conflictError, EXIT, interrupted, notFoundError, usageError } from './errors';
import { describeLock, humanBytes, shortTime } from './format';
import { lockSummary, type Output, table } from './output';
import type { PendingUpload } from './pending-uploads';
import { Sender } from './send';
import { statFile } from './transfer';
import { fetchVersion, localPathFor, setWritable, setWritableIfPresent, vaultBaseName } from './working-copy';

export interface Context {
  api: VaultApi;
  /** The caller's user name from the token, or null when it cannot be read. */
  me: string | null;
  out: Output;
  /** Aborted by Ctrl-C. */
  signal: AbortSignal;
}

/** Runs `work`; if Ctrl-C cut it short, reports `message` instead of whatever error the abort raised. */
const unlessInterrupted = async <T>(
  context: Context,
  message: string,
  work: () => Promise<T>,
): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    if (context.signal.aborted) throw interrupted(message);
    throw error;
  }
};

/** The upload's check-in; an upload the vault refused (412) or no longer has (404) is staged anew next time. */
const commitSent = async (
  context: Context,
  sender: Sender,
  pending: PendingUpload,
  uploadId: string,
  name: string,
  options: { message?: string; keep?: boolean },
) => {
  try {
    const committed = await context.api.checkin(name, {
      uploadId,
      message: options.message,
      keepLock: options.keep === true,
    });
    await sender.finished(pending);
    return committed;
  } catch (error) {
    if (error instanceof CliError && ['PRECONDITION_FAILED', 'NOT_FOUND'].includes(error.code))
      await sender.refused(pending);
    throw error;
  }
};

/** A local regular file to send, or exit 4. */
const requireLocalFile = async (path: string) => {
  const found = await statFile(path);
  if (!found) throw notFoundError(`no such file: ${path}`);
  if (!found.isFile()) throw notFoundError(`not a regular file: ${path}`);
  return found;
};

const fileRows = (files: VaultFile[]) =>
  files.map((file) => [
    file.name,
    String(file.version),
    humanBytes(file.sizeBytes),
    shortTime(file.modifiedAt),
    file.status === 'checked_out' ? 'checked out' : 'available',
    file.lock?.user ?? '',
  ]);

export const ls = async (
  context: Context,
  prefix: string | undefined,
  options: { status?: FileStatus; mine?: boolean },
) => {
  if (options.mine && options.status === 'available')
    throw usageError('--mine lists files checked out to you; it cannot be combined with --status available');
  if (options.mine && !context.me)
    throw usageError('cannot tell who you are from the token; use locks --user');
  const status = options.mine ? 'checked_out' : options.status;
  let files = await context.api.listFiles({ prefix, status });
  if (options.mine) files = files.filter((file) => file.lock?.user === context.me);
  context.out.result(
    files,
    files.length === 0
      ? 'no files'
      : table(['NAME', 'VERSION', 'SIZE', 'MODIFIED', 'STATUS', 'HOLDER'], fileRows(files)),
  );
};

export const info = async (context: Context, name: string) => {
  const file = await context.api.getFile(name);
  const rows = [
    ['name', file.name],
    ['version', String(file.version)],
    ['size', `${humanBytes(file.sizeBytes)} (${file.sizeBytes} bytes)`],
    ['sha256', file.sha256],
    ['modified', `${shortTime(file.modifiedAt)} by ${file.modifiedBy}`],
    ['status', lockSummary(file.lock)],
  ];
  if (file.lock?.expiresAt) rows.push(['lock expires', shortTime(file.lock.expiresAt)]);
  context.out.result(file, rows.map(([key, value]) => `${`${key}:`.padEnd(14)}${value}`).join('\n'));
};

export const history = async (context: Context, name: string) => {
  const versions: Version[] = await context.api.listVersions(name);
  context.out.result(
    versions,
    table(
      ['VERSION', 'SIZE', 'CREATED', 'USER', 'MESSAGE'],
      versions.map((version) => [
        String(version.version),
        humanBytes(version.sizeBytes),
        shortTime(version.createdAt),
        version.user,
        version.message,
      ]),
    ),
  );
};

export const locks = async (context: Context, options: { user?: string }) => {
  const held = await context.api.listLocks(options.user);
  context.out.result(
    held,
    held.length === 0
      ? 'no files are checked out'
      : table(
          ['NAME', 'USER', 'SINCE', 'MESSAGE'],
          held.map((lock) => [
            // (v2) A Git LFS lock is of a path in a repository, not of a vault file.
            lock.lfsRepo === undefined ? lock.name : `${lock.name} (Git LFS ${lock.lfsRepo})`,
            lock.user,
            shortTime(lock.acquiredAt),
            lock.message,
          ]),
        ),
  );
};

export const get = async (
  context: Context,
  name: string,
  options: { version?: number; output?: string; force?: boolean },
) => {
  const file = await context.api.getFile(name);
  const link = await context.api.download(name, options.version);
  const path = await localPathFor(file.name, options.output);
  const writable = context.me !== null && file.lock?.user === context.me;
  const fetched = await unlessInterrupted(context, `interrupted: ${path} was not changed`, () =>
    fetchVersion(link, path, {
      writable,
      localChanges: options.force ? 'overwrite' : 'error',
      signal: context.signal,
      progress: context.out.progress,
    }),
  );
  context.out.result(
    {
      name: link.name,
      version: link.version,
      sizeBytes: link.sizeBytes,
      sha256: link.sha256,
      path,
      downloaded: fetched.downloaded,
      writable,
    },
    `${link.name} version ${link.version} -> ${path} (${humanBytes(link.sizeBytes)}, ${writable ? 'writable: checked out to you' : 'read-only'}${fetched.downloaded ? '' : ', already up to date'})`,
  );
};

export const checkout = async (
  context: Context,
  name: string,
  options: { message?: string; output?: string; force?: boolean },
) => {
  const { lock, file, created } = await context.api.checkout(name, options.message);
  const path = await localPathFor(file.name, options.output);
  const stillYours = `${file.name} stays checked out to you`;
  let fetched: Awaited<ReturnType<typeof fetchVersion>>;
  try {
    const link = await context.api.download(file.name, file.version);
    fetched = await unlessInterrupted(
      context,
      `interrupted: ${stillYours} but ${path} was not changed; run camvault checkout again to fetch it, or camvault undo to release it`,
      () =>
        fetchVersion(link, path, {
          writable: true,
          // Re-running checkout on your own lock must never throw away your edits.
          localChanges: options.force ? 'overwrite' : created ? 'error' : 'keep',
          signal: context.signal,
          progress: context.out.progress,
        }),
    );
  } catch (error) {
    if (error instanceof CliError && error.code === 'LOCAL_CHANGES') {
      throw conflictError(
        `${stillYours}, but ${path} has local changes (it differs from version ${file.version}): check them in with camvault checkin, or overwrite them with camvault checkout --force`,
        'LOCAL_CHANGES',
      );
    }
    throw error;
  }
  const state = fetched.keptLocalChanges
    ? 'kept your local changes'
    : fetched.downloaded
      ? `version ${file.version}, ${humanBytes(file.sizeBytes)}`
      : `version ${file.version}, already up to date`;
  context.out.result(
    { lock, file, path, created, downloaded: fetched.downloaded, keptLocalChanges: fetched.keptLocalChanges },
    `${created ? 'checked out' : 'already checked out to you:'} ${file.name} -> ${path} (${state}, writable)`,
  );
};

/** `unchanged`: the local copy is known (a workspace's record) to be exactly the version it holds, so it is not read. */
export const checkin = async (
  context: Context,
  name: string,
  pathArgument: string | undefined,
  options: { message?: string; keep?: boolean },
  unchanged?: { sha256: string; sizeBytes: number },
): Promise<VaultFile> => {
  const path = resolve(pathArgument ?? vaultBaseName(name));
  const local = await requireLocalFile(path);
  const file = await context.api.getFile(name);
  if (!file.lock)
    throw conflictError(
      `${file.name} is not checked out; check it out first: camvault checkout ${file.name}`,
      'NOT_LOCKED',
    );
  if (context.me !== null && file.lock.user !== context.me)
    throw new CliError(describeLock(file.lock), EXIT.conflict, 'LOCKED', { lock: file.lock });
  const keep = options.keep === true;

  const sender = new Sender(context);
  const sameAsFile = unchanged?.sha256 === file.sha256 && unchanged.sizeBytes === file.sizeBytes;
  const pending = sameAsFile
    ? null
    : await unlessInterrupted(context, 'interrupted: nothing was checked in', () =>
        sender.prepare(path, file.name, local),
      );
  const digest = pending?.digest ?? { sha256: file.sha256, sizeBytes: file.sizeBytes };
  if (digest.sha256 === file.sha256 && digest.sizeBytes === file.sizeBytes) {
    if (pending) await sender.finished(pending);
    if (keep) {
      context.out.result(
        { file, version: null, path, changed: false },
        `no changes in ${path}: ${file.name} stays checked out to you (version ${file.version})`,
      );
      return file;
    }
    const released = await context.api.checkin(file.name, { message: options.message });
    await setWritable(path, false);
    context.out.result(
      { ...released, path, changed: false },
      `no changes in ${path}: released ${file.name} without a new version (still version ${file.version}); ${path} is read-only`,
    );
    return released.file;
  }

  if (!pending) throw new Error('a changed file was not hashed');
  const upload = await unlessInterrupted(
    context,
    `interrupted before the upload finished: nothing was checked in; ${file.name} stays checked out to you, and camvault checkin sends the rest`,
    () => sender.send(pending),
  );
  const committed = await commitSent(context, sender, pending, upload.uploadId, file.name, options);
  await setWritable(path, keep);
  context.out.result(
    { ...committed, path, changed: true },
    `checked in ${committed.file.name} as version ${committed.version?.version} (${humanBytes(digest.sizeBytes)}); ${keep ? 'it stays checked out to you' : `lock released, ${path} is read-only`}`,
  );
  return committed.file;
};

export const add = async (
  context: Context,
  pathArgument: string,
  nameArgument: string | undefined,
  options: { message?: string; keep?: boolean },
): Promise<VaultFile> => {
  const path = resolve(pathArgument);
  const local = await requireLocalFile(path);
  const name = nameArgument ?? basename(path);
  const existing = await context.api.getFile(name).catch((error: unknown) => {
    if (error instanceof CliError && error.code === 'NOT_FOUND') return null;
    throw error;
  });
  if (existing)
    throw conflictError(
      `${existing.name} already exists in the vault (version ${existing.version}); to change it: camvault checkout, edit, camvault checkin`,
      'ALREADY_EXISTS',
    );
  const keep = options.keep === true;
  const sender = new Sender(context);
  const pending = await unlessInterrupted(context, 'interrupted: nothing was added', () =>
    sender.prepare(path, name, local),
  );
  const upload = await unlessInterrupted(
    context,
    'interrupted before the upload finished: nothing was added; camvault add sends the rest',
    () => sender.send(pending),
  );
  const committed = await commitSent(context, sender, pending, upload.uploadId, upload.name, options);
  await setWritable(path, keep);
  context.out.result(
    { ...committed, path },
    `added ${committed.file.name} as version 1 (${humanBytes(pending.digest.sizeBytes)}); ${keep ? 'it is checked out to you' : `${path} is now read-only`}`,
  );
  return committed.file;
};

/** `localPath`: the file's copy, when it is not ./<base name> (in a workspace). */
export const undo = async (context: Context, name: string, localPath?: string) => {
  const { released } = await context.api.releaseLock(name, false);
  const path = localPath ?? resolve(vaultBaseName(released.name));
  const madeReadOnly = await setWritableIfPresent(path, false);
  context.out.result(
    { released, path: madeReadOnly ? path : null },
    `released your lock on ${released.name}${madeReadOnly ? `; ${path} is read-only (its edits are not in the vault)` : ''}`,
  );
};

export const breakLock = async (context: Context, name: string) => {
  const { released } = await context.api.releaseLock(name, true);
  context.out.result(
    { released },
    `broke the lock of ${released.user} on ${released.name} (held since ${shortTime(released.acquiredAt)})`,
  );
};
