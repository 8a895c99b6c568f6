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
import { noSuchFile, requireFile } from './files';
import { folderChanges } from './folders';
import { callersLock } from './locks';
import type { FileRecord, TrashedRecord } from './records';
import { fileView, trashedView } from './views';

export class Lifecycle {
  constructor(private readonly context: CoreContext) {}

  /** Renames or moves the caller's checked-out file; its lock (same lockId), versions and history go along. */
  async move(caller: Caller, name: FileName, to: FileName, message: string): Promise<VaultFile> {
    requirePortable(to);
    if (to.name === name.name) throw badRequest(`to is ${name.name} already: nothing to move`);
    let file: FileRecord | null = await requireFile(this.context, name);
    for (let attempt = 1; ; attempt++) {
      const now = this.context.clock().toISOString();
      if (!file) throw noSuchFile(name);
      if (to.name === file.name) throw badRequest(`to is ${file.name} already: nothing to move`);
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
    let file: FileRecord | null = await requireFile(this.context, name);
    for (let attempt = 1; ; attempt++) {
      const now = this.context.clock().toISOString();
      if (!file) throw noSuchFile(name);
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
    const trashed = await this.context.store.getTrashed(fileId);
    if (!trashed) throw notFound(`no file ${fileId} in the trash`);
    const now = this.context.clock().toISOString();
    const file: FileRecord = {
      ...trashed.file,
      key: as?.key ?? trashed.file.key,
      name: as?.name ?? trashed.file.name,
      lock: null,
    };
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

  async trash(prefix: string, limit: number, cursor: string | null): Promise<Page<Trashed>> {
    const page = await this.context.store.listTrash(prefix, limit, cursor);
    return { items: page.items.map(trashedView), nextCursor: page.nextCursor };
  }
}
