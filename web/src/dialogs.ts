/**
 * The actions that need more than a click, each in a modal <dialog> (keyboard focus stays inside,
 * Escape cancels, focus returns to the button that opened it): checkout, check-in or add with progress,
 * history, who has what, and the admin's break-lock confirmation.
 */
import type { Lock, VaultFile } from '../../shared/model';
import { ApiError, type VaultApi } from './api';
import type { Session } from './auth';
import { h, uid } from './dom';
import { baseName, clockTime, describeFailure, describeLock, humanBytes, shortTime } from './format';
import { putToStorage, sha256OfFile } from './transfer';

/** What the dialogs need from the page around them. */
export interface Context {
  api: VaultApi;
  session: Session;
  /** Reloads the file table now. */
  refresh(): void;
  /** Announces a success in the page's status line. */
  notify(text: string): void;
  /** Shows a failure in the page's alert (for actions outside a dialog). */
  fail(error: unknown): void;
}

/** A failure in plain words, whatever threw it. */
export const explain = (error: unknown): string =>
  error instanceof ApiError
    ? describeFailure(error)
    : `Something went wrong: ${(error as Error)?.message ?? String(error)}`;

interface Dialog {
  element: HTMLDialogElement;
  body: HTMLElement;
  /** Shows a failure inside the dialog, where the user is looking. */
  fail(error: unknown): void;
  close(): void;
}

const openDialog = (title: string, className = ''): Dialog => {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const titleId = uid('dialog-title');
  const alert = h('p', { class: 'alert', role: 'alert', hidden: true });
  const body = h('div', { class: 'dialog-body' });
  const element = h('dialog', { 'aria-labelledby': titleId, class: `dialog ${className}` }, [
    h('h2', { id: titleId }, title),
    alert,
    body,
  ]);
  element.addEventListener('close', () => {
    element.remove();
    if (opener?.isConnected) opener.focus();
  });
  document.body.append(element);
  element.showModal();
  return {
    element,
    body,
    fail: (error) => {
      alert.textContent = explain(error);
      alert.hidden = false;
    },
    close: () => element.close(),
  };
};

const buttons = (...children: HTMLElement[]) => h('div', { class: 'buttons' }, children);

const cancelButton = (dialog: Dialog, label = 'Cancel') =>
  h('button', { type: 'button', onclick: () => dialog.close() }, label);

// ---- checkout ------------------------------------------------------------------------------------

export const checkoutDialog = (context: Context, file: VaultFile): void => {
  const dialog = openDialog(`Check out ${file.name}`);
  const message = h('textarea', { id: uid('message'), rows: 3, maxlength: 1000 });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Check out');
  const form = h(
    'form',
    {},
    h(
      'div',
      { class: 'field' },
      h('label', { for: message.id }, 'Checkout message'),
      message,
      h('p', { class: 'hint' }, 'What you are changing, so the others know (optional).'),
    ),
    buttons(submit, cancelButton(dialog)),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await context.api.checkout(file.name, message.value.trim());
      dialog.close();
      context.notify(`You have checked out ${file.name}.`);
      context.refresh();
    } catch (error) {
      dialog.fail(error);
      submit.disabled = false;
      if (error instanceof ApiError && error.code === 'LOCKED') context.refresh();
    }
  });
  dialog.body.append(form);
  message.focus();
};

// ---- check in a new version, or add a new file ---------------------------------------------------

export type TransferTarget = { kind: 'checkin'; file: VaultFile } | { kind: 'add'; folder: string };

/** A progress bar with its label and percentage, e.g. "Uploading 100 %". */
const progressBar = (label: string) => {
  const id = uid('progress');
  const bar = h('progress', { id, max: 100, value: 0, 'aria-labelledby': `${id}-label` });
  const percent = h('span', { class: 'percent' }, '0 %');
  const wrapper = h(
    'div',
    { class: 'progress', hidden: true },
    h('span', { id: `${id}-label` }, label),
    bar,
    percent,
  );
  return {
    element: wrapper,
    set(done: number, total: number) {
      const value = total === 0 ? 100 : Math.min(100, Math.floor((done / total) * 100));
      wrapper.hidden = false;
      bar.value = value;
      percent.textContent = `${value} %`;
    },
  };
};

export const transferDialog = (context: Context, target: TransferTarget, initial?: File): void => {
  const checkin = target.kind === 'checkin';
  const dialog = openDialog(checkin ? `Check in ${target.file.name}` : 'Add a new file', 'transfer');
  let chosen: File | null = null;
  // Closing the dialog (Cancel, Escape) while the file is read or uploaded stops that work.
  const closed = new AbortController();
  dialog.element.addEventListener('close', () => closed.abort());

  const input = h('input', { type: 'file', id: uid('file'), class: 'file-input' });
  const chosenText = h('p', { class: 'chosen', 'aria-live': 'polite' }, 'No file chosen yet.');
  const dropZone = h(
    'div',
    { class: 'drop-zone' },
    h('label', { for: input.id }, checkin ? 'New version: choose a file' : 'File to add: choose a file'),
    input,
    h('p', { class: 'hint' }, '…or drop one here.'),
    chosenText,
  );
  const name = h('input', {
    type: 'text',
    id: uid('name'),
    required: true,
    autocomplete: 'off',
    spellcheck: false,
  });
  name.value = checkin ? target.file.name : target.folder;
  let nameEdited = false;
  name.addEventListener('input', () => {
    nameEdited = true;
  });
  const message = h('textarea', { id: uid('message'), rows: 2, maxlength: 1000 });
  const keepLock = h('input', { type: 'checkbox', id: uid('keep') });
  const hashing = progressBar('Computing SHA-256');
  const uploading = progressBar('Uploading');
  const result = h('p', { class: 'result', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, checkin ? 'Check in' : 'Add file');
  const cancel = cancelButton(dialog);

  const choose = (file: File | undefined) => {
    if (!file) return;
    chosen = file;
    const renamed = checkin && file.name !== baseName(target.file.name);
    chosenText.textContent = `Chosen: ${file.name} (${humanBytes(file.size)})${renamed ? ` — it will be stored as ${baseName(target.file.name)}` : ''}.`;
    if (!checkin && !nameEdited) name.value = `${target.folder}${file.name}`;
  };
  input.addEventListener('change', () => choose(input.files?.[0]));
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    dropZone.classList.add('over');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    event.stopPropagation();
    dropZone.classList.remove('over');
    choose(event.dataTransfer?.files[0]);
  });

  const form = h(
    'form',
    {},
    dropZone,
    checkin
      ? null
      : h(
          'div',
          { class: 'field' },
          h('label', { for: name.id }, 'Name in the vault'),
          name,
          h('p', { class: 'hint' }, 'Folders are separated by /, e.g. fixtures/Plate A.mcam.'),
        ),
    h('div', { class: 'field' }, h('label', { for: message.id }, 'Check-in message'), message),
    h(
      'div',
      { class: 'check' },
      keepLock,
      h(
        'label',
        { for: keepLock.id },
        checkin ? 'Keep it checked out after the check-in' : 'Keep it checked out to me',
      ),
    ),
    hashing.element,
    uploading.element,
    result,
    buttons(submit, cancel),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!chosen) {
      dialog.fail(new ApiError(400, 'BAD_REQUEST', 'choose a file first, or drop one on this dialog'));
      input.focus();
      return;
    }
    const file = chosen;
    const vaultName = checkin ? target.file.name : name.value.trim();
    submit.disabled = true;
    input.disabled = true;
    try {
      const sha256 = await sha256OfFile(file, (bytes) => hashing.set(bytes, file.size), closed.signal);
      const upload = await context.api.stageUpload({ name: vaultName, sizeBytes: file.size, sha256 });
      await putToStorage(upload, file, (sent, total) => uploading.set(sent, total), closed.signal);
      // Past this point the check-in is one atomic step on the server: closing the dialog no longer stops it.
      const committed = await context.api.checkin(vaultName, {
        uploadId: upload.uploadId,
        message: message.value.trim(),
        keepLock: keepLock.checked,
      });
      const version = committed.version?.version ?? committed.file.version;
      result.textContent = checkin
        ? `Version ${version} of ${committed.file.name} is checked in${keepLock.checked ? '; you still have it checked out' : ''}.`
        : `${committed.file.name} is added as version ${version}.`;
      context.notify(result.textContent);
      context.refresh();
      cancel.textContent = 'Close';
      submit.hidden = true;
      cancel.focus();
    } catch (error) {
      if (closed.signal.aborted) return;
      dialog.fail(error);
      submit.disabled = false;
      input.disabled = false;
    }
  });

  dialog.body.append(form);
  choose(initial);
  (checkin || initial ? message : input).focus();
};

// ---- history -------------------------------------------------------------------------------------

export const download = async (context: Context, name: string, version?: number): Promise<void> => {
  try {
    const link = await context.api.download(name, version);
    // The presigned GET answers with Content-Disposition: attachment, so the page stays where it is.
    const anchor = h('a', { href: link.url, download: baseName(name), hidden: true });
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    context.notify(`Downloading ${name}, version ${link.version} (${humanBytes(link.sizeBytes)}).`);
  } catch (error) {
    context.fail(error);
  }
};

export const historyDialog = async (context: Context, file: VaultFile): Promise<void> => {
  const dialog = openDialog(`History of ${file.name}`, 'wide');
  const close = cancelButton(dialog, 'Close');
  dialog.body.append(h('p', { role: 'status' }, 'Loading the history…'), buttons(close));
  close.focus();
  try {
    const versions = await context.api.listVersions(file.name);
    const table = h(
      'table',
      { class: 'history' },
      h('caption', { class: 'visually-hidden' }, `Versions of ${file.name}, newest first`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Version', 'Checked in', 'By', 'Size', 'Message', 'SHA-256', ''].map((title) =>
            h('th', { scope: 'col' }, title),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        versions.map((version) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row', class: 'num' }, version.version),
            h('td', {}, h('time', { datetime: version.createdAt }, shortTime(version.createdAt))),
            h('td', {}, version.user),
            h('td', { class: 'num' }, humanBytes(version.sizeBytes)),
            h('td', { class: 'message' }, version.message),
            h('td', {}, h('code', { title: version.sha256 }, version.sha256.slice(0, 12))),
            h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  'aria-label': `Download version ${version.version}`,
                  onclick: () => void download(context, file.name, version.version),
                },
                'Download',
              ),
            ),
          ),
        ),
      ),
    );
    dialog.body.replaceChildren(h('div', { class: 'table-wrap' }, table), buttons(close));
  } catch (error) {
    dialog.fail(error);
  }
  close.focus();
};

// ---- who has what --------------------------------------------------------------------------------

export const locksDialog = async (context: Context): Promise<void> => {
  const dialog = openDialog('Who has what', 'wide');
  const close = cancelButton(dialog, 'Close');
  dialog.body.append(h('p', { role: 'status' }, 'Loading the locks…'), buttons(close));
  close.focus();
  try {
    const locks = (await context.api.listLocks()).sort(
      (a, b) => a.user.localeCompare(b.user) || a.name.localeCompare(b.name),
    );
    const content =
      locks.length === 0
        ? h('p', {}, 'Nobody has anything checked out.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              {},
              h('caption', { class: 'visually-hidden' }, 'Files checked out, by holder'),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Holder', 'File', 'Since', 'Message'].map((title) => h('th', { scope: 'col' }, title)),
                ),
              ),
              h(
                'tbody',
                {},
                locks.map((lock) =>
                  h(
                    'tr',
                    {},
                    h(
                      'th',
                      { scope: 'row' },
                      lock.user === context.session.user ? `${lock.user} (you)` : lock.user,
                    ),
                    h('td', {}, lock.name),
                    h('td', {}, h('time', { datetime: lock.acquiredAt }, clockTime(lock.acquiredAt))),
                    h('td', { class: 'message' }, lock.message),
                  ),
                ),
              ),
            ),
          );
    dialog.body.replaceChildren(content, buttons(close));
  } catch (error) {
    dialog.fail(error);
  }
  close.focus();
};

// ---- break a lock (admins) -----------------------------------------------------------------------

export const breakLockDialog = (context: Context, file: VaultFile, lock: Lock): void => {
  const dialog = openDialog(`Break the lock on ${file.name}?`, 'danger');
  const confirm = h('button', { type: 'button', class: 'danger' }, 'Break the lock');
  const cancel = cancelButton(dialog, 'Keep the lock');
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      await context.api.releaseLock(file.name, true);
      dialog.close();
      context.notify(`The lock ${lock.user} held on ${file.name} is broken.`);
      context.refresh();
    } catch (error) {
      dialog.fail(error);
      confirm.disabled = false;
      context.refresh();
    }
  });
  dialog.body.append(
    h('p', {}, `${describeLock(lock)}.`),
    h(
      'p',
      {},
      `${lock.user} loses the checkout: an upload they have started cannot be checked in any more, and they must check the file out again.`,
    ),
    buttons(confirm, cancel),
  );
  cancel.focus();
};
