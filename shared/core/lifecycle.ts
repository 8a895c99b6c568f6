/**
 * A file's life beyond its versions: moves and renames, deletion to the trash, and restoring. Each is
 * one transaction whatever the number of versions: the versions belong to the file's identity and
 * never move; only its name does.
 */
import { alreadyExists, badRequest, notFound } from '../errors';
import type { Caller, Page, Trashed, VaultFile } from '../model';
import { type FileName, requirePortable } from '../names';
import { type CoreContext, MAX_ATTEMPTS } from './context';
import { deleted, moved, restored } from './entries';
import { folderChanges } from './folders';
import {
  accessOf,
  changeableFile,
  listingAccess,
  requireCreatable,
  requireRole,
  requireWrite,
  sees,
} from './guard';
import { callersLock } from './locks';
import type { FileRecord, TrashedRecord } from './records';
import { noSuchFile } from './refusals';
import { fileView, trashedView } from './views';

export class Lifecycle {
  constructor(private readonly context: CoreContext) {}

  /** Renames or moves the caller's checked-out file; its lock (same lockId), versions and history go along. */
  async move(caller: Caller, name: FileName, to: FileName, message: string): Promise<VaultFile> {
    requirePortable(to);
    if (to.name === name.name) throw badRequest(`to is ${name.name} already: nothing to move`);
    const found = await changeableFile(this.context, caller, name, 'moving');
    const { access } = found;
    let file: FileRecord | null = found.file;
    for (let attempt = 1; ; attempt++) {
      const now = this.context.clock().toISOString();
      if (!file || !sees(access, file)) throw noSuchFile(name);
      if (to.name === file.name) throw badRequest(`to is ${file.name} already: nothing to move`);
      requireWrite(access, file.key, file.name);
      requireCreatable(access, to, 'moving');
      callersLock(file, caller, now);
      const movedFile: FileRecord = { ...file, key: to.key, name: to.name };
      const result = await this.context.store.moveFile({
        file,
        moved: movedFile,
        folders: folderChanges(file.name, to.name),
        entry: moved(this.context, file, movedFile, { user: caller.user, message, at: now }),
        now,
      });
      if (result.committed) return fileView(movedFile, now);
      if ('targetTaken' in result) throw alreadyExists(result.targetTaken.name);
      file = result.current;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`move of ${name.key} kept racing`);
    }
  }

  /** Deletes the caller's checked-out file to the trash, releasing the lock; the name is free again. */
  async delete(caller: Caller, name: FileName, message: string): Promise<Trashed> {
    const found = await changeableFile(this.context, caller, name, 'deleting');
    let file: FileRecord | null = found.file;
    for (let attempt = 1; ; attempt++) {
      const now = this.context.clock().toISOString();
      if (!file || !sees(found.access, file)) throw noSuchFile(name);
      requireWrite(found.access, file.key, file.name);
      callersLock(file, caller, now);
      const trashed: TrashedRecord = {
        file: { ...file, lock: null },
        deletedAt: now,
        deletedBy: caller.user,
        message,
      };
      const result = await this.context.store.deleteFile({
        file,
        trashed,
        folders: folderChanges(file.name, null),
        entry: deleted(this.context, file, { user: caller.user, message, at: now }),
        now,
      });
      if (result.committed) return trashedView(trashed);
      file = result.current;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`delete of ${name.key} kept racing`);
    }
  }

  /** Brings a deleted file back, available, under its old name or `as`. */
  async restore(caller: Caller, fileId: string, as: FileName | null): Promise<VaultFile> {
    if (as) requirePortable(as);
    const found = await this.context.store.getTrashedAndRules(fileId);
    const access = accessOf(this.context, caller, found.book);
    const trashed = found.trashed;
    if (!trashed || !access.mayRead(trashed.file.key)) throw notFound(`no file ${fileId} in the trash`);
    requireRole(access, 'programmers', 'restoring');
    const now = this.context.clock().toISOString();
    const file: FileRecord = {
      ...trashed.file,
      key: as?.key ?? trashed.file.key,
      name: as?.name ?? trashed.file.name,
      lock: null,
    };
    requireCreatable(access, file, 'restoring');
    const result = await this.context.store.restoreFile({
      trashed,
      file,
      folders: folderChanges(null, file.name),
      entry: restored(this.context, file, { user: caller.user, at: now }),
    });
    if (result.committed) return fileView(file, now);
    if ('targetTaken' in result) throw alreadyExists(result.targetTaken.name);
    throw notFound(`no file ${fileId} in the trash`);
  }

  /** Deleted files the caller may read, newest deletion first (a hidden one is skipped within the page). */
  async trash(caller: Caller, prefix: string, limit: number, cursor: string | null): Promise<Page<Trashed>> {
    const access = await listingAccess(this.context, caller);
    requireRole(access, 'programmers', 'the trash');
    const page = await this.context.store.listTrash(prefix, limit, cursor);
    return {
      items: page.items.filter((item) => access.mayRead(item.file.key)).map(trashedView),
      nextCursor: page.nextCursor,
    };
  }
}
