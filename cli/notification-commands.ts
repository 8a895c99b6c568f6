/**
 * (v2) Hearing about what concerns you: watches of folders and files, asking a holder for a file, and
 * the inbox of notifications. In a workspace, a watched folder or file may be given as a local path.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { eventText, REASON_TEXT } from '#shared/event-text';
import type { EventType } from '#shared/events';
import type { Notification, Watch } from '#shared/model';
import { nameKey } from '#shared/names';
import { notFoundError } from './errors';
import { shortTime } from './format';
import { table } from './output';
import type { VaultContext } from './vault-commands';

/** Notifications shown by default besides every unread one. */
export const INBOX_DEFAULT_LIMIT = 20;
/** The most `inbox` reads, however many are unread: the feed keeps 180 days. */
const INBOX_MOST = 1000;

/**
 * What a watch argument names: in a workspace an existing local folder is its vault folder and an
 * existing local file its vault name; anything else is taken as a vault prefix or name, as given.
 */
const watchedPrefix = (context: VaultContext, argument: string): string => {
  const workspace = context.workspace;
  if (workspace && argument !== '') {
    const found = statSync(path.resolve(context.cwd, argument), { throwIfNoEntry: false });
    if (found?.isDirectory()) {
      const folder = workspace.folder(context.cwd, argument);
      if (folder !== null) return folder;
    } else if (found?.isFile()) return workspace.resolve(context.cwd, argument).name;
  }
  return argument;
};

const typesText = (watch: Watch): string => watch.types?.join(', ') ?? 'every event';
const prefixText = (prefix: string): string => prefix || '(the whole vault)';

export const watch = async (context: VaultContext, argument: string, options: { type?: EventType[] }) => {
  const { watch: created } = await context.api.watch(watchedPrefix(context, argument), options.type ?? null);
  context.out.result(
    { watch: created },
    `watching ${prefixText(created.prefix)} (${typesText(created)}): camvault inbox shows what happens there`,
  );
};

const sameWatch = (watch: Watch, argument: string) =>
  watch.watchId === argument || nameKey(watch.prefix) === nameKey(argument);

export const unwatch = async (context: VaultContext, argument: string) => {
  const { watches } = await context.api.listWatches();
  const prefix = watchedPrefix(context, argument);
  const found = watches.find((watch) => sameWatch(watch, argument) || sameWatch(watch, prefix));
  if (!found) throw notFoundError(`you do not watch ${prefixText(prefix)} (camvault watches lists yours)`);
  const { watch: removed } = await context.api.unwatch(found.watchId);
  context.out.result({ watch: removed }, `no longer watching ${prefixText(removed.prefix)}`);
};

export const watches = async (context: VaultContext) => {
  const { watches: list } = await context.api.listWatches();
  context.out.result(
    list,
    list.length === 0
      ? 'you watch nothing: camvault watch FOLDER/ to hear of changes there'
      : table(
          ['PREFIX', 'EVENTS', 'SINCE', 'WATCH ID'],
          list.map((item) => [
            prefixText(item.prefix),
            typesText(item),
            shortTime(item.createdAt),
            item.watchId,
          ]),
        ),
  );
};

export const request = async (context: VaultContext, argument: string, options: { message?: string }) => {
  const name = context.workspace ? context.workspace.resolve(context.cwd, argument).name : argument;
  const { request: asked } = await context.api.requestFile(name, options.message);
  context.out.result(
    { request: asked },
    `asked ${asked.holder} for ${asked.name}; camvault inbox tells you when it is free`,
  );
};

/** What to do about a notification, when there is one thing to do. */
const hint = (notification: Notification): string => {
  const event = notification.event;
  if (event.type === 'RuleChanged') return '';
  if (notification.reason === 'available') return `  -> camvault checkout "${event.name}"`;
  if (notification.reason === 'request') return `  -> camvault checkin or camvault undo "${event.name}"`;
  return '';
};

/** Every unread notification, then read ones up to `limit` in all, newest first within each. */
export const inbox = async (context: VaultContext, options: { limit?: number; markRead?: boolean }) => {
  const limit = options.limit ?? INBOX_DEFAULT_LIMIT;
  const read: Notification[] = [];
  const unread: Notification[] = [];
  let total = 0;
  let newest: Notification | undefined;
  let cursor: string | undefined;
  do {
    const page = await context.api.notifications(cursor);
    total = page.unread;
    newest ??= page.notifications[0];
    for (const notification of page.notifications) (notification.read ? read : unread).push(notification);
    cursor = page.nextCursor ?? undefined;
  } while (
    cursor &&
    unread.length + read.length < INBOX_MOST &&
    (unread.length < total || unread.length + read.length < limit)
  );
  const shown = [...unread, ...read.slice(0, Math.max(0, limit - unread.length))];
  let unreadLeft = total;
  if (options.markRead && newest && total > 0)
    unreadLeft = (await context.api.markRead(newest.notificationId)).unread;
  const lines = shown.map(
    (notification) =>
      `${notification.read ? ' ' : '*'} ${shortTime(notification.at)}  ${eventText(notification.event)}  (${REASON_TEXT[notification.reason]})${hint(notification)}`,
  );
  const summary =
    shown.length === 0
      ? 'nothing yet: camvault watch FOLDER/ to hear of changes there'
      : options.markRead
        ? `${total} unread, now marked read${unreadLeft > 0 ? ` (${unreadLeft} newer since)` : ''}`
        : `${total} unread${total > 0 ? ' (*); camvault inbox --mark-read marks them read' : ''}`;
  context.out.result({ notifications: shown, unread: unreadLeft }, [summary, ...lines].join('\n'));
};
