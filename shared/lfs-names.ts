/**
 * (v2) What a Git LFS request names: the repository (`/lfs/{repo}`, of the caller's choosing) and a
 * file path inside it, as Git gives it. Paths are compared exactly, as Git does (case-sensitive, not
 * normalised); roles and folder rules see the pair as the vault name `lfs/{repo}/{path}`.
 */
import { badRequest } from './errors';
import { nameKey } from './names';

/** A repository: `[A-Za-z0-9._-]` segments separated by `/`, 1-100 characters in all. */
export interface LfsRepo {
  readonly repo: string;
  /** The folder rules' key of the repository: `lfs/{repo}/`, case-folded. */
  readonly key: string;
}

/** A path inside a repository, exactly as sent, with the rules' key of `lfs/{repo}/{path}`. */
export interface LfsPath {
  readonly path: string;
  readonly key: string;
}

export const MAX_REPO_LENGTH = 100;
/** As for vault names: the rules' key (`lfs/{repo}/{path}`) stays within an index key's 1,024 bytes. */
export const MAX_LFS_PATH_BYTES = 512;

const REPO_SEGMENT = /^[A-Za-z0-9._-]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /\p{Surrogate}/u;

/** The vault name the rules, events and the audit trail see for an LFS path. */
export const lfsVaultName = (repo: string, path: string): string => `lfs/${repo}/${path}`;

export const parseLfsRepo = (raw: string): LfsRepo => {
  const segments = raw.split('/');
  if (
    raw.length < 1 ||
    raw.length > MAX_REPO_LENGTH ||
    !segments.every((segment) => REPO_SEGMENT.test(segment) && segment !== '.' && segment !== '..')
  ) {
    throw badRequest(
      `repository must be 1-${MAX_REPO_LENGTH} characters of A-Z a-z 0-9 . _ - in segments separated by /, with no . or .. segment`,
    );
  }
  return { repo: raw, key: nameKey(`lfs/${raw}/`) };
};

/**
 * A path as `git lfs lock` sends it: relative to the repository's top, `/`-separated. A `.`, `..` or
 * empty segment, a backslash (a separator on Windows) or a control character is refused, never
 * resolved, so no path can stand for another.
 */
export const parseLfsPath = (repo: LfsRepo, raw: string): LfsPath => {
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes < 1 || bytes > MAX_LFS_PATH_BYTES)
    throw badRequest(`path must be 1-${MAX_LFS_PATH_BYTES} UTF-8 bytes, got ${bytes}`);
  if (LONE_SURROGATE.test(raw)) throw badRequest('path is not valid Unicode');
  if (CONTROL_CHARACTER.test(raw)) throw badRequest('path must not contain control characters');
  if (raw.includes('\\')) throw badRequest('path must not contain a backslash; separate folders with /');
  for (const segment of raw.split('/')) {
    if (segment === '') throw badRequest('path must not start or end with / nor contain an empty segment');
    if (segment === '.' || segment === '..') throw badRequest('path must not contain a . or .. segment');
  }
  return { path: raw, key: nameKey(lfsVaultName(repo.repo, raw).normalize('NFC')) };
};
