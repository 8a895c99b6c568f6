import { posix, win32 } from 'node:path';
import {
  localPathOf,
  resolveArgument,
  resolveFolderArgument,
  vaultFolderOf,
  vaultNameOf,
  type WorkspaceMapping,
} from '../../cli/workspace-paths';

const nothingExists = () => false;

describe('on Windows (path.win32)', () => {
  const mapping: WorkspaceMapping = { root: 'C:\\Jobs\\vault', prefix: '' };

  test('a relative path with backslashes, from a sub-folder, is the vault name with slashes', () => {
    expect(vaultNameOf(win32, mapping, 'C:\\Jobs\\vault\\parts', 'fixtures\\Plate A.mcam')).toBe(
      'parts/fixtures/Plate A.mcam',
    );
  });

  test('an absolute path with a drive letter, in another case, is inside the workspace', () => {
    expect(vaultNameOf(win32, mapping, 'D:\\elsewhere', 'c:\\jobs\\VAULT\\Big.mcam')).toBe('Big.mcam');
    expect(vaultNameOf(win32, mapping, 'C:\\Jobs\\vault', 'C:/Jobs/vault/a/b.mcam')).toBe('a/b.mcam');
  });

  test('another drive, a path above the root and the state folder are not vault files', () => {
    expect(vaultNameOf(win32, mapping, 'C:\\Jobs\\vault', 'D:\\Jobs\\vault\\Big.mcam')).toBeNull();
    expect(vaultNameOf(win32, mapping, 'C:\\Jobs\\vault\\parts', '..\\..\\Big.mcam')).toBeNull();
    expect(vaultNameOf(win32, mapping, 'C:\\Jobs\\vault', '.camvault-workspace\\state.json')).toBeNull();
    expect(vaultNameOf(win32, mapping, 'C:\\Jobs\\vault', '.')).toBeNull();
  });

  test('a vault name lands under the root with backslashes, under the prefix only', () => {
    const parts: WorkspaceMapping = { root: 'C:\\Jobs\\parts', prefix: 'parts/' };
    expect(localPathOf(win32, parts, 'parts/fixtures/Plate A.mcam')).toBe(
      'C:\\Jobs\\parts\\fixtures\\Plate A.mcam',
    );
    expect(localPathOf(win32, parts, 'PARTS/Big.mcam')).toBe('C:\\Jobs\\parts\\Big.mcam');
    expect(localPathOf(win32, parts, 'other/Big.mcam')).toBeNull();
    expect(vaultNameOf(win32, parts, 'C:\\Jobs\\parts', 'Big.mcam')).toBe('parts/Big.mcam');
    expect(vaultFolderOf(win32, parts, 'C:\\Jobs\\parts\\fixtures', '.')).toBe('parts/fixtures/');
    expect(vaultFolderOf(win32, parts, 'C:\\Jobs\\parts', 'C:\\Jobs\\parts')).toBe('parts/');
  });

  test('an argument is a local path when something is there, else a vault name as ls shows it', () => {
    const cwd = 'C:\\Jobs\\vault\\parts';
    expect(resolveArgument(win32, mapping, cwd, 'Big.mcam', nothingExists)).toEqual({
      name: 'parts/Big.mcam',
      localPath: 'C:\\Jobs\\vault\\parts\\Big.mcam',
    });
    const onlyTheVaultName = (path: string) => path === 'C:\\Jobs\\vault\\parts\\Big.mcam';
    expect(resolveArgument(win32, mapping, cwd, 'parts/Big.mcam', onlyTheVaultName)).toEqual({
      name: 'parts/Big.mcam',
      localPath: 'C:\\Jobs\\vault\\parts\\Big.mcam',
    });
    expect(resolveArgument(win32, mapping, cwd, 'D:\\x.mcam', nothingExists)).toBeNull();
  });
});

describe('on Linux and macOS (path.posix)', () => {
  const mapping: WorkspaceMapping = { root: '/home/ann/vault', prefix: '' };

  test('relative and absolute paths map to vault names; a backslash is part of a name there', () => {
    expect(vaultNameOf(posix, mapping, '/home/ann/vault/parts', 'Big.mcam')).toBe('parts/Big.mcam');
    expect(vaultNameOf(posix, mapping, '/tmp', '/home/ann/vault/a/b.mcam')).toBe('a/b.mcam');
    expect(vaultNameOf(posix, mapping, '/home/ann/vault', 'a\\b.mcam')).toBe('a\\b.mcam');
  });

  test('paths are case-sensitive: another case is outside the workspace', () => {
    expect(vaultNameOf(posix, mapping, '/tmp', '/home/ann/VAULT/b.mcam')).toBeNull();
    expect(vaultNameOf(posix, mapping, '/home/ann/vault', '../other/b.mcam')).toBeNull();
  });

  test('a name decomposed on disk (macOS) is NFC in the vault', () => {
    expect(vaultNameOf(posix, mapping, '/home/ann/vault', 'Pla\u0301te.mcam')).toBe('Pl\u00e1te.mcam');
  });

  test('vault names and folders map both ways', () => {
    expect(localPathOf(posix, mapping, 'a/b/c.mcam')).toBe('/home/ann/vault/a/b/c.mcam');
    expect(localPathOf(posix, mapping, 'a/')).toBe('/home/ann/vault/a');
    expect(vaultFolderOf(posix, mapping, '/home/ann/vault', 'a/b')).toBe('a/b/');
    expect(vaultFolderOf(posix, mapping, '/home/ann/vault/a', '..')).toBe('');
    expect(vaultFolderOf(posix, mapping, '/home/ann', '.')).toBeNull();
  });

  test('a folder argument is a local folder when it is there, else a vault folder as ls shows it', () => {
    const jobs: WorkspaceMapping = { root: '/home/ann/jobs', prefix: 'jobs/' };
    const cwd = '/home/ann/jobs/old';
    const onlyOld = (path: string) => path === '/home/ann/jobs/old';
    expect(resolveFolderArgument(posix, jobs, cwd, '../', onlyOld)).toEqual({
      prefix: 'jobs/',
      localPath: '/home/ann/jobs',
    });
    // From the sub-folder, "jobs/old/" is no folder there, but it is the vault folder old/ is.
    expect(resolveFolderArgument(posix, jobs, cwd, 'jobs/old/', onlyOld)).toEqual({
      prefix: 'jobs/old/',
      localPath: '/home/ann/jobs/old',
    });
    // Neither is there: a new folder where you stand.
    expect(resolveFolderArgument(posix, jobs, cwd, 'cells/2/', nothingExists)).toEqual({
      prefix: 'jobs/old/cells/2/',
      localPath: '/home/ann/jobs/old/cells/2',
    });
    expect(resolveFolderArgument(posix, jobs, cwd, '../../', nothingExists)).toBeNull();
  });
});
