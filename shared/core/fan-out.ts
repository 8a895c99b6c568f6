/**
 * (v2) The notifier's rule: who hears of a committed event, and why. It runs off the table's stream
 * (the audit trail), like the topic's publisher. Its cost is one query per folder above the event's
 * file (and the file itself), plus what matches: watches elsewhere are never read.
 */
import type { VaultEvent } from '../events';
import type { NotificationReason } from '../model';
import { ancestorFolders, nameKey } from '../names';
import type { CoreContext } from './context';
import { eventOf } from './entries';
import { Access } from './permissions';
import type { AuditRecord, NotificationRecord, RequestRecord } from './records';

/** When one event concerns a user for several reasons, they hear of it once, for the strongest. */
const STRENGTH: Record<NotificationReason, number> = { watch: 1, available: 2, request: 3, lock_broken: 4 };

/** The names an event is about: a move is under its old name and its new one. */
const namesOf = (event: VaultEvent): string[] => {
  if (event.type === 'RuleChanged') return [event.prefix];
  return event.type === 'FileMoved' ? [event.from, event.name] : [event.name];
};

/** The watched keys an event under `name` matches: the whole vault, each folder above, the name itself. */
export const watchedKeysOf = (name: string): string[] => {
  const key = nameKey(name);
  return ['', ...ancestorFolders(key), key];
};

/** The lock an event frees, if it frees one: requests made against it are answered. */
const freedLock = (event: VaultEvent): { lockId: string | null } | null => {
  switch (event.type) {
    case 'FileCheckedIn':
      return event.lockId === null ? null : { lockId: event.lockId };
    case 'LockReleased':
    case 'LockBroken':
      return { lockId: event.lockId };
    case 'FileDeleted':
      // A deleted file frees whatever was asked of it.
      return { lockId: null };
    default:
      return null;
  }
};

export class FanOut {
  constructor(private readonly context: CoreContext) {}

  /** Every notification the entry's event causes, each delivered once however often it is handed over. */
  async deliver(entry: AuditRecord, sortValue: string): Promise<NotificationRecord[]> {
    const event = eventOf(entry);
    const book = await this.context.rules.current();
    const defaultRole = this.context.config.defaultRole;
    const names = namesOf(event);
    /** Whether a user with these groups may read every name the event shows. */
    const mayRead = (user: string, groups: string[]) => {
      const access = new Access({ user, groups }, defaultRole, book);
      return (
        access.role !== 'none' && !access.isOperator && names.every((name) => access.mayRead(nameKey(name)))
      );
    };
    const chosen = new Map<string, NotificationReason>();
    const offer = (user: string, groups: string[] | null, reason: NotificationReason) => {
      if (user === event.user) return;
      // Holders and owners of a lock could read the file when they took it: their groups are not stored.
      if (groups !== null && !mayRead(user, groups)) return;
      const previous = chosen.get(user);
      if (!previous || STRENGTH[reason] > STRENGTH[previous]) chosen.set(user, reason);
    };

    const watches = await this.context.notices.watchersOf(names.flatMap(watchedKeysOf));
    for (const watch of watches)
      if (!watch.types || watch.types.includes(event.type)) offer(watch.user, watch.groups, 'watch');
    if (event.type === 'CheckoutRequested') offer(event.holder, null, 'request');
    if (event.type === 'LockBroken') offer(event.previousOwner, null, 'lock_broken');
    const answered = entry.lockKept ? [] : await this.answeredRequests(event);
    for (const request of answered) offer(request.user, request.groups, 'available');

    const notifications = [...chosen].map(
      ([user, reason]): NotificationRecord => ({ user, sortValue, at: event.at, reason, event }),
    );
    const mail = this.context.config.emailNotifications;
    await Promise.all(
      notifications.map((notification) => this.context.notices.deliver(notification, { mail })),
    );
    // Only once every asker has been told: a crash before this tells them again, which adds nothing.
    await this.context.notices.removeRequests(answered);
    return notifications;
  }

  /** The requests the event answers: those made against the lock it freed (a check-in that kept it frees none). */
  private async answeredRequests(event: VaultEvent): Promise<RequestRecord[]> {
    const freed = freedLock(event);
    if (!freed || event.type === 'RuleChanged') return [];
    const requests = await this.context.notices.requestsFor(event.fileId);
    return requests.filter((request) => freed.lockId === null || request.lockId === freed.lockId);
  }
}
