/**
 * Signing in and out: `login` (a Cognito user pool's user name and password, or a token such as the
 * local server's dev tokens), `whoami`, `logout`. What is kept is in config.ts; the renewal of a
 * Cognito sign-in before each command is in session.ts.
 */
import type { VaultApi } from './api';
import {
  type CognitoSignIn,
  configFile,
  groupsFromToken,
  normaliseUrl,
  readStoredConfig,
  type StoredConfig,
  saveConfig,
  tokenExpiry,
  userFromToken,
} from './config';
import { otherError, usageError } from './errors';
import { shortTime } from './format';
import type { Output } from './output';
import { type Prompter, terminalPrompter } from './prompt';
import { loadCognito, resolveConnection } from './session';

/** How long a Cognito sign-in lasts when the stack keeps its default refresh-token validity. */
export const DEFAULT_SIGN_IN_DAYS = 30;

export interface LoginOptions {
  url?: string;
  token?: string;
  userPoolClientId?: string;
  region?: string;
  cognitoEndpoint?: string;
  username?: string;
}

type Connect = (url: string, token: string) => VaultApi;

/** A token from the terminal, or the first line of stdin. */
const readToken = async (prompter: Prompter): Promise<string> => (await prompter.ask('token: ')).trim();

const loginWithToken = async (connect: Connect, out: Output, url: string, token: string): Promise<void> => {
  await connect(url, token).verify();
  const saved = await saveConfig({ url, token });
  const user = userFromToken(token);
  out.result(
    { url, user, configFile: saved },
    `logged in to ${url}${user ? ` as ${user}` : ''} (saved in ${saved})`,
  );
};

/** The user pool to sign in with: from the flags, else the one this vault's last sign-in used. */
const poolFor = (options: LoginOptions, stored: Partial<StoredConfig>, url: string): CognitoSignIn | null => {
  if (options.userPoolClientId || options.region || options.cognitoEndpoint) {
    if (!options.userPoolClientId || !options.region)
      throw usageError(
        'a Cognito sign-in needs both --user-pool-client-id and --region (the stack outputs AppClientId and Region)',
      );
    if (options.cognitoEndpoint) normaliseUrl(options.cognitoEndpoint);
    return {
      region: options.region,
      clientId: options.userPoolClientId,
      ...(options.cognitoEndpoint ? { endpoint: options.cognitoEndpoint.replace(/\/+$/, '') } : {}),
    };
  }
  if (stored.cognito && stored.url === url) {
    const { session: _previous, ...pool } = stored.cognito;
    return pool;
  }
  return null;
};

const loginWithCognito = async (
  connect: Connect,
  out: Output,
  url: string,
  pool: CognitoSignIn,
  options: LoginOptions,
  prompter: Prompter,
): Promise<void> => {
  const username = options.username?.trim() || (await prompter.ask('user name: '));
  if (!username) throw usageError('no user name given');
  const cognito = loadCognito();
  const session = await cognito.signIn(pool, prompter, username, (line) => {
    if (prompter.interactive) process.stderr.write(`${line}\n`);
  });
  // The vault must take this pool's tokens before they are kept.
  await connect(url, session.accessToken).verify();
  const saved = await saveConfig({ url, cognito: { ...pool, session } });
  const user = userFromToken(session.accessToken) ?? username;
  out.result(
    { url, user, groups: groupsFromToken(session.accessToken), configFile: saved },
    `signed in to ${url} as ${user} (saved in ${saved}; you stay signed in until camvault logout, for as long as the user pool allows: ${DEFAULT_SIGN_IN_DAYS} days by default)`,
  );
};

export const login = async (connect: Connect, out: Output, options: LoginOptions): Promise<void> => {
  const stored = await readStoredConfig();
  const rawUrl = options.url || process.env.CAMVAULT_URL || stored.url;
  if (!rawUrl)
    throw usageError(
      'login needs the vault URL: camvault login --url URL [--token TOKEN | --user-pool-client-id ID --region REGION]',
    );
  const url = normaliseUrl(rawUrl);
  const prompter = terminalPrompter();
  const token = options.token || process.env.CAMVAULT_TOKEN;
  if (token && (options.userPoolClientId || options.region))
    throw usageError('--token and --user-pool-client-id are two ways to log in: give one of them');
  const pool = token ? null : poolFor(options, stored, url);
  if (pool) return loginWithCognito(connect, out, url, pool, options, prompter);
  const given = token || (await readToken(prompter));
  if (!given) throw usageError('login needs a token: --token TOKEN, CAMVAULT_TOKEN, or on standard input');
  return loginWithToken(connect, out, url, given);
};

export const whoami = async (out: Output, options: { url?: string; token?: string }): Promise<void> => {
  const { url, token } = await resolveConnection(options);
  // Reread: resolving may just have renewed the stored access token.
  const cognito =
    options.token || process.env.CAMVAULT_TOKEN ? undefined : (await readStoredConfig()).cognito;
  const session = cognito?.session;
  const user = userFromToken(token);
  const groups = groupsFromToken(token);
  const tokenExpiresAt = tokenExpiry(token)?.toISOString() ?? null;
  // Cognito does not tell a client how long its refresh token lasts: the stack's setting does.
  const signInExpiresAt = session
    ? new Date(Date.parse(session.signedInAt) + DEFAULT_SIGN_IN_DAYS * 86_400_000).toISOString()
    : tokenExpiresAt;
  const lines = [
    ['user', user ?? '(the token names no user)'],
    ['groups', groups.length > 0 ? groups.join(', ') : '(none)'],
    ['vault', url],
    session && cognito
      ? [
          'signed in',
          `${shortTime(session.signedInAt)} with Cognito (app client ${cognito.clientId}, ${cognito.region}); expires about ${shortTime(signInExpiresAt as string)} (${DEFAULT_SIGN_IN_DAYS} days unless the stack sets another refreshTokenValidityDays)`,
        ]
      : ['signed in', `with a token${tokenExpiresAt ? `, valid until ${shortTime(tokenExpiresAt)}` : ''}`],
  ];
  out.result(
    {
      user,
      groups,
      url,
      signIn: session ? 'cognito' : 'token',
      tokenExpiresAt,
      signedInAt: session?.signedInAt ?? null,
      signInExpiresAt,
    },
    lines.map(([key, value]) => `${`${key}:`.padEnd(11)}${value}`).join('\n'),
  );
};

export const logout = async (out: Output): Promise<void> => {
  const stored = await readStoredConfig();
  const path = configFile();
  const stillSet = process.env.CAMVAULT_TOKEN ? ' (CAMVAULT_TOKEN is still set in your environment)' : '';
  const session = stored.cognito?.session;
  if (!stored.url || (!stored.token && !session)) {
    out.result({ url: stored.url ?? null, signedOut: false }, `not logged in; nothing to do${stillSet}`);
    return;
  }
  const url = stored.url;
  if (!session) {
    await saveConfig({ url, ...(stored.cognito ? { cognito: stored.cognito } : {}) });
    out.result({ url, signedOut: true }, `logged out of ${url}: removed the token from ${path}${stillSet}`);
    return;
  }
  const { session: _ended, ...pool } = stored.cognito as CognitoSignIn;
  // Forget the tokens here first: whatever Cognito answers, this computer is signed out.
  await saveConfig({ url, cognito: pool });
  let revoked: boolean;
  try {
    revoked = await loadCognito().revoke(pool, session);
  } catch (error) {
    throw otherError(
      `signed out on this computer (tokens removed from ${path}), but Cognito did not revoke the sign-in: ${(error as Error).message}`,
      'REVOKE_FAILED',
    );
  }
  out.result(
    { url, signedOut: true, revoked },
    `signed out of ${url}: ${revoked ? 'Cognito revoked the sign-in' : 'the sign-in had already ended'}; tokens removed from ${path}${stillSet}`,
  );
};
