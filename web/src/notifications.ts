/**
 * (v2) Hearing about what concerns you, as the CLI's watch, request and inbox commands do: the bell in
 * the header with the unread count (polled, and looked at again when the page gets focus), the feed
 * with "Mark all read" and a one-click checkout of a file that is free now, the Watch / Unwatch button
 * of the open folder, and "Ask for it" on a file someone else holds.
 */
import { eventText, REASON_TEXT } from '../../shared/event-text';
import type { Lock, Notification, VaultFile, Watch } from '../../shared/model';
import { ApiError } from './api';
import { buttons, type Context, cancelButton, explain, messageDialog, openDialog } from './dialogs';
import { h } from './dom';
import { clockTime, describeLock } from './format';

/** Notifications fetched per request of the feed. */
const FEED_PAGE_SIZE = 100;
/** The most the feed reads at once to have every unread one in hand: the feed keeps 180 days. */
const FEED_MOST = 1000;
/** The checkout message of the feed's one-click checkout. */
const AVAILABLE_CHECKOUT_MESSAGE = 'checked out when it became free';

const SVG = 'http://www.w3.org/2000/svg';

/** A bell drawn inline (nothing fetched), decoration only: the button's label says what it is. */
const bellIcon = (): SVGElement => {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [name, value] of Object.entries({
    viewBox: '0 0 24 24',
    width: '18',
    height: '18',
    'aria-hidden': 'true',
    focusable: 'false',
  }))
    svg.setAttribute(name, value);
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute(
    'd',
    'M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6v-5a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z',
  );
  svg.append(path);
  return svg;
};

/** "fixtures/", or the whole vault for the top. */
const placeOf = (prefix: string): string => prefix || 'the whole vault';

const keyOf = (prefix: string) => prefix.normalize('NFC').toLowerCase();

/** Whether a 401 ended the session (the page then shows the sign-in): the only failure a poll reports. */
const signedOut = (context: Context, error: unknown): boolean => {
  if (!(error instanceof ApiError && error.status === 401)) return false;
  context.fail(error);
  return true;
};

// ---- the bell ------------------------------------------------------------------------------------

export interface Bell {
  element: HTMLButtonElement;
  stop(): void;
}

export const notificationsBell = (context: Context, pollSeconds: number): Bell => {
  const count = h('span', { class: 'badge count-badge', hidden: true });
  const element = h(
    'button',
    { type: 'button', class: 'bell', 'aria-haspopup': 'dialog', onclick: () => feedDialog(context, show) },
    bellIcon(),
    count,
  );
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Each look, and each change made here: an answer older than the last change is dropped. */
  let sequence = 0;

  function show(unread: number) {
    sequence++;
    count.textContent = unread > 99 ? '99+' : String(unread);
    count.hidden = unread === 0;
    element.setAttribute('aria-label', `Notifications, ${unread === 0 ? 'none' : unread} unread`);
  }

  const schedule = () => {
    clearTimeout(timer);
    if (!stopped && !document.hidden) timer = setTimeout(() => void look(), pollSeconds * 1000);
  };

  const look = async () => {
    clearTimeout(timer);
    const mine = ++sequence;
    try {
      const { unread } = await context.api.notifications(null, 1);
      if (!stopped && mine === sequence) show(unread);
    } catch (error) {
      // Other failures stay quiet: the file table's "Could not refresh" line tells of them already.
      if (signedOut(context, error)) return;
    }
    schedule();
  };

  const onFocus = () => void look();
  const onVisibility = () => (document.hidden ? clearTimeout(timer) : void look());
  window.addEventListener('focus', onFocus);
  document.addEventListener('visibilitychange', onVisibility);
  show(0);
  void look();
  return {
    element,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
};

// ---- the feed ------------------------------------------------------------------------------------

/**
 * The caller's notifications, newest first, which is also unread first: "read" is everything up to a
 * mark. `showUnread` tells the bell what is left unread.
 */
const feedDialog = (context: Context, showUnread: (unread: number) => void): void => {
  const dialog = openDialog('Notifications', 'wide');
  const status = h('p', { role: 'status' }, 'Loading your notifications…');
  const list = h('ul', { class: 'feed', 'aria-label': 'Your notifications, newest first' });
  const markAll = h('button', { type: 'button', class: 'primary', hidden: true }, 'Mark all read');
  const older = h('button', { type: 'button', hidden: true }, 'Show older notifications');
  const close = cancelButton(dialog, 'Close');
  const unreadMarks = new Map<string, { item: HTMLElement; badge: HTMLElement }>();
  let newest: Notification | undefined;
  let cursor: string | null = null;
  let unread = 0;

  const checkoutAction = (name: string): HTMLElement => {
    const result = h('p', { class: 'result', role: 'status' });
    const button = h(
      'button',
      { type: 'button', class: 'primary', 'aria-label': `Check out ${name}` },
      'Check out',
    );
    button.addEventListener('click', async () => {
      if (button.getAttribute('aria-disabled') === 'true') return;
      button.setAttribute('aria-disabled', 'true');
      try {
        await context.api.checkout(name, AVAILABLE_CHECKOUT_MESSAGE);
        result.className = 'result';
        result.textContent = `You have checked out ${name}.`;
        context.notify(result.textContent);
        button.remove();
        close.focus();
      } catch (error) {
        if (signedOut(context, error)) return;
        // Someone else was quicker: the answer names who has it now.
        result.className = 'result refused';
        result.textContent = explain(error);
        button.removeAttribute('aria-disabled');
      }
      context.refresh();
    });
    return h('div', { class: 'feed-action' }, button, result);
  };

  const itemFor = (notification: Notification): HTMLElement => {
    const event = notification.event;
    // The space goes with the badge: a screen reader reads "New alice checked in…".
    const badge = h('span', {}, h('span', { class: 'badge' }, 'New'), ' ');
    const freeFile =
      notification.reason === 'available' && event.type !== 'FileDeleted' && event.type !== 'RuleChanged'
        ? event.name
        : null;
    const item = h(
      'li',
      { class: notification.read ? '' : 'unread' },
      h('p', { class: 'feed-text' }, notification.read ? null : badge, eventText(event)),
      h(
        'p',
        { class: 'by' },
        h('time', { datetime: notification.at }, clockTime(notification.at)),
        ` · ${REASON_TEXT[notification.reason]}`,
      ),
      freeFile !== null && context.abilities.edit ? checkoutAction(freeFile) : null,
    );
    if (!notification.read) unreadMarks.set(notification.notificationId, { item, badge });
    return item;
  };

  const summary = () => {
    status.textContent =
      list.childElementCount === 0
        ? 'Nothing yet. Watch a folder (the button beside the breadcrumbs) to hear of changes there.'
        : unread === 0
          ? 'Nothing unread.'
          : `${unread} unread, shown first.`;
    markAll.hidden = unread === 0 || newest === undefined;
    older.hidden = cursor === null;
  };

  /** The next page, and more until every unread notification is in hand. */
  const load = async () => {
    older.setAttribute('aria-disabled', 'true');
    try {
      let fetched = 0;
      do {
        const page = await context.api.notifications(cursor, FEED_PAGE_SIZE);
        if (newest === undefined) {
          unread = page.unread;
          showUnread(unread);
        }
        newest ??= page.items[0];
        list.append(...page.items.map(itemFor));
        cursor = page.nextCursor;
        fetched += page.items.length;
      } while (cursor !== null && unreadMarks.size < unread && fetched < FEED_MOST);
      summary();
    } catch (error) {
      if (!signedOut(context, error)) dialog.fail(error);
    }
    older.removeAttribute('aria-disabled');
  };

  markAll.addEventListener('click', async () => {
    if (!newest) return;
    markAll.setAttribute('aria-disabled', 'true');
    try {
      unread = await context.api.markRead(newest.notificationId);
      for (const { item, badge } of unreadMarks.values()) {
        item.classList.remove('unread');
        badge.remove();
      }
      unreadMarks.clear();
      showUnread(unread);
      summary();
      // Newer ones came meanwhile: they are not in this list.
      if (unread > 0) status.textContent = `All shown are read; ${unread} newer came meanwhile.`;
      close.focus();
    } catch (error) {
      if (!signedOut(context, error)) dialog.fail(error);
    }
    markAll.removeAttribute('aria-disabled');
  });
  older.addEventListener('click', () => {
    if (older.getAttribute('aria-disabled') !== 'true') void load();
  });

  dialog.body.append(status, list, buttons(markAll, older, close));
  close.focus();
  void load();
};

// ---- watching the open folder ---------------------------------------------------------------------

export interface WatchToggle {
  element: HTMLButtonElement;
  /** The folder now open: the button tells whether the caller watches it (from `GET /watches`). */
  show(prefix: string): void;
}

export const watchToggle = (context: Context): WatchToggle => {
  const element = h('button', { type: 'button', class: 'watch', hidden: true });
  let folder = '';
  let watches: Watch[] | null = null;
  let busy = false;
  let sequence = 0;

  const watchOf = (prefix: string) => watches?.find((watch) => keyOf(watch.prefix) === keyOf(prefix));

  const render = () => {
    element.hidden = watches === null;
    const watching = watchOf(folder) !== undefined;
    element.textContent = watching ? 'Unwatch' : 'Watch';
    element.setAttribute('aria-label', `${watching ? 'Unwatch' : 'Watch'} ${placeOf(folder)}`);
    element.title = watching
      ? `Changes in ${placeOf(folder)} reach your notifications`
      : `Be told of every change in ${placeOf(folder)}`;
  };

  const reload = async () => {
    const mine = ++sequence;
    try {
      const listed = await context.api.listWatches();
      if (mine !== sequence) return;
      watches = listed;
      render();
    } catch (error) {
      context.fail(error);
    }
  };

  element.addEventListener('click', async () => {
    if (busy || watches === null) return;
    busy = true;
    // aria-disabled, not disabled: a disabled button drops keyboard focus to the page's start.
    element.setAttribute('aria-disabled', 'true');
    const prefix = folder;
    const existing = watchOf(prefix);
    sequence++;
    try {
      if (existing) {
        await context.api.unwatch(existing.watchId);
        watches = watches.filter((watch) => watch.watchId !== existing.watchId);
        context.notify(`You no longer watch ${placeOf(prefix)}.`);
      } else {
        const created = await context.api.watch(prefix);
        watches = [...watches.filter((watch) => watch.watchId !== created.watchId), created];
        context.notify(`You watch ${placeOf(prefix)}: every change there reaches your notifications.`);
      }
      render();
    } catch (error) {
      context.fail(error);
      void reload();
    } finally {
      busy = false;
      element.removeAttribute('aria-disabled');
    }
  });

  return {
    element,
    show: (prefix) => {
      folder = prefix;
      render();
      void reload();
    },
  };
};

// ---- asking for a held file ----------------------------------------------------------------------

export const askDialog = (context: Context, file: VaultFile, lock: Lock): void =>
  messageDialog(context, {
    title: `Ask ${lock.user} for ${file.name}`,
    explanation: `${describeLock(lock)}. ${lock.user} is told at once that you need it, and your notifications tell you when it is free.`,
    label: `Message to ${lock.user}`,
    hint: 'Why you need it, or by when (optional).',
    submitLabel: 'Ask for it',
    run: async (message) => {
      try {
        await context.api.requestFile(file.name, message);
      } catch (error) {
        // Freed or taken by someone else meanwhile: the table shows it as it is now.
        if (error instanceof ApiError && error.status === 409) context.refresh();
        throw error;
      }
      return `You asked ${lock.user} for ${file.name}; your notifications tell you when it is free.`;
    },
  });
