/** Taking and ending locks: checkout, undo, and an admin's break. Each change is one conditional transaction. */
import { forbidden, locked, notCheckedOut, notLocked } from '../errors';
import type { Caller, Lock, Page, VaultFile } from '../model';
import type { FileName } from '../names';
import { type CoreContext, MAX_ATTEMPTS, newLock } from './context';
import { checkedOut, lockBroken, lockReleased } from './entries';
import { changeableFile, listingAccess, requireRole, requireWrite, sees, visibleFile } from './guard';
import { prefixEnd } from './permissions';
import type { FileRecord, LockRecord } from './records';
import { noSuchFile } from './refusals';
import { activeLock, fileView, lfsLockVaultView, lockView } from './views';

/** The caller's unexpired lock on `file`, or the 409 that says why there is none (NOT_LOCKED / LOCKED). */
export const callersLock = (file: FileRecord, caller: Caller, now: string): LockRecord => {
  const held = activeLock(file, now);
  if (!held) throw notLocked(file.name);
  if (held.user !== caller.user) throw locked(lockView(file.name, held));
  return held;
};

export class Locks {
  constructor(private readonly context: CoreContext) {}

  /** Who has what, of the files the caller may see: hidden folders are never read. */
  async list(
    caller: Caller,
    query: { user: string | null; limit: number; cursor: string | null },
  ): Promise<Page<Lock>> {
    const access = await listingAccess(this.context, caller);
    const now = this.context.clock().toISOString();
    const ranges = access.readableRanges('', prefixEnd(''));
    const page = await this.context.store.listLocks({ ...query, ranges, now });
    const items = page.items.flatMap((held) => {
      if (held.kind === 'lfs') {
        // Git LFS is for programmers and up: operators see only released files, and LFS paths have no releases.
        const shown = activeLock(held.lfs, now) && !access.isOperator && access.mayRead(held.lfs.key);
        return shown ? [lfsLockVaultView(held.lfs)] : [];
      }
      const lock = activeLock(held.file, now);
      return lock && sees(access, held.file) ? [lockView(held.file.name, lock)] : [];
    });
    return { items, nextCursor: page.nextCursor };
  }

  /** Takes the lock; `created` is false when the caller already held it (nothing changes then). */
  async checkout(
    caller: Caller,
    name: FileName,
    message: string,
  ): Promise<{ created: boolean; lock: Lock; file: VaultFile }> {
    const found = await changeableFile(this.context, caller, name, 'checking out');
    const { access } = found;
    let file: FileRecord | null = found.file;
    for (let attempt = 1; ; attempt++) {
      const issuedAt = this.context.clock();
      const now = issuedAt.toISOString();
      // A lost race may have put another file under this name: the same rules decide for it.
      if (!file || !sees(access, file)) throw noSuchFile(name);
      requireWrite(access, file.key, file.name);
      const held = activeLock(file, now);
      if (held?.user === caller.user) {
        return { created: false, lock: lockView(file.name, held), file: fileView(file, now) };
      }
      if (held) throw locked(lockView(file.name, held));
      const lock = newLock(this.context, caller.user, message, issuedAt);
      const taken: FileRecord = { ...file, lock };
      const result = await this.context.store.acquireLock({
        file,
        lock,
        entry: checkedOut(this.context, taken, now),
        now,
      });
      if (result.committed)
        return { created: true, lock: lockView(file.name, lock), file: fileView(taken, now) };
      // Someone changed the file between our read and our write: decide again on what it is now.
      file = result.current;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`checkout of ${name.key} kept racing`);
    }
  }

  /** An owner undoes a checkout; an admin with `force` breaks anyone's lock. */
  async release(caller: Caller, name: FileName, force: boolean): Promise<Lock> {
    const found = await visibleFile(this.context, caller, name);
    const { access } = found;
    let file: FileRecord | null = found.file;
    for (let attempt = 1; ; attempt++) {
      const now = this.context.clock().toISOString();
      if (!file || !sees(access, file)) throw noSuchFile(name);
      requireRole(access, 'programmers', 'undoing a checkout');
      const held = activeLock(file, now);
      if (!held) throw notCheckedOut(file.name);
      let entry: ReturnType<typeof lockReleased> | ReturnType<typeof lockBroken>;
      if (held.user === caller.user) {
        requireWrite(access, file.key, file.name);
        entry = lockReleased(this.context, file, held.lockId, now);
      } else {
        if (!force) {
          throw forbidden(
            `${file.name} is checked out by ${held.user}; an admin can break the lock with force=true`,
          );
        }
        if (!access.isAdmin) throw forbidden("only admins can break another user's lock");
        // Break exactly the lock we saw, so a lock taken meanwhile is never broken unseen.
        entry = lockBroken(this.context, file, {
          admin: caller.user,
          previousOwner: held.user,
          lockId: held.lockId,
          at: now,
        });
      }
      const result = await this.context.store.releaseLock({ file, lockId: held.lockId, entry, now });
      if (result.committed) return lockView(file.name, held);
      file = result.current;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`releasing the lock on ${name.key} kept racing`);
    }
  }
}
