/**
 * RS256 tokens of a Cognito user pool (or of cognito-local), checked as API Gateway's JWT authorizer
 * checks them: by the local server, and on AWS by the Git LFS routes' Lambda authorizer. The signature with the pool's key named by `kid` (from
 * `<issuer>/.well-known/jwks.json`), `iss`, the app client (`client_id` of an access token, `aud` of an
 * id token), `exp`, `nbf` and `iat`. node:crypto only.
 */
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';

export type Claims = Record<string, unknown>;
export type Verification = { claims: Claims } | { error: string };

export interface CognitoSettings {
  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>`, or cognito-local's `http://127.0.0.1:PORT/<poolId>`. */
  issuer: string;
  /** The app clients whose tokens are accepted (the authorizer's audience). */
  clientIds: string[];
}

export class CognitoSettingsError extends Error {
  override name = 'CognitoSettingsError';
}

/** `CAMVAULT_COGNITO_ISSUER` and `CAMVAULT_COGNITO_CLIENT_IDS`, checked; null when no issuer is set. */
export const readCognitoSettings = (env: NodeJS.ProcessEnv = process.env): CognitoSettings | null => {
  const issuer = env.CAMVAULT_COGNITO_ISSUER?.trim();
  if (!issuer) return null;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new CognitoSettingsError(`CAMVAULT_COGNITO_ISSUER is not a URL: "${issuer}"`);
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search ||
    url.hash ||
    issuer.endsWith('/')
  )
    throw new CognitoSettingsError(
      `CAMVAULT_COGNITO_ISSUER must be the pool's issuer exactly as its tokens name it, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123 (no trailing slash), got "${issuer}"`,
    );
  const clientIds = (env.CAMVAULT_COGNITO_CLIENT_IDS ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (clientIds.length === 0)
    throw new CognitoSettingsError(
      'CAMVAULT_COGNITO_ISSUER is set but CAMVAULT_COGNITO_CLIENT_IDS is not: name the app client ids whose tokens to accept, comma-separated',
    );
  return { issuer, clientIds };
};

/** The key set, as `<issuer>/.well-known/jwks.json` serves it. */
export type FetchJwks = (url: string) => Promise<unknown>;

const fetchJwksOverHttp: FetchJwks = async (url) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
};

/** A flood of tokens with made-up `kid`s must not become a flood of key fetches. */
const MIN_REFETCH_INTERVAL_SECONDS = 30;
/** A pool has two keys; a key set much larger than that is not one to keep. */
const MAX_KEYS = 20;
/**
 * `nbf` and `iat` may lie this far in the future: Cognito stamps them with its clock, this machine
 * checks with its own, and a token used the second it was issued must not bounce. `exp` gets none.
 */
const CLOCK_SKEW_SECONDS = 30;

const decodeJson = (part: string): unknown => {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The RSA signing keys of a key set by `kid`; anything else in it is left out. */
const signingKeys = (jwks: unknown): Map<string, KeyObject> => {
  const keys = new Map<string, KeyObject>();
  const entries = isObject(jwks) && Array.isArray(jwks.keys) ? jwks.keys : [];
  for (const jwk of entries.slice(0, MAX_KEYS)) {
    if (!isObject(jwk) || typeof jwk.kid !== 'string' || jwk.kty !== 'RSA') continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.alg !== undefined && jwk.alg !== 'RS256') continue;
    try {
      keys.set(jwk.kid, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
    } catch {
      // not a usable RSA public key
    }
  }
  return keys;
};

export interface CognitoVerifierOptions extends CognitoSettings {
  fetchJwks?: FetchJwks;
  /** Seconds since the epoch. */
  now?: () => number;
}

/** Verifies one pool's tokens; keeps the pool's keys by `kid` and fetches them again for an unknown one. */
export class CognitoVerifier {
  private keys = new Map<string, KeyObject>();
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  private fetching: Promise<void> | null = null;
  private readonly fetchJwks: FetchJwks;
  private readonly now: () => number;
  readonly jwksUrl: string;

  constructor(private readonly options: CognitoVerifierOptions) {
    this.fetchJwks = options.fetchJwks ?? fetchJwksOverHttp;
    this.now = options.now ?? (() => Date.now() / 1000);
    this.jwksUrl = `${options.issuer}/.well-known/jwks.json`;
  }

  /** Fetches the key set (one fetch at a time, at most once per interval); false when none was made. */
  private async refresh(): Promise<boolean> {
    if (this.fetching) {
      await this.fetching;
      return true;
    }
    if (this.now() - this.lastFetchAt < MIN_REFETCH_INTERVAL_SECONDS) return false;
    this.lastFetchAt = this.now();
    this.fetching = (async () => {
      try {
        this.keys = signingKeys(await this.fetchJwks(this.jwksUrl));
      } finally {
        this.fetching = null;
      }
    })();
    await this.fetching;
    return true;
  }

  private async keyFor(kid: string): Promise<KeyObject | null> {
    const known = this.keys.get(kid);
    if (known) return known;
    // A key the pool started signing with since the last fetch: look once more.
    if (!(await this.refresh())) return null;
    return this.keys.get(kid) ?? null;
  }

  async verify(token: string): Promise<Verification> {
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part)))
      return { error: 'malformed token' };
    const [header, payload, signature] = parts as [string, string, string];
    const decodedHeader = decodeJson(header);
    if (!isObject(decodedHeader)) return { error: 'malformed token' };
    // Only RS256: never HS256 with the public key as the secret, never "none".
    if (decodedHeader.alg !== 'RS256') return { error: 'token must be signed with RS256' };
    if (typeof decodedHeader.kid !== 'string') return { error: 'token has no kid' };

    let key: KeyObject | null;
    try {
      key = await this.keyFor(decodedHeader.kid);
    } catch (error) {
      return { error: `cannot get the user pool's keys: ${(error as Error).message}` };
    }
    if (!key) return { error: 'token signed with an unknown key' };
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      key,
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) return { error: 'bad token signature' };

    const claims = decodeJson(payload);
    if (!isObject(claims)) return { error: 'malformed token' };
    if (claims.iss !== this.options.issuer) return { error: 'token is from another issuer' };
    const allowed = (id: unknown) => typeof id === 'string' && this.options.clientIds.includes(id);
    if (claims.token_use === 'access') {
      if (!allowed(claims.client_id)) return { error: 'token is for another app client' };
    } else if (claims.token_use === 'id') {
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!audiences.some(allowed)) return { error: 'token is for another app client' };
    } else {
      return { error: 'token_use must be access or id' };
    }
    const now = this.now();
    const { exp, nbf, iat } = claims;
    if (typeof exp !== 'number') return { error: 'token has no exp' };
    if (exp <= now) return { error: 'token expired' };
    if (typeof nbf === 'number' && nbf > now + CLOCK_SKEW_SECONDS) return { error: 'token not yet valid' };
    if (typeof iat === 'number' && iat > now + CLOCK_SKEW_SECONDS)
      return { error: 'token issued in the future' };
    return { claims };
  }
}
