/** (v2) Each user's notification feed: newest first, with what they have read. */
import { badRequest, notFound } from '../errors';
import type { Caller, Notification, Page } from '../model';
import type { CoreContext } from './context';
import { listingAccess } from './guard';
import { compareKeys } from './permissions';
import type { NotificationRecord } from './records';

/** A notification's id is its place in the feed, opaque to clients. */
export const notificationIdOf = (sortValue: string): string => Buffer.from(sortValue).toString('base64url');

const sortValueOf = (notificationId: string): string => {
  const sortValue = Buffer.from(notificationId, 'base64url').toString('utf8');
  if (sortValue === '' || notificationIdOf(sortValue) !== notificationId)
    throw badRequest('upTo must be a notificationId from GET /notifications');
  return sortValue;
};

const isRead = (record: NotificationRecord, mark: string | null): boolean =>
  mark !== null && compareKeys(record.sortValue, mark) <= 0;

export const notificationView = (record: NotificationRecord, mark: string | null): Notification => ({
  notificationId: notificationIdOf(record.sortValue),
  at: record.at,
  reason: record.reason,
  event: record.event,
  read: isRead(record, mark),
});

export class Feed {
  constructor(private readonly context: CoreContext) {}

  async list(
    caller: Caller,
    limit: number,
    cursor: string | null,
  ): Promise<Page<Notification> & { unread: number }> {
    await listingAccess(this.context, caller);
    const { notices } = this.context;
    const [page, mark] = await Promise.all([
      notices.listNotifications(caller.user, limit, cursor),
      notices.readMark(caller.user),
    ]);
    const unread = await notices.countUnread(caller.user, mark);
    return {
      items: page.items.map((record) => notificationView(record, mark)),
      nextCursor: page.nextCursor,
      unread,
    };
  }

  /** Marks `upTo` and every older notification read; the mark never moves back. */
  async markRead(caller: Caller, upTo: string): Promise<{ unread: number }> {
    await listingAccess(this.context, caller);
    const sortValue = sortValueOf(upTo);
    const { notices } = this.context;
    if (!(await notices.getNotification(caller.user, sortValue)))
      throw notFound(`you have no notification ${upTo}`);
    await notices.markRead(caller.user, sortValue);
    return { unread: await notices.countUnread(caller.user, await notices.readMark(caller.user)) };
  }
}
