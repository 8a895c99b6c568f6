/**
 * A workspace: a local folder mapped to a vault folder, with its state in `.camvault-workspace/` at
 * the top (found by walking up, like `.git`). The state records, per file the CLI wrote, which
 * version it holds and the size, mtime and SHA-256 it had then: an unchanged file is known by its
 * size and mtime alone, and only a file whose size or mtime moved is hashed again.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, type Stats } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { VaultFile } from '#shared/model';
import { nameKey, parseFolderPrefix } from '#shared/names';
import { otherError, usageError } from './errors';
import {
  localPathOf,
  resolveArgument,
  resolveFolderArgument,
  STATE_DIRECTORY,
  vaultFolderOf,
  type WorkspaceMapping,
} from './workspace-paths';

const STATE_FILE = 'state.json';
const FORMAT = 1;

/** What the CLI last wrote to a file's place: the version, and the file as it was on disk then. */
export interface TrackedFile {
  name: string;
  fileId: string;
  version: number;
  sha256: string;
  sizeBytes: number;
  mtimeMs: number;
}

interface StateDocument {
  format: number;
  /** The vault this workspace belongs to, when `init --url` named one. */
  url: string | null;
  prefix: string;
  /** By key (the case-folded name), as the vault compares names. */
  files: Record<string, TrackedFile>;
}

export class Workspace implements WorkspaceMapping {
  private dirty = false;

  private constructor(
    readonly root: string,
    private readonly state: StateDocument,
  ) {}

  get prefix(): string {
    return this.state.prefix;
  }

  get url(): string | null {
    return this.state.url;
  }

  /** Makes `root` a workspace; refuses one inside (or at) another. */
  static async create(root: string, prefix: string, url: string | null): Promise<Workspace> {
    const enclosing = findRoot(root);
    if (enclosing)
      throw usageError(`${enclosing} is a camvault workspace already; a workspace cannot hold another`);
    const folder = parseFolderPrefixOrUsage(prefix);
    await mkdir(path.join(root, STATE_DIRECTORY), { recursive: true });
    const workspace = new Workspace(root, { format: FORMAT, url, prefix: folder, files: {} });
    workspace.dirty = true;
    await workspace.save();
    return workspace;
  }

  /** The workspace `cwd` is in, or null. */
  static async find(cwd: string): Promise<Workspace | null> {
    const root = findRoot(cwd);
    if (!root) return null;
    const file = path.join(root, STATE_DIRECTORY, STATE_FILE);
    let state: StateDocument;
    try {
      state = JSON.parse(await readFile(file, 'utf8')) as StateDocument;
    } catch (error) {
      throw otherError(`cannot read the workspace state ${file}: ${(error as Error).message}`);
    }
    if (state.format !== FORMAT) throw otherError(`${file} has a format this camvault does not know`);
    return new Workspace(root, state);
  }

  tracked(name: string): TrackedFile | undefined {
    return this.state.files[nameKey(name)];
  }

  /** Every tracked file under a vault folder (`""`: all). */
  trackedUnder(prefix: string): TrackedFile[] {
    const key = nameKey(prefix);
    return Object.entries(this.state.files)
      .filter(([fileKey]) => fileKey.startsWith(key))
      .map(([, file]) => file);
  }

  /** Remembers that `local` now holds `file`'s current version. */
  record(file: Pick<VaultFile, 'name' | 'fileId' | 'version' | 'sha256' | 'sizeBytes'>, local: Stats): void {
    this.state.files[nameKey(file.name)] = {
      name: file.name,
      fileId: file.fileId,
      version: file.version,
      sha256: file.sha256,
      sizeBytes: local.size,
      mtimeMs: local.mtimeMs,
    };
    this.dirty = true;
  }

  forget(name: string): void {
    if (delete this.state.files[nameKey(name)]) this.dirty = true;
  }

  localPath(name: string): string {
    const local = localPathOf(path, this, name);
    if (local === null) throw usageError(`${name} is not under this workspace's folder "${this.prefix}"`);
    return local;
  }

  /**
   * The vault file a command argument names: a local path, or a name as the vault shows it. A file
   * the workspace holds is named as the vault spells it; `spelling: 'as-given'` keeps the argument's
   * spelling instead, for a new name (a move's destination, which may differ only in case).
   */
  resolve(
    cwd: string,
    argument: string,
    spelling: 'vault' | 'as-given' = 'vault',
  ): { name: string; localPath: string } {
    const resolved = resolveArgument(path, this, cwd, argument, existsSync);
    if (!resolved) throw usageError(`${argument} is not a file of the workspace ${this.root}`);
    if (resolved.name.endsWith('/')) throw usageError(`${argument} is a folder, not a file`);
    const name = spelling === 'vault' ? (this.tracked(resolved.name)?.name ?? resolved.name) : resolved.name;
    return { name, localPath: resolved.localPath };
  }

  /** The folder a command argument names: a local folder, or a vault folder as the vault shows it. */
  resolveFolder(cwd: string, argument: string): { prefix: string; localPath: string } {
    const resolved = resolveFolderArgument(path, this, cwd, argument, existsSync);
    if (!resolved) throw usageError(`${argument} is not a folder of the workspace ${this.root}`);
    return resolved;
  }

  /** The vault folder a local folder argument is (default: the current directory). */
  folder(cwd: string, argument = '.'): string | null {
    return vaultFolderOf(path, this, cwd, argument);
  }

  /** Writes the state if it changed: to a temporary file, then renamed over the old one. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const file = path.join(this.root, STATE_DIRECTORY, STATE_FILE);
    const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, JSON.stringify(this.state));
      await rename(temporary, file);
    } catch (error) {
      this.dirty = true;
      await rm(temporary, { force: true });
      throw error;
    }
  }
}

const parseFolderPrefixOrUsage = (prefix: string): string => {
  try {
    return parseFolderPrefix(prefix).prefix;
  } catch (error) {
    throw usageError(`${prefix}: ${(error as Error).message}`);
  }
};

/** The nearest folder at or above `start` holding a workspace's state, or null. */
const findRoot = (start: string): string | null => {
  for (let folder = path.resolve(start); ; ) {
    if (existsSync(path.join(folder, STATE_DIRECTORY, STATE_FILE))) return folder;
    const parent = path.dirname(folder);
    if (parent === folder) return null;
    folder = parent;
  }
};
