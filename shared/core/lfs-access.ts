/**
 * (v2) Who may use a Git LFS repository: roles and folder rules, with `lfs/{repo}/` as the folder and
 * `lfs/{repo}/{path}` as a file's name. Git has no "as if it did not exist", so a refusal is 403.
 */
import { forbidden } from '../errors';
import type { LfsRepo } from '../lfs-names';
import type { Caller } from '../model';
import type { CoreContext } from './context';
import { accessOf, requireRole, requireWrite } from './guard';
import type { Access } from './permissions';

/** Access with the rules as they are now: for a change. */
export const freshLfsAccess = async (context: CoreContext, caller: Caller): Promise<Access> =>
  accessOf(context, caller, await context.store.getRules());

/** Access with rules at most RULES_CACHE_MS old: for a read. */
export const cachedLfsAccess = async (context: CoreContext, caller: Caller): Promise<Access> =>
  accessOf(context, caller, await context.rules.current());

/** The caller may use the repository at all: a programmer or more whom no folder rule keeps out. */
export const requireRepoRead = (access: Access, repo: LfsRepo): void => {
  requireRole(access, 'programmers', 'using Git LFS');
  if (!access.mayRead(repo.key)) throw forbidden(`a folder rule does not let you read lfs/${repo.repo}/`);
};

/** The caller may change what is under `key` (a path's, or the whole repository's). */
export const requireLfsWrite = (access: Access, key: string, shown: string): void => {
  if (!access.mayRead(key)) throw forbidden(`a folder rule does not let you read ${shown}`);
  requireWrite(access, key, shown);
};
