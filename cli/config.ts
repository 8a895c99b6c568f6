/**
 * Where the CLI keeps the vault's URL and the user's token: `$CAMVAULT_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/camvault`, else `~/.config/camvault`; the directory 0700, the file 0600.
 * `CAMVAULT_URL` / `CAMVAULT_TOKEN`, and `--url` / `--token`, override what is stored.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { authError, otherError, usageError } from './errors';

export interface StoredConfig {
  url: string;
  token: string;
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

export const readStoredConfig = async (path = configFile()): Promise<Partial<StoredConfig>> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw otherError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoredConfig>;
    return {
      url: typeof parsed.url === 'string' ? parsed.url : undefined,
      token: typeof parsed.token === 'string' ? parsed.token : undefined,
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

export interface Overrides {
  url?: string;
  token?: string;
}

/** The URL and token to use: flags, then environment, then the stored config. */
export const resolveConnection = async (
  overrides: Overrides,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Connection> => {
  let url = overrides.url || env.CAMVAULT_URL;
  let token = overrides.token || env.CAMVAULT_TOKEN;
  if (!url || !token) {
    const stored = await readStoredConfig(configFile(env));
    url ||= stored.url;
    token ||= stored.token;
  }
  if (!url) throw authError('not logged in: run camvault login --url URL --token TOKEN', 'NOT_LOGGED_IN');
  if (!token)
    throw authError(`no token for ${url}: run camvault login --url ${url} --token TOKEN`, 'NOT_LOGGED_IN');
  return { url: normaliseUrl(url), token };
};

/** The caller's user name as the token says (unverified: only to tell "mine" from "theirs"). */
export const userFromToken = (token: string): string | null => {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const claim of ['username', 'cognito:username', 'sub']) {
      if (typeof claims[claim] === 'string' && claims[claim] !== '') return claims[claim] as string;
    }
  } catch {
    // not a JWT: the server will say what it thinks of it
  }
  return null;
};
