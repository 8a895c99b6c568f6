/**
 * The signed-in page: the folder tree, breadcrumbs, and the files of one folder at a time, a page of
 * them at a time ("Show more files" fetches the next), kept fresh by polling the pages shown. A row
 * has a button per action the caller's role allows (`GET /me`); an operator sees the released
 * versions only, each with one download button. Rows are keyed by file, so a refresh replaces only
 * rows that changed and keyboard focus stays where it was. (v2) The notifications bell, the open
 * folder's Watch / Unwatch and a held file's "Ask for it" come from notifications.ts.
 */
import type { Me, VaultFile } from '../../shared/model';
import { ApiError, type VaultApi } from './api';
import type { Session } from './auth';
import {
  breakLockDialog,
  type Context,
  checkoutDialog,
  deleteDialog,
  download,
  explain,
  historyDialog,
  locksDialog,
  moveDialog,
  transferDialog,
  trashDialog,
} from './dialogs';
import { field, h } from './dom';
import { baseName, crumbsOf, folderOf, humanBytes, shortTime } from './format';
import { askDialog, notificationsBell, watchToggle } from './notifications';
import { abilitiesOf, roleName } from './roles';
import { folderTree } from './tree';

export interface AppOptions {
  api: VaultApi;
  session: Session;
  pollSeconds: number;
  /** (v2) Seconds between looks at the caller's notifications. */
  notificationsPollSeconds: number;
  /** (v2) Parts of a large file sent at once. */
  partsInParallel: number;
  /** The session ended (expired, refused, or signed out): show the sign-in again. */
  onSignedOut(reason: string): void;
}

/** Files fetched per request: the contract's default page. */
export const FILES_PAGE_SIZE = 100;
/**
 * A filtered listing (an operator's released files) examines `limit` files a request and may keep none
 * of them. After an empty page the page asks for the most the contract allows, this many times at most
 * before it shows what it has (nothing, and "Show more files").
 */
export const MAX_EMPTY_PAGES = 20;
const LARGEST_PAGE = 1000;

const clock = (date: Date) =>
  date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** Asks who the caller is (their role decides what the page offers), then starts the page. */
export const startApp = (root: HTMLElement, options: AppOptions): (() => void) => {
  let stop: (() => void) | null = null;
  let stopped = false;
  options.api.me().then(
    (me) => {
      if (!stopped) stop = startFolderView(root, options, me);
    },
    (error) => {
      if (stopped) return;
      if (error instanceof ApiError && error.status === 401) return options.onSignedOut(explain(error));
      root.replaceChildren(
        h('main', { id: 'main' }, h('h1', {}, 'camvault'), h('p', { role: 'alert' }, explain(error))),
      );
    },
  );
  return () => {
    stopped = true;
    stop?.();
  };
};

const startFolderView = (root: HTMLElement, options: AppOptions, me: Me): (() => void) => {
  const { api, session } = options;
  const abilities = abilitiesOf(me.role);
  let folder = '';
  let files: VaultFile[] = [];
  let nextCursor: string | null = null;
  /** How many pages of the folder are shown: a refresh fetches as many again. */
  let pagesShown = 0;
  let loaded = false;
  let loadingMore = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sequence = 0;
  let search = '';

  // ---- the frame ----
  const notice = h('p', { class: 'notice', role: 'status' });
  const alertText = h('span');
  const alert = h(
    'div',
    { class: 'alert', role: 'alert', hidden: true },
    alertText,
    h('button', { type: 'button', class: 'link', onclick: () => (alert.hidden = true) }, 'Dismiss'),
  );
  const updated = h('p', { class: 'updated' });
  const empty = h('p', { class: 'empty', hidden: true });
  const tbody = h('tbody');
  const columns = abilities.releasedOnly
    ? ['Name', 'Released version', 'Released', 'Release note', 'Download']
    : ['Name', 'Version', 'Released', 'Size', 'Modified', 'Status', 'Holder', 'Checkout message', 'Actions'];
  const caption = h('caption', { class: 'visually-hidden' });
  const table = h(
    'table',
    { class: 'files' },
    caption,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((title) => h('th', { scope: 'col' }, title)),
      ),
    ),
    tbody,
  );
  const more = h(
    'button',
    { type: 'button', class: 'more', hidden: true, onclick: () => void loadMore() },
    'Show more files',
  );

  const context: Context = {
    api,
    session,
    abilities,
    partsInParallel: options.partsInParallel,
    refresh: () => {
      void refresh();
      void tree.reload().catch(context.fail);
    },
    notify: (text) => {
      alert.hidden = true;
      // Cleared first, and set a moment later, so that the same words twice are announced twice.
      notice.textContent = '';
      setTimeout(() => {
        notice.textContent = text;
      }, 50);
    },
    fail: (error) => {
      if (error instanceof ApiError && error.status === 401) return options.onSignedOut(explain(error));
      alertText.textContent = `${explain(error)} `;
      alert.hidden = false;
      void refresh();
    },
  };

  const tree = folderTree(api, (prefix) => openFolder(prefix), context.fail);
  // Watches, requests and the feed are for those who change files: operators work with releases only.
  const bell = abilities.edit ? notificationsBell(context, options.notificationsPollSeconds) : null;
  const watch = abilities.edit ? watchToggle(context) : null;
  const crumbs = h('ol', { class: 'crumbs' });
  const title = h('h1', { id: 'files-title' }, 'Files');

  const nameFilter = h('input', { type: 'search', autocomplete: 'off', spellcheck: false });
  nameFilter.addEventListener('input', () => {
    search = nameFilter.value.trim().toLowerCase();
    render();
  });
  const filterForm = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the files shown' },
    field('Name contains', nameFilter),
  );
  filterForm.addEventListener('submit', (event) => event.preventDefault());

  const addButton = abilities.edit
    ? h(
        'button',
        {
          type: 'button',
          class: 'primary',
          onclick: () => transferDialog(context, { kind: 'add', folder }),
        },
        'Add file',
      )
    : null;

  root.replaceChildren(
    h('a', { class: 'skip', href: '#files' }, 'Skip to the files'),
    h(
      'header',
      { class: 'bar' },
      h('p', { class: 'brand' }, 'camvault'),
      h(
        'p',
        { class: 'who' },
        'Signed in as ',
        h('strong', {}, session.user),
        h('span', { class: 'badge' }, roleName(me.role)),
      ),
      h('nav', { 'aria-label': 'Account' }, [
        bell?.element,
        abilities.edit ? h('button', { type: 'button', onclick: () => trashDialog(context) }, 'Trash') : null,
        h('button', { type: 'button', onclick: () => void locksDialog(context) }, 'Who has what'),
        h('button', { type: 'button', onclick: () => session.signOut() }, 'Sign out'),
      ]),
    ),
    h(
      'div',
      { class: 'layout' },
      h('nav', { class: 'tree-pane', 'aria-label': 'Folder tree' }, tree.element),
      h(
        'main',
        { id: 'main' },
        h('div', { class: 'toolbar' }, title, addButton),
        h('div', { class: 'where' }, h('nav', { 'aria-label': 'Breadcrumb' }, crumbs), watch?.element),
        abilities.releasedOnly
          ? h('p', { class: 'hint' }, 'The versions released for the machines. Other files are not shown.')
          : null,
        filterForm,
        notice,
        alert,
        h(
          'div',
          { class: 'table-wrap', id: 'files', tabindex: 0, role: 'region', 'aria-labelledby': 'files-title' },
          table,
        ),
        empty,
        more,
        updated,
      ),
    ),
  );

  // ---- rows ----
  const rows = new Map<string, { signature: string; row: HTMLTableRowElement }>();
  const keyOf = (file: VaultFile) => file.name.normalize('NFC').toLowerCase();

  const actionButton = (
    label: string,
    file: VaultFile,
    action: string,
    onclick: () => void,
    className = '',
  ) =>
    h(
      'button',
      {
        type: 'button',
        class: className,
        'data-action': action,
        'aria-label': `${label} ${file.name}`,
        onclick,
      },
      label,
    );

  const releasedBadge = (file: VaultFile) =>
    file.released
      ? h(
          'span',
          { class: 'badge released', title: `Released by ${file.released.releasedBy}` },
          `released v${file.released.version}`,
        )
      : '';

  const operatorRow = (file: VaultFile): HTMLTableRowElement => {
    const release = file.released;
    return h(
      'tr',
      { 'data-key': keyOf(file) },
      h('th', { scope: 'row', class: 'name' }, baseName(file.name)),
      h('td', { class: 'num' }, release?.version ?? ''),
      h(
        'td',
        { class: 'modified' },
        release ? h('time', { datetime: release.releasedAt }, shortTime(release.releasedAt)) : '',
        release ? h('span', { class: 'by' }, ` by ${release.releasedBy}`) : '',
      ),
      h('td', { class: 'message' }, release?.message ?? ''),
      h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'primary big',
            'data-action': 'download',
            'aria-label': `Download ${file.name}, released version ${release?.version ?? ''}`,
            // Without a version the server gives an operator the released one.
            onclick: () => void download(context, file.name),
          },
          `Download v${release?.version ?? ''}`,
        ),
      ),
    );
  };

  const rowFor = (file: VaultFile): HTMLTableRowElement => {
    if (abilities.releasedOnly) return operatorRow(file);
    const lock = file.lock;
    const mineLock = lock?.user === session.user;
    const actions: HTMLElement[] = [];
    if (abilities.edit && !lock)
      actions.push(
        actionButton('Check out', file, 'checkout', () => checkoutDialog(context, file), 'primary'),
      );
    if (abilities.edit && mineLock) {
      actions.push(
        actionButton(
          'Check in',
          file,
          'checkin',
          () => transferDialog(context, { kind: 'checkin', file }),
          'primary',
        ),
        actionButton('Undo checkout', file, 'undo', () => void undo(file)),
        actionButton('Move', file, 'move', () => moveDialog(context, file)),
        actionButton('Delete', file, 'delete', () => deleteDialog(context, file), 'danger'),
      );
    }
    if (abilities.edit && lock && !mineLock)
      actions.push(actionButton('Ask for it', file, 'ask', () => askDialog(context, file, lock)));
    if (lock && !mineLock && abilities.breakLocks)
      actions.push(
        actionButton('Break lock', file, 'break', () => breakLockDialog(context, file, lock), 'danger'),
      );
    actions.push(
      actionButton('Download', file, 'download', () => void download(context, file.name)),
      actionButton('History', file, 'history', () => void historyDialog(context, file)),
    );
    const statusText = !lock ? 'Available' : mineLock ? 'Checked out by you' : 'Checked out';
    return h(
      'tr',
      { 'data-key': keyOf(file), class: mineLock ? 'mine' : '' },
      h('th', { scope: 'row', class: 'name' }, baseName(file.name)),
      h('td', { class: 'num' }, file.version),
      h('td', {}, releasedBadge(file)),
      h('td', { class: 'num' }, humanBytes(file.sizeBytes)),
      h(
        'td',
        { class: 'modified' },
        h('time', { datetime: file.modifiedAt }, shortTime(file.modifiedAt)),
        h('span', { class: 'by' }, ` by ${file.modifiedBy}`),
      ),
      h('td', {}, h('span', { class: `status ${lock ? 'checked-out' : 'available'}` }, statusText)),
      h('td', { class: 'holder' }, lock?.user ?? ''),
      h('td', { class: 'message' }, lock?.message ?? ''),
      h('td', {}, h('div', { class: 'actions' }, actions)),
    );
  };

  const undo = async (file: VaultFile) => {
    try {
      await api.releaseLock(file.name, false);
      context.notify(`Your checkout of ${file.name} is undone.`);
      void refresh();
    } catch (error) {
      context.fail(error);
    }
  };

  const visible = () => files.filter((file) => !search || baseName(file.name).toLowerCase().includes(search));

  function render() {
    const shown = visible();
    const focused = document.activeElement;
    const focusedRow = focused instanceof HTMLElement ? focused.closest('tr[data-key]') : null;
    const focusedKey = focusedRow?.getAttribute('data-key');
    const focusedAction = focused instanceof HTMLElement ? focused.getAttribute('data-action') : null;

    const wanted = new Set(shown.map(keyOf));
    for (const [key, { row }] of rows) {
      if (!wanted.has(key)) {
        row.remove();
        rows.delete(key);
      }
    }
    let previous: HTMLTableRowElement | null = null;
    for (const file of shown) {
      const key = keyOf(file);
      const signature = JSON.stringify(file);
      let entry = rows.get(key);
      if (!entry || entry.signature !== signature) {
        const row = rowFor(file);
        if (entry) entry.row.replaceWith(row);
        entry = { signature, row };
        rows.set(key, entry);
      }
      // Moved only when out of place: moving a row would take focus out of it.
      const expected: Element | null = previous ? previous.nextElementSibling : tbody.firstElementChild;
      if (expected !== entry.row) tbody.insertBefore(entry.row, expected);
      previous = entry.row;
    }
    if (focusedKey && !focusedRow?.isConnected) {
      const row = rows.get(focusedKey)?.row;
      const target =
        row?.querySelector<HTMLElement>(`[data-action="${focusedAction}"]`) ?? row?.querySelector('button');
      target?.focus();
    }

    empty.hidden = !loaded || shown.length > 0;
    empty.textContent =
      files.length > 0
        ? 'No file here matches this filter.'
        : nextCursor !== null
          ? 'None found yet: "Show more files" looks further.'
          : abilities.releasedOnly
            ? 'No released file directly in this folder.'
            : 'No file directly in this folder: its sub-folders are in the tree.';
    more.hidden = nextCursor === null;
    caption.textContent = `Files in ${folder || 'the top of the vault'}, by name`;
  }

  const showCrumbs = () => {
    const path = crumbsOf(folder);
    crumbs.replaceChildren(
      ...path.map((crumb, index) =>
        h(
          'li',
          {},
          index === path.length - 1
            ? h('span', { 'aria-current': 'page' }, crumb.label)
            : h(
                'button',
                { type: 'button', class: 'link', onclick: () => openFolder(crumb.prefix) },
                crumb.label,
              ),
        ),
      ),
    );
    title.textContent = folder ? `Files in ${folder}` : 'Files';
  };

  const updatedNow = () => {
    updated.textContent = `Updated ${clock(new Date())}; refreshes every ${options.pollSeconds} s.`;
    updated.classList.remove('stale');
  };

  const failedToLoad = (error: unknown) => {
    if (error instanceof ApiError && error.status === 401) return options.onSignedOut(explain(error));
    updated.textContent = `Could not refresh at ${clock(new Date())}: ${explain(error)}`;
    updated.classList.add('stale');
  };

  /** The next page that has files in it, or the last page, or where the search stopped. */
  const nextPage = async (from: string | null) => {
    let page = await api.listFolderFiles(folder, from, FILES_PAGE_SIZE);
    for (
      let empty = 1;
      page.items.length === 0 && page.nextCursor !== null && empty < MAX_EMPTY_PAGES;
      empty++
    )
      page = await api.listFolderFiles(folder, page.nextCursor, LARGEST_PAGE);
    return page;
  };

  /** The first `pages` pages of the open folder, fetched again from its start. */
  const refresh = async (pages = Math.max(1, pagesShown)): Promise<void> => {
    const mySequence = ++sequence;
    clearTimeout(timer);
    try {
      const listed: VaultFile[] = [];
      let cursor: string | null = null;
      let fetched = 0;
      do {
        const page = await nextPage(cursor);
        if (stopped || mySequence !== sequence) return;
        listed.push(...page.items);
        cursor = page.nextCursor;
        fetched++;
      } while (cursor !== null && fetched < pages);
      files = listed;
      nextCursor = cursor;
      pagesShown = fetched;
      loaded = true;
      updatedNow();
      render();
    } catch (error) {
      if (stopped || mySequence !== sequence) return;
      failedToLoad(error);
    }
    schedule();
  };

  const loadMore = async () => {
    if (nextCursor === null || loadingMore) return;
    const mySequence = ++sequence;
    loadingMore = true;
    // aria-disabled, not disabled: a disabled button drops keyboard focus to the page's start.
    more.setAttribute('aria-disabled', 'true');
    clearTimeout(timer);
    try {
      const page = await nextPage(nextCursor);
      if (stopped || mySequence !== sequence) return;
      files = [...files, ...page.items];
      nextCursor = page.nextCursor;
      pagesShown++;
      updatedNow();
      render();
      context.notify(`${files.length} files shown${nextCursor ? '; more follow' : ''}.`);
    } catch (error) {
      if (stopped || mySequence !== sequence) return;
      failedToLoad(error);
    } finally {
      loadingMore = false;
      more.removeAttribute('aria-disabled');
    }
    schedule();
  };

  function openFolder(prefix: string) {
    folder = prefix;
    files = [];
    nextCursor = null;
    pagesShown = 0;
    loaded = false;
    render();
    showCrumbs();
    watch?.show(prefix);
    void tree.select(prefix).catch(context.fail);
    void refresh(1);
  }

  const schedule = () => {
    clearTimeout(timer);
    // A poll never interrupts "Show more files": it fetches again only what is shown.
    if (!stopped && !document.hidden)
      timer = setTimeout(() => void (loadingMore ? schedule() : refresh()), options.pollSeconds * 1000);
  };
  const onVisibility = () => {
    if (document.hidden) clearTimeout(timer);
    else void refresh();
  };
  document.addEventListener('visibilitychange', onVisibility);

  // ---- drag and drop anywhere: on a row you hold, a check-in; elsewhere, a new file here ----
  const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
  const onDragOver = (event: DragEvent) => {
    if (!abilities.edit || !hasFiles(event) || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    document.body.classList.add('dragging');
  };
  const onDragEnd = () => document.body.classList.remove('dragging');
  const onDrop = (event: DragEvent) => {
    document.body.classList.remove('dragging');
    if (!abilities.edit || !hasFiles(event) || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    const dropped = event.dataTransfer?.files[0];
    if (!dropped) return;
    const key = (event.target as Element | null)?.closest?.('tr[data-key]')?.getAttribute('data-key');
    const file = key ? files.find((candidate) => keyOf(candidate) === key) : undefined;
    if (file && file.lock?.user === session.user) transferDialog(context, { kind: 'checkin', file }, dropped);
    else transferDialog(context, { kind: 'add', folder: file ? folderOf(file.name) : folder }, dropped);
  };
  document.addEventListener('dragover', onDragOver);
  document.addEventListener('dragleave', onDragEnd);
  document.addEventListener('drop', onDrop);

  openFolder('');
  return () => {
    stopped = true;
    clearTimeout(timer);
    bell?.stop();
    document.removeEventListener('visibilitychange', onVisibility);
    document.removeEventListener('dragover', onDragOver);
    document.removeEventListener('dragleave', onDragEnd);
    document.removeEventListener('drop', onDrop);
    for (const dialog of document.querySelectorAll('dialog')) dialog.remove();
  };
};
