/**
 * Where a vault file lives in a workspace, and which vault file a local path is: pure, and given the
 * `node:path` flavour to use (`path.win32` or `path.posix`), so that the Windows rules (drive
 * letters, `\`, case-insensitive paths) are tested on any machine.
 */
import type { PlatformPath } from 'node:path';

/** The workspace's own folder at its top, like `.git`: never a vault file. */
export const STATE_DIRECTORY = '.camvault-workspace';
/** A download in progress: a temporary file beside its target, renamed into place once verified. */
export const PARTIAL_SUFFIX = '.camvault-part';

export type PathFlavour = Pick<PlatformPath, 'resolve' | 'relative' | 'isAbsolute' | 'join' | 'sep'>;

export interface WorkspaceMapping {
  /** The local folder mapped to `prefix`. */
  readonly root: string;
  /** The vault folder the workspace holds: `""` (the root) or a prefix ending in `/`. */
  readonly prefix: string;
}

/** True when `relative` (from `path.relative`) climbs out of the folder it was taken from. */
const leaves = (flavour: PathFlavour, relative: string): boolean =>
  relative === '..' || relative.startsWith(`..${flavour.sep}`) || flavour.isAbsolute(relative);

/** The `/`-separated part of `path` below the root, `""` for the root itself, or null outside it. */
export const relativeName = (flavour: PathFlavour, root: string, path: string): string | null => {
  const relative = flavour.relative(root, flavour.resolve(root, path));
  if (leaves(flavour, relative)) return null;
  const segments = relative === '' ? [] : relative.split(flavour.sep);
  if (segments[0]?.toLowerCase() === STATE_DIRECTORY) return null;
  return segments.join('/').normalize('NFC');
};

/** The vault name of a local file (absolute, or relative to `cwd`), or null when it is outside the workspace. */
export const vaultNameOf = (
  flavour: PathFlavour,
  mapping: WorkspaceMapping,
  cwd: string,
  localPath: string,
): string | null => {
  const relative = relativeName(flavour, mapping.root, flavour.resolve(cwd, localPath));
  if (relative === null || relative === '') return null;
  return `${mapping.prefix}${relative}`;
};

/**
 * The vault folder a local folder is (`""` or ending in `/`), or null outside the workspace. The
 * workspace's top is its prefix.
 */
export const vaultFolderOf = (
  flavour: PathFlavour,
  mapping: WorkspaceMapping,
  cwd: string,
  localPath: string,
): string | null => {
  const relative = relativeName(flavour, mapping.root, flavour.resolve(cwd, localPath));
  if (relative === null) return null;
  return relative === '' ? mapping.prefix : `${mapping.prefix}${relative}/`;
};

/** Where a vault file (or folder prefix) lives on disk, or null when it is not under the workspace's prefix. */
export const localPathOf = (flavour: PathFlavour, mapping: WorkspaceMapping, name: string): string | null => {
  if (name.slice(0, mapping.prefix.length).toLowerCase() !== mapping.prefix.toLowerCase()) return null;
  const segments = name.slice(mapping.prefix.length).split('/').filter(Boolean);
  return flavour.join(mapping.root, ...segments);
};

/**
 * What a command argument names: a local path (relative to `cwd`, or absolute), else a vault name as
 * `camvault ls` shows it. A path wins when something is there (`exists`); a vault name is taken only
 * when it holds no `\`, is not absolute, and falls under the workspace's prefix. Null: neither.
 */
export const resolveArgument = (
  flavour: PathFlavour,
  mapping: WorkspaceMapping,
  cwd: string,
  argument: string,
  exists: (localPath: string) => boolean,
): { name: string; localPath: string } | null => {
  const asPath = vaultNameOf(flavour, mapping, cwd, argument);
  const pathLocal = flavour.resolve(cwd, argument);
  if (asPath !== null && exists(pathLocal)) return { name: asPath, localPath: pathLocal };
  const looksLikeName =
    !argument.includes('\\') && !flavour.isAbsolute(argument) && !argument.startsWith('.');
  const asNameLocal = looksLikeName ? localPathOf(flavour, mapping, argument) : null;
  if (asNameLocal !== null && exists(asNameLocal)) return { name: argument, localPath: asNameLocal };
  if (asPath !== null) return { name: asPath, localPath: pathLocal };
  if (asNameLocal !== null) return { name: argument, localPath: asNameLocal };
  return null;
};

/**
 * What a folder argument names (`mv FILE FOLDER/`): by the rules of `resolveArgument`, a local folder
 * (relative to `cwd`, or absolute) when it is there, else a vault folder as `camvault ls` shows it.
 * `prefix` is `""` or ends in `/`. Null: the argument is outside the workspace.
 */
export const resolveFolderArgument = (
  flavour: PathFlavour,
  mapping: WorkspaceMapping,
  cwd: string,
  argument: string,
  exists: (localPath: string) => boolean,
): { prefix: string; localPath: string } | null => {
  const asPath = vaultFolderOf(flavour, mapping, cwd, argument);
  const pathLocal = flavour.resolve(cwd, argument);
  if (asPath !== null && exists(pathLocal)) return { prefix: asPath, localPath: pathLocal };
  const looksLikeName =
    !argument.includes('\\') && !flavour.isAbsolute(argument) && !argument.startsWith('.');
  const asName = argument.endsWith('/') ? argument : `${argument}/`;
  const asNameLocal = looksLikeName ? localPathOf(flavour, mapping, asName) : null;
  if (asNameLocal !== null && exists(asNameLocal)) return { prefix: asName, localPath: asNameLocal };
  if (asPath !== null) return { prefix: asPath, localPath: pathLocal };
  if (asNameLocal !== null) return { prefix: asName, localPath: asNameLocal };
  return null;
};
