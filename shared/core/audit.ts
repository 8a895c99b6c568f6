/** Reading the audit trail: every committed change, newest first. Entries are written with their changes, never here. */
import type { AuditEntry, Page } from '../model';
import type { FileName } from '../names';
import type { CoreContext } from './context';
import { foreignCursor } from './files';
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

export class Audit {
  constructor(private readonly context: CoreContext) {}

  async list(query: AuditQuery): Promise<Page<AuditEntry>> {
    const { store } = this.context;
    let fileId: string | null = null;
    if (query.name) {
      fileId = (await store.getFile(query.name.key))?.fileId ?? (await store.formerFileId(query.name.key));
      if (!fileId) {
        if (query.cursor !== null) throw foreignCursor();
        return { items: [], nextCursor: null };
      }
    }
    const page = await store.listAudit({ ...query, fileId });
    return { items: page.items.map(auditView), nextCursor: page.nextCursor };
  }
}
