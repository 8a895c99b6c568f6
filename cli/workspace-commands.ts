/**
 * The workspace commands: init, status and sync (get latest), and checkout / checkin / add / undo /
 * get by local path, each keeping the workspace's state of what it wrote.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { VaultFile } from '#shared/model';
import * as commands from './commands';
import { conflictError, usageError } from './errors';
import { humanBytes } from './format';
import { hashFile, statFile } from './transfer';
import { placeVersion, setWritable } from './working-copy';
import { Workspace } from './workspace';
import type { StatusEntry } from './workspace-status';
import { workspaceStatus } from './workspace-status';

export interface WorkspaceContext extends commands.Context {
  workspace: Workspace;
  cwd: string;
}

export const init = async (
  context: Pick<commands.Context, 'out'>,
  cwd: string,
  prefix: string | undefined,
  url: string | undefined,
) => {
  const workspace = await Workspace.create(cwd, prefix ?? '', url ?? null);
  context.out.result(
    { root: workspace.root, prefix: workspace.prefix, url: workspace.url },
    `${workspace.root} is now a camvault workspace of ${workspace.prefix === '' ? 'the whole vault' : workspace.prefix}; run camvault sync to get the latest files`,
  );
};

/**
 * How a local copy stands against what the workspace wrote there: hashed only when its size or mtime
 * moved. `untracked`: something the CLI did not write; `same` tells whether it holds `file`'s bytes.
 */
const localCopy = async (
  context: WorkspaceContext,
  name: string,
  localPath: string,
  file?: Pick<VaultFile, 'sha256' | 'sizeBytes'>,
): Promise<'unchanged' | 'modified' | 'missing' | 'untracked' | 'same'> => {
  const found = await statFile(localPath);
  if (!found?.isFile()) return 'missing';
  const tracked = context.workspace.tracked(name);
  if (tracked && found.size === tracked.sizeBytes && found.mtimeMs === tracked.mtimeMs) return 'unchanged';
  const digest = await hashFile(localPath, { signal: context.signal });
  if (tracked && digest.sha256 === tracked.sha256) return 'unchanged';
  if (file && digest.sha256 === file.sha256 && digest.sizeBytes === file.sizeBytes) return 'same';
  return tracked ? 'modified' : 'untracked';
};

/** Downloads `version` (default: the latest) of `file` into its place and records it. */
const fetchInto = async (
  context: WorkspaceContext,
  file: VaultFile,
  localPath: string,
  writable: boolean,
  version?: number,
) => {
  const link = await context.api.download(file.name, version ?? file.version);
  await mkdir(path.dirname(localPath), { recursive: true });
  context.out.progress.start('downloading', link.sizeBytes);
  try {
    await placeVersion(link, localPath, {
      writable,
      signal: context.signal,
      onBytes: context.out.progress.update,
    });
  } finally {
    context.out.progress.stop();
  }
  context.workspace.record(
    { ...file, version: link.version, sha256: link.sha256, sizeBytes: link.sizeBytes },
    await stat(localPath),
  );
  return link;
};

const shown = (context: WorkspaceContext, localPath: string) => path.relative(context.cwd, localPath) || '.';

export const checkout = async (
  context: WorkspaceContext,
  argument: string,
  options: { message?: string; force?: boolean },
) => {
  const { name, localPath } = context.workspace.resolve(context.cwd, argument);
  const { lock, file, created } = await context.api.checkout(name, options.message);
  const tracked = context.workspace.tracked(file.name);
  const copy = await localCopy(context, file.name, localPath, file);
  const where = shown(context, localPath);
  let state: string;
  if (copy === 'same' || (copy === 'unchanged' && tracked?.version === file.version)) {
    await setWritable(localPath, true);
    if (copy === 'same') context.workspace.record(file, await stat(localPath));
    state = `version ${file.version}, already up to date`;
  } else if (copy === 'modified' && tracked?.version === file.version && !options.force) {
    await setWritable(localPath, true);
    state = 'kept your local changes';
  } else if ((copy === 'modified' || copy === 'untracked') && !options.force) {
    throw conflictError(
      `${file.name} stays checked out to you, but ${where} has local changes and the vault has a newer version (${file.version}): move your copy away and run camvault checkout again, or overwrite it with camvault checkout --force`,
      'LOCAL_CHANGES',
    );
  } else {
    await fetchInto(context, file, localPath, true);
    state = `version ${file.version}, ${humanBytes(file.sizeBytes)}`;
  }
  await context.workspace.save();
  context.out.result(
    { lock, file, path: localPath, created },
    `${created ? 'checked out' : 'already checked out to you:'} ${file.name} -> ${where} (${state}, writable)`,
  );
};

export const checkin = async (
  context: WorkspaceContext,
  argument: string,
  options: { message?: string; keep?: boolean },
) => {
  const { name, localPath } = context.workspace.resolve(context.cwd, argument);
  // A copy the workspace wrote and nobody touched since (same size and mtime) holds its version: no read.
  const tracked = context.workspace.tracked(name);
  const found = await statFile(localPath);
  const unchanged =
    tracked && found && found.size === tracked.sizeBytes && found.mtimeMs === tracked.mtimeMs
      ? tracked
      : undefined;
  const file = await commands.checkin(context, name, localPath, options, unchanged);
  context.workspace.record(file, await stat(localPath));
  await context.workspace.save();
};

export const add = async (
  context: WorkspaceContext,
  argument: string,
  options: { message?: string; keep?: boolean },
) => {
  const { name, localPath } = context.workspace.resolve(context.cwd, argument);
  const file = await commands.add(context, localPath, name, options);
  context.workspace.record(file, await stat(localPath));
  await context.workspace.save();
};

export const undo = async (context: WorkspaceContext, argument: string) => {
  const { name, localPath } = context.workspace.resolve(context.cwd, argument);
  await commands.undo(context, name, localPath);
};

export const get = async (
  context: WorkspaceContext,
  argument: string,
  options: { version?: number; force?: boolean },
) => {
  const { name, localPath } = context.workspace.resolve(context.cwd, argument);
  const file = await context.api.getFile(name);
  const copy = await localCopy(context, file.name, localPath);
  if ((copy === 'modified' || copy === 'untracked') && !options.force)
    throw conflictError(
      `${shown(context, localPath)} has local changes; check them in, or throw them away with camvault get --force`,
      'LOCAL_CHANGES',
    );
  const writable = context.me !== null && file.lock?.user === context.me;
  const link = await fetchInto(context, file, localPath, writable, options.version);
  await context.workspace.save();
  context.out.result(
    {
      name: link.name,
      version: link.version,
      sizeBytes: link.sizeBytes,
      sha256: link.sha256,
      path: localPath,
      writable,
    },
    `${link.name} version ${link.version} -> ${shown(context, localPath)} (${humanBytes(link.sizeBytes)}, ${writable ? 'writable: checked out to you' : 'read-only'})`,
  );
};

/** A vault folder, or one file, from a local path argument (default: the current directory). */
export const scopeOf = async (context: WorkspaceContext, argument: string | undefined) => {
  const target = path.resolve(context.cwd, argument ?? '.');
  if (argument === undefined || (await statFile(target))?.isDirectory()) {
    const folder = context.workspace.folder(context.cwd, argument);
    if (folder === null) throw usageError(`${argument} is not in the workspace ${context.workspace.root}`);
    return { folder };
  }
  return { file: context.workspace.resolve(context.cwd, argument).name };
};

const LOCAL_CODE = { unchanged: ' ', modified: 'M', missing: '!', absent: ' ', untracked: '?' } as const;
const VAULT_CODE = { current: ' ', newer: '>', deleted: 'D', moved: 'R', none: '?' } as const;

const describe = (entry: StatusEntry, me: string | null): string => {
  const parts: string[] = [];
  if (entry.local === 'modified') parts.push('modified locally');
  if (entry.local === 'missing') parts.push('missing locally');
  if (entry.vault === 'none') parts.push('new local file, not in the vault');
  if (entry.vault === 'newer')
    parts.push(
      entry.local === 'absent'
        ? `in the vault (version ${entry.vaultVersion}), not here yet`
        : entry.local === 'untracked'
          ? `a local file that differs from the vault's version ${entry.vaultVersion}`
          : `out of date: version ${entry.vaultVersion} in the vault, you have ${entry.localVersion}`,
    );
  if (entry.vault === 'deleted') parts.push('deleted in the vault');
  if (entry.vault === 'moved') parts.push(`moved in the vault to ${entry.movedTo}`);
  if (entry.lock)
    parts.push(entry.lock.user === me ? 'checked out by you' : `checked out by ${entry.lock.user}`);
  return parts.join('; ');
};

export const statusCode = (entry: StatusEntry, me: string | null): string =>
  `${LOCAL_CODE[entry.local]}${entry.local === 'absent' && entry.vault === 'newer' ? '+' : VAULT_CODE[entry.vault]}${
    entry.lock ? (entry.lock.user === me ? 'K' : 'L') : ' '
  }`;

const worthShowing = (entry: StatusEntry) =>
  entry.local !== 'unchanged' || entry.vault !== 'current' || entry.lock !== null;

export const status = async (context: WorkspaceContext, argument: string | undefined) => {
  const scope = await scopeOf(context, argument);
  const { entries } = await workspaceStatus(context.api, context.workspace, scope, context.signal);
  await context.workspace.save();
  const shownEntries = entries.filter(worthShowing);
  context.out.result(
    {
      root: context.workspace.root,
      prefix: context.workspace.prefix,
      entries: shownEntries.map(({ file: _file, sizeBytes: _size, ...entry }) => ({
        ...entry,
        code: statusCode(entry as StatusEntry, context.me),
      })),
    },
    shownEntries.length === 0
      ? `up to date: ${entries.length} file${entries.length === 1 ? '' : 's'}, nothing changed here or in the vault`
      : shownEntries
          .map(
            (entry) =>
              `${statusCode(entry, context.me)} ${shown(context, entry.path)}  (${describe(entry, context.me)})`,
          )
          .join('\n'),
  );
};
