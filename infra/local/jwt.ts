/** HS256 tokens for local mode: the same checks API Gateway's JWT authorizer makes on AWS, minus the issuer. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const DEFAULT_JWT_SECRET = 'camvault-dev-secret';

export type Claims = Record<string, unknown>;

const encodeJson = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const sign = (input: string, secret: string): Buffer => createHmac('sha256', secret).update(input).digest();

export const signToken = (claims: Claims, secret: string): string => {
  const unsigned = `${encodeJson({ alg: 'HS256', typ: 'JWT' })}.${encodeJson(claims)}`;
  return `${unsigned}.${sign(unsigned, secret).toString('base64url')}`;
};

/** A dev token for `user`, an admin when asked, valid for `ttlSeconds`. */
export const devToken = (
  user: string,
  options: { admin: boolean; secret: string; ttlSeconds: number },
): string => {
  const now = Math.floor(Date.now() / 1000);
  return signToken(
    {
      sub: user,
      username: user,
      iat: now,
      exp: now + options.ttlSeconds,
      ...(options.admin ? { 'cognito:groups': ['admins'] } : {}),
    },
    options.secret,
  );
};

const decodeJson = (part: string): unknown => {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
};

/** The token's claims when it is well-formed, signed HS256 with `secret` and not expired; else why not. */
export const verifyToken = (
  token: string,
  secret: string,
  nowSeconds = Date.now() / 1000,
): { claims: Claims } | { error: string } => {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part)))
    return { error: 'malformed token' };
  const [header, payload, signature] = parts as [string, string, string];
  const decodedHeader = decodeJson(header) as { alg?: unknown } | undefined;
  if (decodedHeader?.alg !== 'HS256') return { error: 'token must be signed with HS256' };
  const expected = sign(`${header}.${payload}`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { error: 'bad token signature' };
  const claims = decodeJson(payload);
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    return { error: 'malformed token' };
  const { exp, nbf } = claims as Claims;
  if (typeof exp !== 'number') return { error: 'token has no exp' };
  if (exp <= nowSeconds) return { error: 'token expired' };
  if (typeof nbf === 'number' && nbf > nowSeconds) return { error: 'token not yet valid' };
  return { claims: claims as Claims };
};
