/** Reading the audit trail: every committed change, newest first. Entries are written with their changes, never here. */
import type { AuditEntry, Caller, Page } from '../model';
import { type FileName, nameKey } from '../names';
import type { CoreContext } from './context';
import { accessOf, listingAccess } from './guard';
import type { AuditRecord } from './records';
import { foreignCursor } from './refusals';
import { auditView } from './views';

export interface AuditQuery {
  /** The file now under this name (or, when none is, the one that last left it): its whole history. */
  name: FileName | null;
  user: string | null;
  type: string | null;
  since: string | null;
  until: string | null;
  limit: number;
  cursor: string | null;
}

/** What of a file's history an operator may read: what was released for the machines, and withdrawn. */
const OPERATOR_TYPES: string[] = ['FileReleased', 'ReleaseWithdrawn'];

export class Audit {
  constructor(private readonly context: CoreContext) {}

  /**
   * Admins read every entry; others the entries of names they may read (filtered within each page),
   * and an operator only the releases and withdrawals of those.
   */
  async list(caller: Caller, query: AuditQuery): Promise<Page<AuditEntry>> {
    const { store } = this.context;
    let fileId: string | null = null;
    let access = await listingAccess(this.context, caller);
    if (query.name) {
      const found = await store.getFileAndRules(query.name.key);
      access = accessOf(this.context, caller, found.book);
      fileId = found.file?.fileId ?? (await store.formerFileId(query.name.key));
      if (!fileId) {
        if (query.cursor !== null) throw foreignCursor();
        return { items: [], nextCursor: null };
      }
    }
    if (access.isOperator && query.type !== null && !OPERATOR_TYPES.includes(query.type))
      return { items: [], nextCursor: null };
    const page = await store.listAudit({ ...query, fileId });
    const readable = (entry: AuditRecord) =>
      access.mayRead(nameKey(entry.name)) && (!access.isOperator || OPERATOR_TYPES.includes(entry.type));
    return { items: page.items.filter(readable).map(auditView), nextCursor: page.nextCursor };
  }
}
