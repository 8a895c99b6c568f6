/**
 * The contract v2 commands: move, delete and restore, revert, release and withdraw, the trash, the
 * audit trail and who you are. In a workspace, names may be local paths, and mv / rm / revert keep
 * the local copy and the workspace's state in step.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { nameKey } from '#shared/names';
import type { Context } from './commands';
import { notFoundError } from './errors';
import { shortTime } from './format';
import { table } from './output';
import { hashFile, statFile } from './transfer';
import { placeVersion, renameLocal } from './working-copy';
import type { Workspace } from './workspace';

export interface VaultContext extends Context {
  workspace: Workspace | null;
  cwd: string;
}

/**
 * A vault name and, in a workspace, its local copy. A file the workspace holds is named as the vault
 * spells it; a new name (`'as-given'`) keeps the spelling typed, which may differ only in case.
 */
const target = (
  context: VaultContext,
  argument: string,
  spelling: 'vault' | 'as-given' = 'vault',
): { name: string; localPath: string | null } =>
  context.workspace
    ? context.workspace.resolve(context.cwd, argument, spelling)
    : { name: argument, localPath: null };

/** True when the local copy holds what the workspace last wrote there (hashed only if size or mtime moved). */
const unchangedCopy = async (context: VaultContext, name: string, localPath: string): Promise<boolean> => {
  const tracked = context.workspace?.tracked(name);
  const found = await statFile(localPath);
  if (!tracked || !found?.isFile()) return false;
  if (found.size === tracked.sizeBytes && found.mtimeMs === tracked.mtimeMs) return true;
  return (await hashFile(localPath, { signal: context.signal })).sha256 === tracked.sha256;
};

export const move = async (
  context: VaultContext,
  from: string,
  to: string,
  options: { message?: string },
) => {
  const source = target(context, from);
  const base = source.name.slice(source.name.lastIndexOf('/') + 1);
  // A destination ending in a separator, or a folder that is there, is a folder: the file keeps its
  // base name inside it. (Resolved as a file, a folder's vault name would be refused.)
  const named = to.endsWith('/') || to.endsWith(path.sep) ? null : target(context, to, 'as-given');
  const folder =
    named === null
      ? context.workspace?.resolveFolder(context.cwd, to)
      : named.localPath !== null && (await statFile(named.localPath))?.isDirectory()
        ? { prefix: `${named.name}/`, localPath: named.localPath }
        : undefined;
  const destination =
    folder !== undefined
      ? { name: `${folder.prefix}${base}`, localPath: path.join(folder.localPath, base) }
      : (named ?? { name: `${to.replace(/\/+$/, '')}/${base}`, localPath: null });
  const { file } = await context.api.move(source.name, destination.name, options.message);
  let moved = false;
  if (context.workspace && source.localPath && destination.localPath && (await statFile(source.localPath))) {
    await mkdir(path.dirname(destination.localPath), { recursive: true });
    await renameLocal(source.localPath, destination.localPath);
    const tracked = context.workspace.tracked(source.name);
    context.workspace.forget(source.name);
    if (tracked) context.workspace.record({ ...tracked, name: file.name }, await stat(destination.localPath));
    await context.workspace.save();
    moved = true;
  }
  context.out.result(
    { file, path: moved ? destination.localPath : null },
    `moved ${source.name} to ${file.name}${moved ? `; the local copy moved with it` : ''}`,
  );
};

export const remove = async (context: VaultContext, argument: string, options: { message?: string }) => {
  const { name, localPath } = target(context, argument);
  const { trashed } = await context.api.deleteFile(name, options.message);
  let local = '';
  if (context.workspace && localPath) {
    if (await unchangedCopy(context, name, localPath)) {
      await rm(localPath, { force: true });
      local = '; the local copy is removed';
    } else if (await statFile(localPath))
      local = `; ${localPath} has changes the vault never had and is kept`;
    context.workspace.forget(name);
    await context.workspace.save();
  }
  context.out.result(
    { trashed },
    `deleted ${trashed.name} (in the trash with its ${trashed.version} version${trashed.version === 1 ? '' : 's'}: camvault restore ${trashed.name})${local}`,
  );
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const restore = async (context: VaultContext, argument: string, options: { as?: string }) => {
  let fileId = argument;
  if (!UUID.test(argument)) {
    const { name } = target(context, argument);
    const folder = name.slice(0, name.lastIndexOf('/') + 1);
    const match = (await context.api.listTrash(folder || undefined)).find(
      (item) => nameKey(item.name) === nameKey(name),
    );
    if (!match) throw notFoundError(`${name} is not in the trash (see camvault trash)`);
    fileId = match.fileId;
  }
  const as = options.as === undefined ? undefined : target(context, options.as, 'as-given').name;
  const { file } = await context.api.restore(fileId, as);
  context.out.result(
    { file },
    `restored ${file.name} (version ${file.version}, available)${context.workspace ? '; camvault sync fetches it' : ''}`,
  );
};

export const revert = async (
  context: VaultContext,
  argument: string,
  options: { to: number; message?: string; keep?: boolean },
) => {
  const { name, localPath } = target(context, argument);
  const keep = options.keep === true;
  const refresh = context.workspace && localPath && (await unchangedCopy(context, name, localPath));
  const { file, version } = await context.api.checkin(name, {
    fromVersion: options.to,
    message: options.message ?? `revert to version ${options.to}`,
    keepLock: keep,
  });
  if (refresh && context.workspace && localPath) {
    const link = await context.api.download(file.name, file.version);
    await placeVersion(link, localPath, { writable: keep, signal: context.signal });
    context.workspace.record(file, await stat(localPath));
    await context.workspace.save();
  }
  context.out.result(
    { file, version },
    `reverted ${file.name} to the bytes of version ${options.to}, as version ${version?.version}${refresh ? `; ${localPath} holds it` : ''}${keep ? '; it stays checked out to you' : ''}`,
  );
};

export const release = async (
  context: VaultContext,
  argument: string,
  options: { version?: number; message: string },
) => {
  const { name } = target(context, argument);
  const version = options.version ?? (await context.api.getFile(name)).version;
  const { file } = await context.api.release(name, version, options.message);
  context.out.result({ file }, `released version ${version} of ${file.name} to the shop floor`);
};

export const withdraw = async (context: VaultContext, argument: string, options: { message: string }) => {
  const { name } = target(context, argument);
  const { file } = await context.api.withdraw(name, options.message);
  context.out.result({ file }, `withdrew the release of ${file.name}: operators see no version of it now`);
};

export const trash = async (context: VaultContext, prefix: string | undefined) => {
  const items = await context.api.listTrash(prefix);
  context.out.result(
    items,
    items.length === 0
      ? 'the trash is empty'
      : table(
          ['NAME', 'VERSIONS', 'DELETED', 'BY', 'FILE ID'],
          items.map((item) => [
            item.name,
            String(item.version),
            shortTime(item.deletedAt),
            item.deletedBy,
            item.fileId,
          ]),
        ),
  );
};

export const audit = async (
  context: VaultContext,
  argument: string | undefined,
  options: { user?: string; type?: string; since?: string; limit?: number },
) => {
  const name = argument === undefined ? undefined : target(context, argument).name;
  const { entries } = await context.api.audit({ name, ...options, limit: options.limit ?? 50 });
  context.out.result(
    entries,
    entries.length === 0
      ? 'no entries'
      : table(
          ['AT', 'TYPE', 'USER', 'NAME'],
          entries.map((entry) => [shortTime(entry.at), entry.type, entry.user, entry.name]),
        ),
  );
};

export const me = async (context: VaultContext) => {
  const who = await context.api.me();
  context.out.result(
    who,
    `${who.user} (${who.role}${who.groups.length > 0 ? `; groups ${who.groups.join(', ')}` : ''})`,
  );
};
