/**
 * Tokens in local mode: HS256 dev tokens signed with the server's secret (the same checks API Gateway's
 * JWT authorizer makes on AWS, minus the issuer), and, when `CAMVAULT_COGNITO_ISSUER` is set, RS256
 * tokens of that user pool as well (cognito-jwt.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  type Claims,
  CognitoVerifier,
  readCognitoSettings,
  type Verification,
} from '#shared/auth/cognito-jwt';

export type { Claims } from '#shared/auth/cognito-jwt';

export const DEFAULT_JWT_SECRET = 'camvault-dev-secret';

const encodeJson = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const sign = (input: string, secret: string): Buffer => createHmac('sha256', secret).update(input).digest();

export const signToken = (claims: Claims, secret: string): string => {
  const unsigned = `${encodeJson({ alg: 'HS256', typ: 'JWT' })}.${encodeJson(claims)}`;
  return `${unsigned}.${sign(unsigned, secret).toString('base64url')}`;
};

/**
 * A dev token for `user`, valid for `ttlSeconds`, in the Cognito groups asked for (`admin` adds
 * `admins`): the `cognito:groups` claim is left out when there are none, as Cognito does.
 */
export const devToken = (
  user: string,
  options: { admin: boolean; groups?: string[]; secret: string; ttlSeconds: number },
): string => {
  const now = Math.floor(Date.now() / 1000);
  const groups = [...new Set([...(options.admin ? ['admins'] : []), ...(options.groups ?? [])])];
  return signToken(
    {
      sub: user,
      username: user,
      iat: now,
      exp: now + options.ttlSeconds,
      ...(groups.length > 0 ? { 'cognito:groups': groups } : {}),
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
export const verifyToken = (token: string, secret: string, nowSeconds = Date.now() / 1000): Verification => {
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

/** One verifier per configured pool, so that its keys stay cached from one request to the next. */
let cognito: { settings: string; verifier: CognitoVerifier } | null = null;

const cognitoVerifier = (env: NodeJS.ProcessEnv): CognitoVerifier | null => {
  const settings = readCognitoSettings(env);
  if (!settings) return null;
  const key = JSON.stringify(settings);
  if (cognito?.settings !== key) cognito = { settings: key, verifier: new CognitoVerifier(settings) };
  return cognito.verifier;
};

/**
 * A bearer token as the local server checks it: RS256 ones against the Cognito pool when one is
 * configured, everything else as an HS256 dev token (so without a pool nothing changes).
 */
export const verifyBearerToken = async (
  token: string,
  secret: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Verification> => {
  const verifier = cognitoVerifier(env);
  const header = decodeJson(token.split('.')[0] ?? '') as { alg?: unknown } | undefined;
  if (verifier && header?.alg === 'RS256') return verifier.verify(token);
  return verifyToken(token, secret);
};
