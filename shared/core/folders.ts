/** Which folders a change adds a file to or takes one from: the counts behind `GET /folders`. */
import { ancestorFolders, nameKey } from '../names';
import type { FolderChange } from './records';

const foldersOf = (name: string | null) =>
  name === null ? [] : ancestorFolders(name).map((prefix) => ({ prefix, key: nameKey(prefix) }));

/**
 * A file leaving `from` (null: it did not exist) for `to` (null: it no longer exists): -1 for each
 * folder only above `from`, +1 for each folder only above `to`; the folders above both do not change.
 */
export const folderChanges = (from: string | null, to: string | null): FolderChange[] => {
  const before = foldersOf(from);
  const after = foldersOf(to);
  const beforeKeys = new Set(before.map((folder) => folder.key));
  const afterKeys = new Set(after.map((folder) => folder.key));
  return [
    ...before
      .filter((folder) => !afterKeys.has(folder.key))
      .map((folder) => ({ ...folder, delta: -1 as const })),
    ...after
      .filter((folder) => !beforeKeys.has(folder.key))
      .map((folder) => ({ ...folder, delta: 1 as const })),
  ];
};
