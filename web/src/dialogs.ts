/**
 * The actions that need more than a click, each in a modal <dialog> (keyboard focus stays inside,
 * Escape cancels, focus returns to the button that opened it): checkout, check-in or add with progress,
 * history with revert, release and withdraw, move or rename, delete, the trash, who has what, and the
 * admin's break-lock confirmation.
 */
import type { Lock, Release, Trashed, Upload, VaultFile, Version } from '../../shared/model';
import { ApiError, type VaultApi } from './api';
import type { Session } from './auth';
import { h, uid } from './dom';
import { baseName, clockTime, describeFailure, describeLock, humanBytes, shortTime } from './format';
import type { KeyValueStore } from './pending-uploads';
import type { Abilities } from './roles';
import { identityOf, sendFile, uploadFinished } from './uploads';

/** What the dialogs need from the page around them. */
export interface Context {
  api: VaultApi;
  session: Session;
  /** What the caller's role may do: what is not allowed is not offered. */
  abilities: Abilities;
  /** (v2) Parts of a large file sent at once. */
  partsInParallel: number;
  /** Reloads the file table and the folder tree now. */
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

export const openDialog = (title: string, className = ''): Dialog => {
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

export const buttons = (...children: HTMLElement[]) => h('div', { class: 'buttons' }, children);

export const cancelButton = (dialog: Dialog, label = 'Cancel') =>
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

/** Where the page remembers its multipart uploads; read lazily, since a browser may refuse it. */
const browserStore: KeyValueStore = {
  getItem: (key) => localStorage.getItem(key),
  setItem: (key, value) => localStorage.setItem(key, value),
};

export const transferDialog = (context: Context, target: TransferTarget, initial?: File): void => {
  const checkin = target.kind === 'checkin';
  const dialog = openDialog(checkin ? `Check in ${target.file.name}` : 'Add a new file', 'transfer');
  let chosen: File | null = null;
  /** The upload being sent: closing the dialog now gives it up. */
  let sending: Upload | null = null;
  // Closing the dialog (Cancel, Escape) while the file is read or uploaded stops that work, and gives
  // up the upload; after a failure it is kept, to be resumed by choosing the same file again.
  const closed = new AbortController();
  dialog.element.addEventListener('close', () => {
    closed.abort();
    if (!sending) return;
    uploadFinished(browserStore, sending.uploadId);
    void context.api.abandonUpload(sending.uploadId).catch(() => undefined);
  });

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
    const identity = identityOf(context.session.user, target.kind, vaultName, file);
    let staged: Upload | null = null;
    try {
      const upload = await sendFile(context.api, identity, file, {
        store: browserStore,
        parallel: context.partsInParallel,
        onHashing: (done, total) => hashing.set(done, total),
        onUploading: (sent, total) => uploading.set(sent, total),
        onResumed: (received, partCount) => {
          result.textContent = `Resuming the earlier upload of this file: ${received} of ${partCount} parts are in storage already.`;
        },
        onStaged: (upload) => {
          staged = sending = upload;
        },
        signal: closed.signal,
      });
      sending = null;
      // Past this point the check-in is one atomic step on the server: closing the dialog no longer stops it.
      const committed = await context.api.checkin(vaultName, {
        uploadId: upload.uploadId,
        message: message.value.trim(),
        keepLock: keepLock.checked,
      });
      uploadFinished(browserStore, upload.uploadId);
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
      sending = null;
      if (closed.signal.aborted) return;
      dialog.fail(error);
      const failed = staged as Upload | null;
      // Bytes the vault refused are not the file's: the next try stages it afresh.
      const refused = error instanceof ApiError && error.code === 'PRECONDITION_FAILED';
      if (failed && refused) uploadFinished(browserStore, failed.uploadId);
      result.textContent =
        failed?.method === 'MULTIPART' && !refused
          ? 'The parts sent so far are kept: try again, or choose the same file again later, to send only the rest.'
          : '';
      submit.disabled = false;
      input.disabled = false;
    }
  });

  dialog.body.append(form);
  choose(initial);
  (checkin || initial ? message : input).focus();
};

// ---- one message, then one call: delete, release, withdraw, revert ------------------------------

interface MessageAction {
  title: string;
  /** What happens, in a sentence or two, above the message. */
  explanation: string;
  label: string;
  hint?: string;
  initial?: string;
  required?: boolean;
  submitLabel: string;
  danger?: boolean;
  /** Does it; the words to announce when it worked. */
  run(message: string): Promise<string>;
  /** After it worked and the dialog closed. */
  done?(): void;
}

export const messageDialog = (context: Context, action: MessageAction): void => {
  const dialog = openDialog(action.title, action.danger ? 'danger' : '');
  const message = h('textarea', {
    id: uid('message'),
    rows: 2,
    maxlength: 1000,
    required: action.required ?? false,
  });
  message.value = action.initial ?? '';
  const submit = h(
    'button',
    { type: 'submit', class: action.danger ? 'danger' : 'primary' },
    action.submitLabel,
  );
  const form = h(
    'form',
    {},
    h('p', {}, action.explanation),
    h(
      'div',
      { class: 'field' },
      h('label', { for: message.id }, action.label),
      message,
      action.hint ? h('p', { class: 'hint' }, action.hint) : null,
    ),
    buttons(submit, cancelButton(dialog)),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const words = await action.run(message.value.trim());
      dialog.close();
      context.notify(words);
      context.refresh();
      action.done?.();
    } catch (error) {
      dialog.fail(error);
      submit.disabled = false;
    }
  });
  dialog.body.append(form);
  message.focus();
};

export const deleteDialog = (context: Context, file: VaultFile): void =>
  messageDialog(context, {
    title: `Delete ${file.name}?`,
    explanation:
      'It goes to the trash with all its versions and your lock is released; it can be restored from the trash.',
    label: 'Why it is deleted',
    hint: 'Optional.',
    submitLabel: 'Delete',
    danger: true,
    run: async (message) => {
      await context.api.deleteFile(file.name, message);
      return `${file.name} is in the trash.`;
    },
  });

// ---- move or rename ------------------------------------------------------------------------------

export const moveDialog = (context: Context, file: VaultFile): void => {
  const dialog = openDialog(`Move or rename ${file.name}`);
  const to = h('input', {
    type: 'text',
    id: uid('to'),
    required: true,
    autocomplete: 'off',
    spellcheck: false,
  });
  to.value = file.name;
  const message = h('textarea', { id: uid('message'), rows: 2, maxlength: 1000 });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Move');
  const form = h(
    'form',
    {},
    h(
      'div',
      { class: 'field' },
      h('label', { for: to.id }, 'New name'),
      to,
      h('p', { class: 'hint' }, 'The whole path: change the folder to move it, the last part to rename it.'),
    ),
    h('div', { class: 'field' }, h('label', { for: message.id }, 'Why it moves'), message),
    buttons(submit, cancelButton(dialog)),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const { file: moved } = await context.api.move(file.name, to.value.trim(), message.value.trim());
      dialog.close();
      context.notify(`${file.name} is now ${moved.name}; its history and your lock went with it.`);
      context.refresh();
    } catch (error) {
      dialog.fail(error);
      submit.disabled = false;
    }
  });
  dialog.body.append(form);
  to.focus();
  // The base name selected, without its extension: the usual rename.
  const start = file.name.lastIndexOf('/') + 1;
  const end = file.name.lastIndexOf('.');
  to.setSelectionRange(start, end > start ? end : file.name.length);
};

// ---- the trash -----------------------------------------------------------------------------------

export const trashDialog = (context: Context): void => {
  const dialog = openDialog('Trash', 'wide');
  const close = cancelButton(dialog, 'Close');
  const tbody = h('tbody');
  const more = h('button', { type: 'button' }, 'Show more deleted files');
  const status = h('p', { role: 'status' }, 'Loading the trash…');
  let cursor: string | null = null;

  const restore = async (trashed: Trashed, row: HTMLElement) => {
    try {
      const { file } = await context.api.restore(trashed.fileId);
      context.notify(`${file.name} is restored with its ${file.version} versions.`);
      status.textContent = `${file.name} is restored.`;
      row.remove();
      context.refresh();
      close.focus();
    } catch (error) {
      dialog.fail(error);
    }
  };

  const rowFor = (trashed: Trashed): HTMLElement => {
    const row = h(
      'tr',
      {},
      h('th', { scope: 'row', class: 'name' }, trashed.name),
      h('td', { class: 'num' }, trashed.version),
      h(
        'td',
        { class: 'modified' },
        h('time', { datetime: trashed.deletedAt }, shortTime(trashed.deletedAt)),
        h('span', { class: 'by' }, ` by ${trashed.deletedBy}`),
      ),
      h('td', { class: 'message' }, trashed.message),
    );
    row.append(
      h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            'aria-label': `Restore ${trashed.name}`,
            onclick: () => void restore(trashed, row),
          },
          'Restore',
        ),
      ),
    );
    return row;
  };

  const loadPage = async () => {
    more.disabled = true;
    try {
      const page = await context.api.listTrash(cursor);
      cursor = page.nextCursor;
      tbody.append(...page.items.map(rowFor));
      status.textContent = tbody.childElementCount === 0 ? 'The trash is empty.' : '';
      more.hidden = cursor === null;
    } catch (error) {
      dialog.fail(error);
    }
    more.disabled = false;
  };
  more.addEventListener('click', () => void loadPage());

  dialog.body.append(
    status,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'trash' },
        h('caption', { class: 'visually-hidden' }, 'Deleted files, newest deletion first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Name', 'Version', 'Deleted', 'Message', ''].map((title) => h('th', { scope: 'col' }, title)),
          ),
        ),
        tbody,
      ),
    ),
    buttons(more, close),
  );
  more.hidden = true;
  close.focus();
  void loadPage();
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

const releasedText = (release: Release) =>
  `Released by ${release.releasedBy} on ${shortTime(release.releasedAt)}${release.message ? ` — '${release.message}'` : ''}`;

export const historyDialog = async (context: Context, first: VaultFile): Promise<void> => {
  let file = first;
  const dialog = openDialog(`History of ${file.name}`, 'wide');
  const close = cancelButton(dialog, 'Close');
  const { abilities, session } = context;
  dialog.body.append(h('p', { role: 'status' }, 'Loading the history…'), buttons(close));
  close.focus();

  /** After a change made from this dialog: the file as it is now, and its history again. */
  const changed = (updated: VaultFile) => {
    file = updated;
    void show();
  };

  const versionButton = (label: string, version: Version, onclick: () => void, className = '') =>
    h(
      'button',
      { type: 'button', class: className, 'aria-label': `${label} version ${version.version}`, onclick },
      label,
    );

  const actionsOf = (version: Version): HTMLElement[] => {
    const released = file.released?.version === version.version;
    const actions = [
      versionButton('Download', version, () => void download(context, file.name, version.version)),
    ];
    if (abilities.edit && file.lock?.user === session.user && version.version !== file.version)
      actions.push(
        versionButton('Revert to', version, () =>
          messageDialog(context, {
            title: `Revert ${file.name} to version ${version.version}?`,
            explanation: `Version ${version.version}'s bytes become version ${file.version + 1}; no version is lost. Your lock is released.`,
            label: 'Check-in message',
            initial: `revert to version ${version.version}`,
            submitLabel: 'Revert',
            run: async (message) => {
              const result = await context.api.checkin(file.name, { fromVersion: version.version, message });
              changed(result.file);
              return `${file.name} is reverted: version ${result.file.version} has version ${version.version}'s bytes.`;
            },
          }),
        ),
      );
    if (abilities.release && !released)
      actions.push(
        versionButton('Release', version, () =>
          messageDialog(context, {
            title: `Release version ${version.version} of ${file.name}`,
            explanation: 'The shop floor then gets this version of the file, until a lead releases another.',
            label: 'Why it is approved',
            required: true,
            submitLabel: 'Release',
            run: async (message) => {
              changed((await context.api.release(file.name, version.version, message)).file);
              return `Version ${version.version} of ${file.name} is released.`;
            },
          }),
        ),
      );
    if (abilities.release && released)
      actions.push(
        versionButton(
          'Withdraw',
          version,
          () =>
            messageDialog(context, {
              title: `Withdraw the release of ${file.name}?`,
              explanation: 'The shop floor then sees no version of this file until a lead releases one.',
              label: 'Why it is withdrawn',
              required: true,
              submitLabel: 'Withdraw the release',
              danger: true,
              run: async (message) => {
                changed((await context.api.withdrawRelease(file.name, message)).file);
                return `The release of ${file.name} is withdrawn.`;
              },
            }),
          'danger',
        ),
      );
    return actions;
  };

  const show = async () => {
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
              h(
                'th',
                { scope: 'row', class: 'num' },
                version.version,
                file.released?.version === version.version
                  ? h('span', { class: 'badge released', title: releasedText(file.released) }, 'released')
                  : null,
              ),
              h('td', {}, h('time', { datetime: version.createdAt }, shortTime(version.createdAt))),
              h('td', {}, version.user),
              h('td', { class: 'num' }, humanBytes(version.sizeBytes)),
              h('td', { class: 'message' }, version.message),
              h('td', {}, h('code', { title: version.sha256 }, version.sha256.slice(0, 12))),
              h('td', {}, h('div', { class: 'actions' }, actionsOf(version))),
            ),
          ),
        ),
      );
      const hint =
        abilities.edit && file.lock?.user !== session.user && versions.length > 1
          ? h('p', { class: 'hint' }, 'Check the file out to revert it to an earlier version.')
          : null;
      const releaseLine = file.released
        ? h('p', {}, `${releasedText(file.released)}: version ${file.released.version}.`)
        : null;
      dialog.body.replaceChildren(
        releaseLine ?? '',
        h('div', { class: 'table-wrap' }, table),
        hint ?? '',
        buttons(close),
      );
    } catch (error) {
      dialog.fail(error);
    }
    if (!dialog.element.contains(document.activeElement)) close.focus();
  };
  await show();
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
                    // (v2) A Git LFS lock is of a path in a repository, not of a vault file.
                    h(
                      'td',
                      {},
                      lock.lfsRepo === undefined ? lock.name : `${lock.name} (Git LFS ${lock.lfsRepo})`,
                    ),
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
