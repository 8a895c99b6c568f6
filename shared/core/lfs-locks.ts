/**
 * (v2) Git LFS locks: the File Locking API's lock, list, verify and unlock, kept in the vault's lock
 * store. A lock is taken by one conditional transaction (never read, then written), is listed by a
 * query on its repository's partition (never a scan), shows in "who has what", and is evented and
 * audited like a file's lock. Roles and folder rules see a path as the vault name `lfs/{repo}/{path}`.
 */
import { createHash } from 'node:crypto';
import { forbidden, notFound } from '../errors';
import type { LfsPath, LfsRepo } from '../lfs-names';
import type { Caller, Page } from '../model';
import { type CoreContext, MAX_ATTEMPTS, newLock } from './context';
import { lfsLockBroken, lfsLocked, lfsUnlocked } from './entries';
import { cachedLfsAccess, freshLfsAccess, requireLfsWrite, requireRepoRead } from './lfs-access';
import type { Access } from './permissions';
import type { LfsLockRecord } from './records';
import { activeLock } from './views';

/** The identity an LFS path's entries and events carry: a UUID-shaped digest of repository and path. */
export const lfsFileId = (repo: string, path: string): string => {
  const hex = createHash('sha256').update(`camvault-lfs:${repo}\u0000${path}`).digest('hex');
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

export type LfsLockResult = { created: true; lfs: LfsLockRecord } | { created: false; held: LfsLockRecord };

export interface LfsLockQuery {
  path: LfsPath | null;
  id: string | null;
  limit: number;
  cursor: string | null;
}

export class LfsLocks {
  constructor(private readonly context: CoreContext) {}

  /** Takes the lock on `path`; when someone (the caller too) holds it already, says who. */
  async lock(caller: Caller, repo: LfsRepo, path: LfsPath): Promise<LfsLockResult> {
    const access = await freshLfsAccess(this.context, caller);
    requireRepoRead(access, repo);
    const shown = `lfs/${repo.repo}/${path.path}`;
    requireLfsWrite(access, path.key, shown);
    for (let attempt = 1; ; attempt++) {
      const issuedAt = this.context.clock();
      const now = issuedAt.toISOString();
      const lfs: LfsLockRecord = {
        repo: repo.repo,
        path: path.path,
        key: path.key,
        fileId: lfsFileId(repo.repo, path.path),
        lock: newLock(this.context, caller.user, '', issuedAt),
      };
      const result = await this.context.store.acquireLfsLock({
        lfs,
        entry: lfsLocked(this.context, lfs, now),
        now,
      });
      if (result.committed) return { created: true, lfs };
      if (result.current && activeLock(result.current, now)) return { created: false, held: result.current };
      // The lock that stood in the way ended between its check and our read of it: try again.
      if (attempt >= MAX_ATTEMPTS) throw new Error(`LFS lock of ${shown} kept racing`);
    }
  }

  /** `GET /locks`: by path, by id, or a page of the repository's locks; only those the caller may read. */
  async list(caller: Caller, repo: LfsRepo, query: LfsLockQuery): Promise<Page<LfsLockRecord>> {
    const access = await cachedLfsAccess(this.context, caller);
    requireRepoRead(access, repo);
    const now = this.context.clock().toISOString();
    const readable = (record: LfsLockRecord | null): record is LfsLockRecord =>
      record !== null && activeLock(record, now) !== null && access.mayRead(record.key);
    if (query.path !== null || query.id !== null) {
      const { store } = this.context;
      const found =
        query.path !== null
          ? await store.getLfsLock(repo.repo, query.path.path)
          : await store.getLfsLockById(repo.repo, query.id as string);
      const matches = readable(found) && (query.id === null || found.lock.lockId === query.id);
      return { items: matches ? [found] : [], nextCursor: null };
    }
    const page = await this.context.store.listLfsLocks(repo.repo, query.limit, query.cursor, now);
    return { items: page.items.filter(readable), nextCursor: page.nextCursor };
  }

  /** `POST /locks/verify`: a page of the repository's locks, split into the caller's and everyone else's. */
  async verify(caller: Caller, repo: LfsRepo, limit: number, cursor: string | null) {
    const page = await this.list(caller, repo, { path: null, id: null, limit, cursor });
    return {
      ours: page.items.filter((record) => record.lock.user === caller.user),
      theirs: page.items.filter((record) => record.lock.user !== caller.user),
      nextCursor: page.nextCursor,
    };
  }

  /** `POST /locks/{id}/unlock`: the owner's unlock, or an admin's `force`. */
  async unlock(caller: Caller, repo: LfsRepo, lockId: string, force: boolean): Promise<LfsLockRecord> {
    const access = await freshLfsAccess(this.context, caller);
    requireRepoRead(access, repo);
    const found = await this.context.store.getLfsLockById(repo.repo, lockId);
    return this.end(caller, access, found, force, () => `no lock ${lockId} in lfs/${repo.repo}/`);
  }

  /** The vault's `DELETE /locks/{path}?lfsRepo=`: the same unlock, addressed by path. */
  async release(caller: Caller, repo: LfsRepo, path: LfsPath, force: boolean): Promise<LfsLockRecord> {
    const access = await freshLfsAccess(this.context, caller);
    requireRepoRead(access, repo);
    const found = await this.context.store.getLfsLock(repo.repo, path.path);
    return this.end(caller, access, found, force, () => `no lock on ${path.path} in lfs/${repo.repo}/`);
  }

  private async end(
    caller: Caller,
    access: Access,
    found: LfsLockRecord | null,
    force: boolean,
    missing: () => string,
  ): Promise<LfsLockRecord> {
    let lfs = found;
    for (let attempt = 1; ; attempt++) {
      const now = this.context.clock().toISOString();
      if (!lfs || !activeLock(lfs, now) || !access.mayRead(lfs.key)) throw notFound(missing());
      const shown = `lfs/${lfs.repo}/${lfs.path}`;
      let entry: ReturnType<typeof lfsUnlocked> | ReturnType<typeof lfsLockBroken>;
      if (lfs.lock.user === caller.user) {
        requireLfsWrite(access, lfs.key, shown);
        entry = lfsUnlocked(this.context, lfs, now);
      } else {
        if (!force)
          throw forbidden(`${lfs.path} is locked by ${lfs.lock.user}; an admin can unlock it with --force`);
        if (!access.isAdmin) throw forbidden("only admins can break another user's lock");
        entry = lfsLockBroken(this.context, lfs, caller.user, now);
      }
      const result = await this.context.store.releaseLfsLock({ lfs, entry, now });
      if (result.committed) return lfs;
      // Only this lock ends: one taken meanwhile on the same path is never broken unseen.
      lfs = result.current && result.current.lock.lockId === lfs.lock.lockId ? result.current : null;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`unlocking ${shown} kept racing`);
    }
  }
}
