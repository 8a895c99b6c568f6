/**
 * The signed-in page: the file table with its filters, kept fresh by polling, and a button per action
 * a row allows. Rows are keyed by file, so a refresh replaces only rows that changed and keyboard
 * focus stays where it was.
 */
import type { FileStatus, VaultFile } from '../../shared/model';
import { ApiError, type VaultApi } from './api';
import type { Session } from './auth';
import {
  breakLockDialog,
  type Context,
  checkoutDialog,
  download,
  explain,
  historyDialog,
  locksDialog,
  transferDialog,
} from './dialogs';
import { field, h } from './dom';
import { baseName, folderOf, humanBytes, shortTime } from './format';

export interface AppOptions {
  api: VaultApi;
  session: Session;
  pollSeconds: number;
  /** The session ended (expired, refused, or signed out): show the sign-in again. */
  onSignedOut(reason: string): void;
}

interface Filters {
  prefix: string;
  status: '' | FileStatus;
  search: string;
  mine: boolean;
}

const clock = (date: Date) =>
  date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export const startApp = (root: HTMLElement, options: AppOptions): (() => void) => {
  const { api, session } = options;
  const filters: Filters = { prefix: '', status: '', search: '', mine: false };
  let files: VaultFile[] = [];
  let loaded = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sequence = 0;

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
  const columns = ['Name', 'Version', 'Size', 'Modified', 'Status', 'Holder', 'Checkout message', 'Actions'];
  const table = h(
    'table',
    { class: 'files' },
    h('caption', { class: 'visually-hidden' }, 'Files in the vault, by name'),
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

  const context: Context = {
    api,
    session,
    refresh: () => void refresh(),
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

  const prefix = h('input', {
    type: 'search',
    placeholder: 'e.g. fixtures/',
    autocomplete: 'off',
    spellcheck: false,
  });
  const status = h(
    'select',
    {},
    h('option', { value: '' }, 'All'),
    h('option', { value: 'available' }, 'Available'),
    h('option', { value: 'checked_out' }, 'Checked out'),
  );
  const search = h('input', { type: 'search', autocomplete: 'off', spellcheck: false });
  const mine = h('input', { type: 'checkbox', id: 'filter-mine' });
  let debounce: ReturnType<typeof setTimeout> | undefined;
  const filtersChanged = () => {
    filters.search = search.value.trim().toLowerCase();
    filters.mine = mine.checked;
    render();
    clearTimeout(debounce);
    const wantedPrefix = prefix.value.trim();
    const wantedStatus = status.value as Filters['status'];
    if (wantedPrefix !== filters.prefix || wantedStatus !== filters.status) {
      debounce = setTimeout(() => {
        filters.prefix = wantedPrefix;
        filters.status = wantedStatus;
        void refresh();
      }, 250);
    }
  };
  for (const control of [prefix, search]) control.addEventListener('input', filtersChanged);
  for (const control of [status, mine]) control.addEventListener('change', filtersChanged);
  const filterForm = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the files' },
    field('Folder', prefix),
    field('Status', status),
    field('Name contains', search),
    h('div', { class: 'check' }, mine, h('label', { for: mine.id }, 'Only mine')),
  );
  filterForm.addEventListener('submit', (event) => event.preventDefault());

  const addButton = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      onclick: () => transferDialog(context, { kind: 'add', folder: folderFromFilter() }),
    },
    'Add file',
  );
  const folderFromFilter = () => (prefix.value.trim().endsWith('/') ? prefix.value.trim() : '');

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
        session.admin ? h('span', { class: 'badge' }, 'admin') : null,
      ),
      h('nav', { 'aria-label': 'Account' }, [
        h('button', { type: 'button', onclick: () => void locksDialog(context) }, 'Who has what'),
        h('button', { type: 'button', onclick: () => session.signOut() }, 'Sign out'),
      ]),
    ),
    h(
      'main',
      { id: 'main' },
      h('div', { class: 'toolbar' }, h('h1', { id: 'files-title' }, 'Files'), addButton),
      filterForm,
      notice,
      alert,
      h(
        'div',
        { class: 'table-wrap', id: 'files', tabindex: 0, role: 'region', 'aria-labelledby': 'files-title' },
        table,
      ),
      empty,
      updated,
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

  const rowFor = (file: VaultFile): HTMLTableRowElement => {
    const lock = file.lock;
    const mineLock = lock?.user === session.user;
    const actions: HTMLElement[] = [];
    if (!lock)
      actions.push(
        actionButton('Check out', file, 'checkout', () => checkoutDialog(context, file), 'primary'),
      );
    if (mineLock) {
      actions.push(
        actionButton(
          'Check in',
          file,
          'checkin',
          () => transferDialog(context, { kind: 'checkin', file }),
          'primary',
        ),
        actionButton('Undo checkout', file, 'undo', () => void undo(file)),
      );
    }
    if (lock && !mineLock && session.admin)
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
      h(
        'th',
        { scope: 'row', class: 'name' },
        h('span', { class: 'folder' }, folderOf(file.name)),
        baseName(file.name),
      ),
      h('td', { class: 'num' }, file.version),
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

  const visible = () =>
    files.filter(
      (file) =>
        (!filters.search || file.name.toLowerCase().includes(filters.search)) &&
        (!filters.mine || file.lock?.user === session.user),
    );

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
      files.length === 0 && !filters.prefix && !filters.status
        ? 'The vault is empty. Add a file to start.'
        : 'No file matches these filters.';
  }

  const refresh = async (): Promise<void> => {
    const mySequence = ++sequence;
    clearTimeout(timer);
    try {
      const listed = await api.listFiles({
        prefix: filters.prefix || undefined,
        status: filters.status || undefined,
      });
      if (stopped || mySequence !== sequence) return;
      files = listed;
      loaded = true;
      updated.textContent = `Updated ${clock(new Date())}; refreshes every ${options.pollSeconds} s.`;
      updated.classList.remove('stale');
      render();
    } catch (error) {
      if (stopped || mySequence !== sequence) return;
      if (error instanceof ApiError && error.status === 401) return options.onSignedOut(explain(error));
      updated.textContent = `Could not refresh at ${clock(new Date())}: ${explain(error)}`;
      updated.classList.add('stale');
    }
    schedule();
  };

  const schedule = () => {
    clearTimeout(timer);
    if (!stopped && !document.hidden) timer = setTimeout(() => void refresh(), options.pollSeconds * 1000);
  };
  const onVisibility = () => {
    if (document.hidden) clearTimeout(timer);
    else void refresh();
  };
  document.addEventListener('visibilitychange', onVisibility);

  // ---- drag and drop anywhere: on a row you hold, a check-in; elsewhere, a new file ----
  const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
  const onDragOver = (event: DragEvent) => {
    if (!hasFiles(event) || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    document.body.classList.add('dragging');
  };
  const onDragEnd = () => document.body.classList.remove('dragging');
  const onDrop = (event: DragEvent) => {
    document.body.classList.remove('dragging');
    if (!hasFiles(event) || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    const dropped = event.dataTransfer?.files[0];
    if (!dropped) return;
    const key = (event.target as Element | null)?.closest?.('tr[data-key]')?.getAttribute('data-key');
    const file = key ? files.find((candidate) => keyOf(candidate) === key) : undefined;
    if (file && file.lock?.user === session.user) transferDialog(context, { kind: 'checkin', file }, dropped);
    else
      transferDialog(
        context,
        { kind: 'add', folder: file ? folderOf(file.name) : folderFromFilter() },
        dropped,
      );
  };
  document.addEventListener('dragover', onDragOver);
  document.addEventListener('dragleave', onDragEnd);
  document.addEventListener('drop', onDrop);

  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(debounce);
    document.removeEventListener('visibilitychange', onVisibility);
    document.removeEventListener('dragover', onDragOver);
    document.removeEventListener('dragleave', onDragEnd);
    document.removeEventListener('drop', onDrop);
    for (const dialog of document.querySelectorAll('dialog')) dialog.remove();
  };
};
