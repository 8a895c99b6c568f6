/** The page's entry: read config.json, sign in (dev token locally, Cognito on AWS), then the file table. */
import './styles.css';
import { VaultApi } from './api';
import { startApp } from './app';
import { completeCognitoSignIn, type Session, SignInError, signInLocally, startCognitoSignIn } from './auth';
import { h } from './dom';
import { type PageConfig, parseWebConfig } from './web-config';

const USER_NAME = '^[A-Za-z0-9_.@\\-]{1,64}$';
const LAST_USER_KEY = 'camvault.lastUser';

const root = document.getElementById('app') as HTMLElement;
let stopApp: (() => void) | null = null;

const problem = (error: unknown): string =>
  error instanceof SignInError
    ? `Sign-in failed: ${error.message}.`
    : `Something went wrong: ${String(error)}`;

const loadConfig = async (): Promise<PageConfig> => {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  const config = parseWebConfig(await response.json());
  if ('error' in config) throw new Error(config.error);
  return config;
};

const start = (config: PageConfig, session: Session) => {
  stopApp?.();
  stopApp = startApp(root, {
    api: new VaultApi(config.apiUrl, () => session.token()),
    session,
    pollSeconds: config.pollSeconds,
    notificationsPollSeconds: config.notificationsPollSeconds,
    partsInParallel: config.partsInParallel,
    onSignedOut: (reason) => signIn(config, reason),
  });
  document.title = `camvault — ${session.user}`;
};

const signIn = (config: PageConfig, notice = ''): void => {
  stopApp?.();
  stopApp = null;
  document.title = 'camvault — sign in';
  const alert = h('p', { class: 'alert', role: 'alert', hidden: !notice }, notice);
  const fail = (error: unknown) => {
    alert.textContent = problem(error);
    alert.hidden = false;
  };
  let form: HTMLElement;
  if (config.mode === 'local') {
    const user = h('input', {
      id: 'signin-user',
      type: 'text',
      required: true,
      pattern: USER_NAME,
      autocomplete: 'username',
      spellcheck: false,
      'aria-describedby': 'signin-user-hint',
    });
    user.value = localStorage.getItem(LAST_USER_KEY) ?? '';
    const admin = h('input', { id: 'signin-admin', type: 'checkbox' });
    const groups = h('input', {
      id: 'signin-groups',
      type: 'text',
      autocomplete: 'off',
      spellcheck: false,
      'aria-describedby': 'signin-groups-hint',
    });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
    form = h(
      'form',
      { class: 'signin-form' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: user.id }, 'Sign in as'),
        user,
        h('p', { class: 'hint', id: 'signin-user-hint' }, 'A user name: letters, digits, and . _ - @'),
      ),
      h('div', { class: 'check' }, admin, h('label', { for: admin.id }, 'Admin (may break anyone’s lock)')),
      h(
        'div',
        { class: 'field' },
        h('label', { for: groups.id }, 'Groups'),
        groups,
        h(
          'p',
          { class: 'hint', id: 'signin-groups-hint' },
          'Optional, comma-separated: leads (may release), operators (released files only).',
        ),
      ),
      submit,
      h(
        'p',
        { class: 'hint' },
        'Local mode: the local server hands out development tokens to pages on this machine only.',
      ),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        const session = await signInLocally(
          user.value.trim(),
          admin.checked,
          groups.value
            .split(',')
            .map((group) => group.trim())
            .filter(Boolean),
          (ended) => signIn(config, ended),
        );
        localStorage.setItem(LAST_USER_KEY, session.user);
        start(config, session);
      } catch (error) {
        fail(error);
        submit.disabled = false;
      }
    });
    queueMicrotask(() => user.focus());
  } else {
    const { cognito } = config;
    const button = h('button', { type: 'button', class: 'primary' }, 'Sign in');
    button.addEventListener('click', () => startCognitoSignIn(cognito).catch(fail));
    form = h(
      'div',
      { class: 'signin-form' },
      button,
      h('p', { class: 'hint' }, 'You sign in on the vault’s sign-in page and come straight back here.'),
    );
    queueMicrotask(() => button.focus());
  }
  root.replaceChildren(
    h(
      'main',
      { id: 'main', class: 'signin' },
      h('h1', {}, 'camvault'),
      h('p', {}, 'Check out, check in and share the team’s CNC programming files.'),
      alert,
      form,
    ),
  );
};

const boot = async () => {
  let config: PageConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    root.replaceChildren(
      h(
        'main',
        { id: 'main' },
        h('h1', {}, 'camvault'),
        h('p', { role: 'alert' }, `The page cannot start: ${String(error)}`),
      ),
    );
    return;
  }
  if (config.mode === 'cognito') {
    try {
      const session = await completeCognitoSignIn(config.cognito, (ended) => signIn(config, ended));
      if (session) return start(config, session);
    } catch (error) {
      return signIn(config, problem(error));
    }
  }
  signIn(config);
};

void boot();
