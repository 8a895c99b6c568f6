/**
 * (v2) Who a Git LFS request comes from. Git sends HTTP Basic credentials from a credential helper
 * (any user name, the JWT as the password); other clients send `Bearer <JWT>`. The verdict is handed
 * to the handler as a Lambda authorizer's context, so that the handler, not the gateway, answers a
 * missing or bad credential: with the 401 and `LFS-Authenticate` header that make Git ask for one.
 */
import { callerFromClaims } from '../http/caller';
import type { Verification } from './cognito-jwt';

/** The authorizer's context: the caller (groups as a JSON array: context values are strings), or why not. */
export type LfsAuthorizerContext = { user: string; groups: string } | { refusal: string };

/** The token in an Authorization header: a Bearer token or Basic's password; null when there is none. */
export const tokenOf = (
  authorization: string | undefined,
): { token: string } | { refusal: string } | null => {
  const header = authorization?.trim() ?? '';
  if (header === '') return null;
  const bearer = /^Bearer +(\S+)$/i.exec(header);
  if (bearer?.[1]) return { token: bearer[1] };
  const basic = /^Basic +([A-Za-z0-9+/]+={0,2})$/i.exec(header);
  if (!basic?.[1])
    return { refusal: 'credentials must be Bearer <token> or Basic with the token as password' };
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return password === ''
    ? { refusal: 'Basic credentials must carry the token as the password' }
    : { token: password };
};

/** The verdict on a request's Authorization header, with `verify` checking the token it carries. */
export const lfsAuthorizerContext = async (
  authorization: string | undefined,
  verify: (token: string) => Promise<Verification>,
): Promise<LfsAuthorizerContext> => {
  const credentials = tokenOf(authorization);
  if (credentials === null) return { refusal: 'credentials are required' };
  if ('refusal' in credentials) return credentials;
  const verified = await verify(credentials.token);
  if ('error' in verified) return { refusal: verified.error };
  const caller = callerFromClaims(verified.claims);
  if (!caller) return { refusal: 'the token names no user' };
  return { user: caller.user, groups: JSON.stringify(caller.groups) };
};
