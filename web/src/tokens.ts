/**
 * Token helpers for sign-in: PKCE (RFC 7636, S256), the claims of a JWT and who they name, as the
 * contract reads them. Pure (Web Crypto only, no DOM): unit-tested in Node.
 */

export const base64Url = (bytes: Uint8Array): string => {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** A random URL-safe string of `bytes` random bytes (a PKCE verifier, an OAuth state). */
export const randomToken = (bytes = 32): string => base64Url(crypto.getRandomValues(new Uint8Array(bytes)));

/** The S256 code challenge of a verifier. */
export const codeChallenge = async (verifier: string): Promise<string> =>
  base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));

export type Claims = Record<string, unknown>;

/** A JWT's payload, unverified (the API verifies it; the page only reads who and until when). */
export const decodeClaims = (token: string): Claims | null => {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Claims)
      : null;
  } catch {
    return null;
  }
};

/** The caller's user name: the first present of `username`, `cognito:username`, `sub` (the contract's rule). */
export const userOf = (claims: Claims): string | null => {
  for (const key of ['username', 'cognito:username', 'sub']) {
    const value = claims[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
};

/** An admin holds `admins` in `cognito:groups` (an array, or a string as API Gateway flattens it). */
export const isAdmin = (claims: Claims): boolean => {
  const groups = claims['cognito:groups'];
  if (Array.isArray(groups)) return groups.includes('admins');
  return (
    typeof groups === 'string' &&
    groups
      .replace(/[[\]]/g, '')
      .split(/[\s,]+/)
      .includes('admins')
  );
};

/** When the token expires, in epoch milliseconds; null when it does not say. */
export const expiresAt = (claims: Claims): number | null =>
  typeof claims.exp === 'number' ? claims.exp * 1000 : null;
