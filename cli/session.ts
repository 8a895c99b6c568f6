/**
 * Which URL and token a command uses: `--url`/`--token`, then `CAMVAULT_URL`/`CAMVAULT_TOKEN`, then
 * the login. A Cognito sign-in's access token is renewed silently, before the command runs, when it
 * expires within 5 minutes; a sign-in that can no longer be renewed is exit 5 with a hint.
 */
import {
  type CognitoSession,
  type CognitoSignIn,
  type Connection,
  configFile,
  normaliseUrl,
  readStoredConfig,
  type StoredConfig,
  saveConfig,
} from './config';
import { authError, CliError } from './errors';

/** Renew this long before the access token expires, so that no request of a command meets an expired one. */
export const RENEW_BEFORE_MS = 5 * 60 * 1000;

export interface Overrides {
  url?: string;
  token?: string;
}

/** The Cognito module and the SDK behind it, loaded only for a sign-in, a renewal or a logout. */
export const loadCognito = (): typeof import('./cognito') => {
  // The SDK warns on every run that future releases need Node 22: not the user's business here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // require, not import(): the CLI runs as CommonJS through tsx, whose import() wants file extensions.
  return require('./cognito') as typeof import('./cognito');
};

/** The stored access token, renewed first when it is about to expire (and the renewal saved). */
const cognitoToken = async (
  stored: Partial<StoredConfig> & { cognito: CognitoSignIn },
  env: NodeJS.ProcessEnv,
): Promise<string> => {
  const session = stored.cognito.session;
  if (!session) throw authError('signed out: run camvault login to sign in again', 'NOT_LOGGED_IN');
  const expiresAt = Date.parse(session.accessTokenExpiresAt);
  if (expiresAt - Date.now() > RENEW_BEFORE_MS) return session.accessToken;

  let renewed: CognitoSession;
  try {
    renewed = await loadCognito().renew(stored.cognito, session);
  } catch (error) {
    if (error instanceof CliError && error.code === 'SIGN_IN_REFUSED')
      throw authError(
        'your sign-in has expired or was revoked: run camvault login to sign in again',
        'SIGN_IN_EXPIRED',
      );
    // Cognito out of reach: a token that still works for a while does.
    if (expiresAt - Date.now() > 30_000) return session.accessToken;
    throw error;
  }
  // Keep the renewal unless the stored sign-in changed meanwhile (a logout or login in another window).
  const now = await readStoredConfig(configFile(env));
  if (now.cognito?.session?.refreshToken === session.refreshToken)
    await saveConfig(
      { ...now, url: now.url ?? stored.url ?? '', cognito: { ...now.cognito, session: renewed } },
      env,
    );
  return renewed.accessToken;
};

/** The URL and token to use: flags, then environment, then the stored login (renewed if need be). */
export const resolveConnection = async (
  overrides: Overrides,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Connection> => {
  let url = overrides.url || env.CAMVAULT_URL;
  let token = overrides.token || env.CAMVAULT_TOKEN;
  if (!url || !token) {
    const stored = await readStoredConfig(configFile(env));
    url ||= stored.url;
    if (!token && !stored.token && stored.cognito)
      token = await cognitoToken({ ...stored, cognito: stored.cognito }, env);
    token ||= stored.token;
  }
  if (!url)
    throw authError(
      'not logged in: run camvault login --url URL (with --token TOKEN, or --user-pool-client-id ID --region REGION)',
      'NOT_LOGGED_IN',
    );
  if (!token)
    throw authError(`no token for ${url}: run camvault login --url ${url} --token TOKEN`, 'NOT_LOGGED_IN');
  return { url: normaliseUrl(url), token };
};
