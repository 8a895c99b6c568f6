/**
 * `camvault git-credential`: a Git credential helper (git-credential(1)) for the vault's Git LFS
 * server. On `get` it answers the signed-in user and their token (a Cognito sign-in renewed first
 * when about to expire), for the vault's own protocol and host only: a helper set for every host
 * must never hand the vault's token to another. `store` and `erase` do nothing: the login is kept
 * by `camvault login`, and a token Git found bad is renewed or replaced there, not here.
 */
import type { Readable, Writable } from 'node:stream';
import { type Connection, userFromToken } from './config';
import { usageError } from './errors';
import { type Overrides, resolveConnection } from './session';

/** Git's request: `key=value` lines up to a blank line or the end. */
export const readCredentialRequest = async (input: Readable): Promise<Map<string, string>> => {
  let text = '';
  for await (const chunk of input) text += chunk;
  const request = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') break;
    const equals = line.indexOf('=');
    if (equals > 0) request.set(line.slice(0, equals), line.slice(equals + 1).replace(/\r$/, ''));
  }
  return request;
};

/** The answer to `get`: the user and token when Git asks for the vault's host, else nothing at all. */
export const credentialAnswer = (request: Map<string, string>, connection: Connection): string => {
  const vault = new URL(connection.url);
  const protocol = vault.protocol.replace(/:$/, '');
  const sameHost = request.get('host')?.toLowerCase() === vault.host.toLowerCase();
  if (request.get('protocol') !== protocol || !sameHost) return '';
  // Any user name will do (the token says who you are); Git wants one.
  const user = userFromToken(connection.token) ?? 'camvault';
  return `username=${user}\npassword=${connection.token}\n`;
};

export const gitCredential = async (
  operation: string,
  overrides: Overrides,
  streams: { input: Readable; output: Writable },
): Promise<void> => {
  if (!['get', 'store', 'erase'].includes(operation))
    throw usageError(`git-credential takes get, store or erase (Git says which), not "${operation}"`);
  const request = await readCredentialRequest(streams.input);
  if (operation !== 'get') return;
  streams.output.write(credentialAnswer(request, await resolveConnection(overrides)));
};
