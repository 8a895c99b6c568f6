/**
 * The permission checks every capability makes, in the contract's order: what the caller may not
 * read does not exist for them (404, or absent from lists), then what their role or a folder rule
 * does not let them do (403).
 */
import { forbidden } from '../errors';
import type { Caller, Role } from '../model';
import type { FileName } from '../names';
import type { CoreContext } from './context';
import { Access, type RuleBook, roleOf } from './permissions';
import type { FileRecord } from './records';
import { noSuchFile } from './refusals';

const RANK: Record<Role, number> = { none: 0, operators: 1, programmers: 2, leads: 3, admins: 4 };

export const NO_ROLE = 'you have no role in this vault: ask an admin to add you to a group';

export const accessOf = (context: CoreContext, caller: Caller, book: RuleBook): Access => {
  context.rules.remember(book);
  const access = new Access(caller, context.config.defaultRole, book);
  if (access.role === 'none') throw forbidden(NO_ROLE);
  return access;
};

/** For what concerns the caller's own things rather than a file (an upload in progress): any role will do. */
export const requireAnyRole = (context: CoreContext, caller: Caller): void => {
  if (roleOf(caller, context.config.defaultRole) === 'none') throw forbidden(NO_ROLE);
};

/** Access for a listing: rules at most RULES_CACHE_MS old. */
export const listingAccess = async (context: CoreContext, caller: Caller): Promise<Access> =>
  accessOf(context, caller, await context.rules.current());

/** The role at least `minimum`, else 403 saying what is missing. */
export const requireRole = (access: Access, minimum: Role, what: string): void => {
  if (RANK[access.role] >= RANK[minimum]) return;
  const missing = `${what} needs the ${minimum} role or higher`;
  if (access.isOperator) throw forbidden(`${missing}: operators may download released versions only`);
  throw forbidden(`${missing}; you are in ${access.role}`);
};

/** Whether the caller sees this file at all: a folder rule lets them read it, and an operator only a released one. */
export const sees = (access: Access, file: FileRecord): boolean =>
  access.mayRead(file.key) && (!access.isOperator || file.released !== null);

/** A folder rule lets the caller change what is under `key`, else 403. */
export const requireWrite = (access: Access, key: string, shown: string): void => {
  if (!access.mayWrite(key)) throw forbidden(`the folder rule on ${shown} lets you read it, not change it`);
};

/** The file as read with the rules, if the caller may see it; else the 404 of a file that does not exist. */
export const checkVisible = (
  context: CoreContext,
  caller: Caller,
  name: FileName,
  found: { file: FileRecord | null; book: RuleBook },
): { file: FileRecord; access: Access } => {
  const access = accessOf(context, caller, found.book);
  if (!found.file || !sees(access, found.file)) throw noSuchFile(name);
  return { file: found.file, access };
};

/** The file as the caller may see it (fresh rules, read with it in one round trip). */
export const visibleFile = async (context: CoreContext, caller: Caller, name: FileName) =>
  checkVisible(context, caller, name, await context.store.getFileAndRules(name.key));

/** The file a programmer (or more) may change: visible, the role allows changes, a folder rule allows writing. */
export const changeableFile = async (context: CoreContext, caller: Caller, name: FileName, what: string) => {
  const found = await visibleFile(context, caller, name);
  requireRole(found.access, 'programmers', what);
  requireWrite(found.access, found.file.key, found.file.name);
  return found;
};

/**
 * For a name that is to hold a file (a new one, a move's `to`, a restore's `as`): a programmer may
 * create there only where a folder rule lets them read and write.
 */
export const requireCreatable = (access: Access, name: { key: string; name: string }, what: string): void => {
  requireRole(access, 'programmers', what);
  if (!access.mayRead(name.key) || !access.mayWrite(name.key))
    throw forbidden(`a folder rule does not let you create ${name.name}`);
};
