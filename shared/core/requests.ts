/** (v2) Checkout requests: ask the holder of a file for it, and hear when it is free. */
import { badRequest, VaultError } from '../errors';
import type { Caller, FileRequest } from '../model';
import type { FileName } from '../names';
import { type CoreContext, MAX_ATTEMPTS } from './context';
import { checkoutRequested } from './entries';
import { requireRole, sees, visibleFile } from './guard';
import type { FileRecord, RequestRecord } from './records';
import { noSuchFile } from './refusals';
import { activeLock } from './views';

const requestView = (record: RequestRecord): FileRequest => ({
  name: record.name,
  fileId: record.fileId,
  user: record.user,
  holder: record.holder,
  lockId: record.lockId,
  message: record.message,
  at: record.at,
});

export class Requests {
  constructor(private readonly context: CoreContext) {}

  /**
   * Asks whoever holds the file for it: the request and its `CheckoutRequested` entry are written in
   * one transaction that holds only while the file still has that lock, so a request is never made
   * of a file that was freed meanwhile (its asker would wait for a notice that never comes).
   */
  async ask(caller: Caller, name: FileName, message: string): Promise<FileRequest> {
    const found = await visibleFile(this.context, caller, name);
    const { access } = found;
    requireRole(access, 'programmers', 'asking for a file');
    let file: FileRecord | null = found.file;
    for (let attempt = 1; ; attempt++) {
      const now = this.context.clock().toISOString();
      if (!file || !sees(access, file)) throw noSuchFile(name);
      const held = activeLock(file, now);
      if (!held)
        throw new VaultError('NOT_LOCKED', `${file.name} is not checked out: you can check it out yourself`);
      if (held.user === caller.user) throw badRequest(`you hold ${file.name} yourself`);
      const request: RequestRecord = {
        fileId: file.fileId,
        name: file.name,
        user: caller.user,
        groups: caller.groups,
        holder: held.user,
        lockId: held.lockId,
        message,
        at: now,
      };
      const entry = checkoutRequested(this.context, file, {
        user: caller.user,
        holder: held.user,
        message,
        at: now,
      });
      const result = await this.context.notices.putRequest({ file, request, entry, now });
      if (result.committed) return requestView(request);
      file = result.current;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`request for ${name.key} kept racing`);
    }
  }
}
