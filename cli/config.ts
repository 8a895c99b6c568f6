/**
 * Where the CLI keeps the vault's URL and the user's sign-in: `$CAMVAULT_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/camvault`, else `~/.config/camvault`; the directory 0700, the file 0600.
 * A sign-in is either a token given to `camvault login --token` (the local server's dev tokens) or a
 * Cognito sign-in: the app client, and while signed in its tokens (never the password).
 * `CAMVAULT_URL` / `CAMVAULT_TOKEN`, and `--url` / `--token`, override what is stored.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { otherError, usageError } from './errors';

/** The tokens of a Cognito sign-in; the refresh token renews the access token until it expires itself. */
export interface CognitoSession {
  /** The user name typed at sign-in. */
  username: string;
  accessToken: string;
  /** ISO-8601; the access token is renewed a few minutes before. */
  accessTokenExpiresAt: string;
  refreshToken: string;
  signedInAt: string;
}

/** Which app client of which user pool to sign in with; `session` while signed in. */
export interface CognitoSignIn {
  region: string;
  clientId: string;
  /** Another Cognito endpoint (an emulator); unset: AWS's own for the region. */
  endpoint?: string;
  session?: CognitoSession;
}

export interface StoredConfig {
  url: string;
  /** A token given to `camvault login --token`. */
  token?: string;
  cognito?: CognitoSignIn;
}

export interface Connection {
  url: string;
  token: string;
}

export const configDirectory = (env: NodeJS.ProcessEnv = process.env): string => {
  if (env.CAMVAULT_CONFIG_DIR) return env.CAMVAULT_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'camvault');
};

export const configFile = (env: NodeJS.ProcessEnv = process.env): string =>
  join(configDirectory(env), 'config.json');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const readSession = (value: unknown): CognitoSession | undefined => {
  if (!isObject(value)) return undefined;
  const [username, accessToken, accessTokenExpiresAt, refreshToken, signedInAt] = [
    value.username,
    value.accessToken,
    value.accessTokenExpiresAt,
    value.refreshToken,
    value.signedInAt,
  ].map(nonEmpty);
  if (!username || !accessToken || !accessTokenExpiresAt || !refreshToken || !signedInAt) return undefined;
  return { username, accessToken, accessTokenExpiresAt, refreshToken, signedInAt };
};

const readCognito = (value: unknown): CognitoSignIn | undefined => {
  if (!isObject(value)) return undefined;
  const region = nonEmpty(value.region);
  const clientId = nonEmpty(value.clientId);
  if (!region || !clientId) return undefined;
  const endpoint = nonEmpty(value.endpoint);
  const session = readSession(value.session);
  return { region, clientId, ...(endpoint ? { endpoint } : {}), ...(session ? { session } : {}) };
};

export const readStoredConfig = async (path = configFile()): Promise<Partial<StoredConfig>> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw otherError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return {
      url: typeof parsed.url === 'string' ? parsed.url : undefined,
      token: typeof parsed.token === 'string' ? parsed.token : undefined,
      cognito: readCognito(parsed.cognito),
    };
  } catch {
    throw otherError(`${path} is not valid JSON; run camvault login again`);
  }
};

/** Writes the config owner-only: a 0600 temporary file renamed over the old one, in a 0700 directory. */
export const saveConfig = async (config: StoredConfig, env: NodeJS.ProcessEnv = process.env) => {
  const directory = configDirectory(env);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700);
  const path = configFile(env);
  const temporary = join(directory, `.config.json.${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return path;
};

/** A base URL without trailing slashes; only http(s). */
export const normaliseUrl = (raw: string): string => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw usageError(`the vault URL must be http(s), got ${raw}`);
  return url.toString().replace(/\/+$/, '');
};

/** A JWT's claims, unverified: only to show who you are and to tell "mine" from "theirs". */
export const tokenClaims = (token: string): Record<string, unknown> | null => {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return isObject(claims) ? claims : null;
  } catch {
    // not a JWT: the server will say what it thinks of it
    return null;
  }
};

/** The caller's user name as the token says (unverified: only to tell "mine" from "theirs"). */
export const userFromToken = (token: string): string | null => {
  const claims = tokenClaims(token);
  for (const claim of ['username', 'cognito:username', 'sub']) {
    const value = claims?.[claim];
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
};

/** The token's Cognito groups (an array claim). */
export const groupsFromToken = (token: string): string[] => {
  const claim = tokenClaims(token)?.['cognito:groups'];
  return Array.isArray(claim) ? claim.map(String) : [];
};

/** The token's `exp` as a Date, or null. */
export const tokenExpiry = (token: string): Date | null => {
  const exp = tokenClaims(token)?.exp;
  return typeof exp === 'number' ? new Date(exp * 1000) : null;
};
