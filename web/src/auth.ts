/**
 * Who the page is signed in as. Locally: a dev token the local server hands to pages on this machine.
 * On AWS: Cognito's hosted login, authorization code with PKCE; the tokens live in this page's memory
 * only and are refreshed with the refresh token before they expire.
 */

import { type Claims, codeChallenge, decodeClaims, expiresAt, isAdmin, randomToken, userOf } from './tokens';
import type { CognitoConfig } from './web-config';

export class SignInError extends Error {
  override name = 'SignInError';
}

export interface Session {
  user: string;
  admin: boolean;
  /** A token valid for at least a little while longer (refreshing first when needed). */
  token(): Promise<string>;
  signOut(): void;
}

const sessionOf = (token: string): { claims: Claims; user: string; expires: number } => {
  const claims = decodeClaims(token);
  const user = claims && userOf(claims);
  const expires = claims && expiresAt(claims);
  if (!claims || !user || !expires) throw new SignInError('the token names no user or no expiry');
  return { claims, user, expires };
};

// ---- local mode ----------------------------------------------------------------------------------

/** Asks the local server for a dev token; it answers pages opened on this machine only. */
export const signInLocally = async (
  user: string,
  admin: boolean,
  /** Cognito groups for the token, e.g. `leads` or `operators`, to try another role. */
  groups: string[],
  /** The session ended; `notice` says why, in a sentence. */
  onEnded: (notice: string) => void,
): Promise<Session> => {
  let response: Response;
  try {
    response = await fetch(
      `dev/token?${new URLSearchParams({ user, admin: String(admin), groups: groups.join(',') })}`,
      {
        cache: 'no-store',
      },
    );
  } catch {
    throw new SignInError('the local server did not answer');
  }
  const body = (await response.json().catch(() => null)) as { token?: unknown } | null;
  if (!response.ok || typeof body?.token !== 'string') {
    throw new SignInError(
      'the local server refused: it hands out dev tokens only to a page opened at http://localhost or http://127.0.0.1 on its own machine',
    );
  }
  const token = body.token;
  const { claims, user: signedIn, expires } = sessionOf(token);
  return {
    user: signedIn,
    admin: isAdmin(claims),
    token: async () => {
      if (Date.now() >= expires) {
        onEnded('Your dev token expired. Sign in again.');
        throw new SignInError('the dev token expired');
      }
      return token;
    },
    signOut: () => onEnded('You are signed out.'),
  };
};

// ---- Cognito hosted login, authorization code + PKCE ---------------------------------------------

/** Survives the redirect to the hosted login and back; holds no token. */
const PENDING_KEY = 'camvault.signin';
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;
const SCOPES = 'openid email profile';

const redirectUri = (): string => `${location.origin}/`;

interface TokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  expires_in?: number;
}

const tokenRequest = async (cognito: CognitoConfig, form: Record<string, string>): Promise<TokenResponse> => {
  let response: Response;
  try {
    response = await fetch(`${cognito.domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: cognito.clientId, ...form }),
      cache: 'no-store',
    });
  } catch {
    throw new SignInError('the sign-in service did not answer');
  }
  const body = (await response.json().catch(() => ({}))) as Partial<TokenResponse> & { error?: string };
  if (!response.ok || typeof body.access_token !== 'string')
    throw new SignInError(`the sign-in service refused: ${body.error ?? response.status}`);
  return body as TokenResponse;
};

/** Sends the browser to the hosted login; it comes back to `/` with `?code=…&state=…`. */
export const startCognitoSignIn = async (cognito: CognitoConfig): Promise<never> => {
  if (!cognito.domain) throw new SignInError('this deployment has no hosted-login domain (authDomainPrefix)');
  const verifier = randomToken(48);
  const state = randomToken(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: cognito.clientId,
    redirect_uri: redirectUri(),
    scope: SCOPES,
    state,
    code_challenge: await codeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  location.assign(`${cognito.domain}/oauth2/authorize?${query}`);
  return new Promise<never>(() => undefined);
};

/**
 * Finishes a sign-in when the page was opened by the hosted login's redirect: trades the code for
 * tokens and takes the code out of the address bar. Null when the page was opened any other way.
 */
export const completeCognitoSignIn = async (
  cognito: CognitoConfig,
  /** The session ended; `notice` says why, in a sentence. */
  onEnded: (notice: string) => void,
): Promise<Session | null> => {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return null;
  history.replaceState(null, '', location.pathname);
  const pending = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (error) throw new SignInError(`${params.get('error_description') ?? error}`);
  const { verifier, state } = (pending ? JSON.parse(pending) : {}) as { verifier?: string; state?: string };
  if (!verifier || !state || params.get('state') !== state)
    throw new SignInError('the sign-in answer does not match a sign-in this page started; sign in again');
  const tokens = await tokenRequest(cognito, {
    grant_type: 'authorization_code',
    code: code ?? '',
    redirect_uri: redirectUri(),
    code_verifier: verifier,
  });
  return cognitoSession(cognito, tokens, onEnded);
};

const cognitoSession = (
  cognito: CognitoConfig,
  first: TokenResponse,
  onEnded: (notice: string) => void,
): Session => {
  let access = first.access_token;
  const refreshToken = first.refresh_token;
  let { claims, user, expires } = sessionOf(access);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshing: Promise<void> | null = null;
  let ended = false;

  const end = (notice: string) => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    access = '';
    onEnded(notice);
  };

  const refresh = (): Promise<void> => {
    refreshing ??= (async () => {
      if (!refreshToken) return end('Your sign-in expired. Sign in again.');
      try {
        const renewed = await tokenRequest(cognito, {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
        });
        access = renewed.access_token;
        ({ claims, user, expires } = sessionOf(access));
        schedule();
      } catch {
        end('Your sign-in could not be renewed. Sign in again.');
      }
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  };

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), Math.max(10_000, expires - Date.now() - REFRESH_MARGIN_MS));
  };
  schedule();

  return {
    get user() {
      return user;
    },
    get admin() {
      return isAdmin(claims);
    },
    token: async () => {
      if (Date.now() > expires - 60_000) await refresh();
      if (ended) throw new SignInError('signed out');
      return access;
    },
    signOut: () => {
      const domain = cognito.domain;
      if (refreshToken && domain) {
        // Revoke the refresh token; keepalive lets it finish while the page goes to the logout page.
        void fetch(`${domain}/oauth2/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: refreshToken, client_id: cognito.clientId }),
          keepalive: true,
        }).catch(() => undefined);
      }
      end('You are signed out.');
      if (domain)
        location.assign(
          `${domain}/logout?${new URLSearchParams({ client_id: cognito.clientId, logout_uri: redirectUri() })}`,
        );
    },
  };
};
