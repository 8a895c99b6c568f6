/**
 * How a workspace stands against the vault, from the workspace's state, the local folders (read with
 * readdir and stat only) and one paged listing of the vault folder's whole subtree (`GET /files?prefix=`).
 * No download ever, and a file is hashed only when its size or mtime differ from what was recorded.
 */
import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Lock, VaultFile } from '#shared/model';
import { folderOf, nameKey } from '#shared/names';
import type { VaultApi } from './api';
import { hashFile } from './transfer';
import type { TrackedFile, Workspace } from './workspace';
import { PARTIAL_SUFFIX, relativeName, STATE_DIRECTORY } from './workspace-paths';

/**
 * The local side. `unchanged`: what the CLI wrote last; `modified`: edited since; `missing`: written
 * once, gone now; `absent`: never here (a vault file not synced yet); `untracked`: a local file the
 * CLI did not write.
 */
export type LocalState = 'unchanged' | 'modified' | 'missing' | 'absent' | 'untracked';
/**
 * The vault side. `current`: the vault's latest is here; `newer`: the vault has a later version
 * (or one never synced); `deleted`: gone from the vault; `moved`: under another name now, or the
 * same name spelt in another case (`movedTo`);
 * `none`: never in the vault.
 */
export type VaultState = 'current' | 'newer' | 'deleted' | 'moved' | 'none';

export interface StatusEntry {
  name: string;
  path: string;
  local: LocalState;
  vault: VaultState;
  /** The version the workspace holds, or null. */
  localVersion: number | null;
  /** The vault's latest, or null when it is not in the vault (under this name). */
  vaultVersion: number | null;
  movedTo: string | null;
  lock: Lock | null;
  /** The vault's file (under its new name when moved). */
  file: VaultFile | null;
  /** For untracked files. */
  sizeBytes: number | null;
}

/** What a scope is: a vault folder (`""` or ending in `/`) and its local folder, or one file. */
export type Scope = { folder: string } | { file: string };

/**
 * Every vault file in a folder and its sub-folders: one listing of the whole subtree (`GET /files?prefix=`,
 * 1,000 a page), never a call per folder, so a tree of F folders and N files costs ceil(N / 1000)
 * requests, which is at most one per folder.
 */
export const listVaultTree = (api: VaultApi, top: string): Promise<VaultFile[]> =>
  api.listFiles({ prefix: top });

interface LocalFile {
  name: string;
  path: string;
  stats: Stats;
}

/** Regular files under a local folder (by key), and the leftovers of interrupted downloads. */
const walkLocal = async (workspace: Workspace, top: string) => {
  const files = new Map<string, LocalFile>();
  const partials: string[] = [];
  const visit = async (folder: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await Promise.all(
      entries.map(async (entry) => {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) {
          if (folder === workspace.root && entry.name.toLowerCase() === STATE_DIRECTORY) return;
          await visit(full);
        } else if (entry.isFile()) {
          if (entry.name.endsWith(PARTIAL_SUFFIX)) {
            partials.push(full);
            return;
          }
          const relative = relativeName(path, workspace.root, full);
          if (relative === null) return;
          const name = `${workspace.prefix}${relative}`;
          files.set(nameKey(name), { name, path: full, stats: await stat(full) });
        }
      }),
    );
  };
  await visit(top);
  return { files, partials };
};

const sameAsRecorded = (tracked: TrackedFile, stats: Stats) =>
  stats.size === tracked.sizeBytes && stats.mtimeMs === tracked.mtimeMs;

export interface WorkspaceStatus {
  entries: StatusEntry[];
  /** Temporary files of interrupted downloads, to remove. */
  partials: string[];
}

/**
 * Compares the workspace with the vault under `scope`. A tracked file whose size or mtime moved but
 * whose bytes did not is recorded again (so it is not hashed next time), and an untracked file
 * holding exactly the vault's bytes is adopted: the caller should save the workspace.
 */
export const workspaceStatus = async (
  api: VaultApi,
  workspace: Workspace,
  scope: Scope,
  signal: AbortSignal,
): Promise<WorkspaceStatus> => {
  const folder = 'folder' in scope ? scope.folder : folderOf(scope.file);
  const inScope = (name: string) =>
    'folder' in scope
      ? nameKey(name).startsWith(nameKey(scope.folder))
      : nameKey(name) === nameKey(scope.file);
  const localTop = workspace.localPath(folder);
  const [listed, local] = await Promise.all([
    'folder' in scope ? listVaultTree(api, folder) : api.listFolderFiles(folder),
    'folder' in scope
      ? walkLocal(workspace, localTop)
      : walkLocal(workspace, localTop).then(({ files, partials }) => ({
          files: new Map([...files].filter(([, file]) => inScope(file.name))),
          partials: partials.filter((partial) => path.dirname(partial) === localTop),
        })),
  ]);
  const vault = new Map(
    listed.filter((file) => inScope(file.name)).map((file) => [nameKey(file.name), file]),
  );
  const byId = new Map([...vault.values()].map((file) => [file.fileId, file]));
  const claimed = new Set<string>();
  const entries: StatusEntry[] = [];

  const localStateOf = async (tracked: TrackedFile, found: LocalFile | undefined): Promise<LocalState> => {
    if (!found) return 'missing';
    if (sameAsRecorded(tracked, found.stats)) return 'unchanged';
    const digest = await hashFile(found.path, { signal });
    if (digest.sha256 !== tracked.sha256 || digest.sizeBytes !== found.stats.size) return 'modified';
    workspace.record(tracked, found.stats);
    return 'unchanged';
  };

  for (const tracked of workspace.trackedUnder(folder).filter((file) => inScope(file.name))) {
    const key = nameKey(tracked.name);
    const found = local.files.get(key);
    const here = await localStateOf(tracked, found);
    const sameName = vault.get(key);
    const current = sameName?.fileId === tracked.fileId ? sameName : byId.get(tracked.fileId);
    // Under another name, or under the same name spelt otherwise (a rename that changed only case).
    const moved = current !== undefined && current.name !== tracked.name;
    if (current) claimed.add(nameKey(current.name));
    entries.push({
      name: tracked.name,
      path: found?.path ?? workspace.localPath(tracked.name),
      local: here,
      vault: !current ? 'deleted' : moved ? 'moved' : current.version > tracked.version ? 'newer' : 'current',
      localVersion: tracked.version,
      vaultVersion: current && !moved ? current.version : null,
      movedTo: moved ? current.name : null,
      lock: current?.lock ?? null,
      file: current ?? null,
      sizeBytes: null,
    });
  }

  for (const [key, file] of vault) {
    if (claimed.has(key) || workspace.tracked(file.name)) continue;
    const found = local.files.get(key);
    let here: LocalState = found ? 'untracked' : 'absent';
    if (found && found.stats.size === file.sizeBytes) {
      const digest = await hashFile(found.path, { signal });
      if (digest.sha256 === file.sha256) {
        workspace.record(file, found.stats);
        here = 'unchanged';
      }
    }
    entries.push({
      name: file.name,
      path: found?.path ?? workspace.localPath(file.name),
      local: here,
      vault: here === 'unchanged' ? 'current' : 'newer',
      localVersion: here === 'unchanged' ? file.version : null,
      vaultVersion: file.version,
      movedTo: null,
      lock: file.lock,
      file,
      sizeBytes: found?.stats.size ?? null,
    });
  }

  for (const [key, found] of local.files) {
    if (vault.has(key) || workspace.tracked(found.name)) continue;
    entries.push({
      name: found.name,
      path: found.path,
      local: 'untracked',
      vault: 'none',
      localVersion: null,
      vaultVersion: null,
      movedTo: null,
      lock: null,
      file: null,
      sizeBytes: found.stats.size,
    });
  }

  entries.sort((a, b) => (nameKey(a.name) < nameKey(b.name) ? -1 : 1));
  return { entries, partials: local.partials };
};
