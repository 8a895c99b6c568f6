import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { signToken, verifyBearerToken } from '#infra/local/jwt';
import { CognitoVerifier, readCognitoSettings } from '#shared/auth/cognito-jwt';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test1234';
const CLIENT = 'cli-client-id';
const OTHER_CLIENT = 'web-client-id';
const now = 1_800_000_000;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const newKey = (kid: string) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    privateKey,
    publicKey,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
  };
};
const current = newKey('key-1');
const rotated = newKey('key-2');

const rs256 = (claims: Record<string, unknown>, key: { kid: string; privateKey: KeyObject } = current) => {
  const unsigned = `${b64({ alg: 'RS256', kid: key.kid })}.${b64(claims)}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), key.privateKey).toString('base64url')}`;
};

const accessClaims = (overrides: Record<string, unknown> = {}) => ({
  sub: 'b7e1c3a0-0000-4000-8000-000000000001',
  username: 'alice',
  'cognito:groups': ['programmers'],
  iss: ISSUER,
  client_id: CLIENT,
  token_use: 'access',
  scope: 'aws.cognito.signin.user.admin',
  iat: now - 10,
  exp: now + 3600,
  ...overrides,
});

/** A verifier over a key set served by `jwks()`, counting the fetches; `clock.now` moves time. */
const verifierFor = (jwks: () => unknown) => {
  const clock = { now };
  const fetched: string[] = [];
  const verifier = new CognitoVerifier({
    issuer: ISSUER,
    clientIds: [CLIENT, OTHER_CLIENT],
    now: () => clock.now,
    fetchJwks: async (url) => {
      fetched.push(url);
      return jwks();
    },
  });
  return { verifier, fetched, clock };
};

test('an access token of the pool for an allowed client yields its claims; keys are fetched once', async () => {
  const { verifier, fetched } = verifierFor(() => ({ keys: [current.jwk] }));
  const claims = accessClaims();
  expect(await verifier.verify(rs256(claims))).toEqual({ claims });
  expect(await verifier.verify(rs256(accessClaims({ username: 'bob' })))).toEqual({
    claims: expect.objectContaining({ username: 'bob' }),
  });
  expect(fetched).toEqual([`${ISSUER}/.well-known/jwks.json`]);
});

test('an id token is checked by its aud', async () => {
  const { verifier } = verifierFor(() => ({ keys: [current.jwk] }));
  const id = { ...accessClaims({ token_use: 'id', aud: OTHER_CLIENT }), client_id: undefined };
  expect(await verifier.verify(rs256(id))).toEqual({
    claims: expect.objectContaining({ aud: OTHER_CLIENT }),
  });
  expect(await verifier.verify(rs256({ ...id, aud: 'someone-else' }))).toEqual({
    error: 'token is for another app client',
  });
  // An id token's client_id does not stand in for its aud.
  expect(await verifier.verify(rs256({ ...id, aud: undefined, client_id: CLIENT }))).toEqual({
    error: 'token is for another app client',
  });
});

test.each([
  ['from another issuer', rs256(accessClaims({ iss: `${ISSUER}x` })), 'token is from another issuer'],
  ['with no iss', rs256(accessClaims({ iss: undefined })), 'token is from another issuer'],
  ['for another app client', rs256(accessClaims({ client_id: 'other' })), 'token is for another app client'],
  [
    'an access token with only an aud',
    rs256(accessClaims({ client_id: undefined, aud: CLIENT })),
    'token is for another app client',
  ],
  ['of another token_use', rs256(accessClaims({ token_use: 'refresh' })), 'token_use must be access or id'],
  ['without token_use', rs256(accessClaims({ token_use: undefined })), 'token_use must be access or id'],
  ['expired', rs256(accessClaims({ exp: now - 1 })), 'token expired'],
  ['expiring this second', rs256(accessClaims({ exp: now })), 'token expired'],
  ['without exp', rs256(accessClaims({ exp: undefined })), 'token has no exp'],
  ['with exp as a string', rs256(accessClaims({ exp: String(now + 60) })), 'token has no exp'],
  ['not yet valid', rs256(accessClaims({ nbf: now + 120 })), 'token not yet valid'],
  ['issued in the future', rs256(accessClaims({ iat: now + 120 })), 'token issued in the future'],
  [
    'without kid',
    (() => {
      const unsigned = `${b64({ alg: 'RS256' })}.${b64(accessClaims())}`;
      return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), current.privateKey).toString('base64url')}`;
    })(),
    'token has no kid',
  ],
  [
    'with alg none',
    `${b64({ alg: 'none', kid: current.kid })}.${b64(accessClaims())}.`,
    'token must be signed with RS256',
  ],
  [
    'signed HS256 with the public key as the secret',
    (() => {
      const secret = current.publicKey.export({ format: 'pem', type: 'spki' });
      const unsigned = `${b64({ alg: 'HS256', kid: current.kid })}.${b64(accessClaims())}`;
      return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    })(),
    'token must be signed with RS256',
  ],
  [
    'labelled RS256 but HMAC-signed with the public key',
    (() => {
      const secret = current.publicKey.export({ format: 'pem', type: 'spki' });
      const unsigned = `${b64({ alg: 'RS256', kid: current.kid })}.${b64(accessClaims())}`;
      return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    })(),
    'bad token signature',
  ],
  [
    'signed by a key the pool does not have',
    rs256(accessClaims(), { kid: current.kid, privateKey: rotated.privateKey }),
    'bad token signature',
  ],
  ['malformed', 'a.b', 'malformed token'],
])('refuses a token %s', async (_label, token, error) => {
  const { verifier } = verifierFor(() => ({ keys: [current.jwk] }));
  expect(await verifier.verify(token)).toEqual({ error });
});

test('a payload altered after signing is refused', async () => {
  const { verifier } = verifierFor(() => ({ keys: [current.jwk] }));
  const [header, , signature] = rs256(accessClaims()).split('.');
  const forged = `${header}.${b64(accessClaims({ 'cognito:groups': ['admins'] }))}.${signature}`;
  expect(await verifier.verify(forged)).toEqual({ error: 'bad token signature' });
});

test('an unknown kid fetches the keys once more, at most once per interval', async () => {
  let keys = [current.jwk];
  const { verifier, fetched, clock } = verifierFor(() => ({ keys }));
  expect(await verifier.verify(rs256(accessClaims()))).toHaveProperty('claims');
  expect(fetched).toHaveLength(1);

  // A made-up kid right after a fetch: refused without another fetch.
  expect(
    await verifier.verify(rs256(accessClaims(), { kid: 'made-up', privateKey: current.privateKey })),
  ).toEqual({
    error: 'token signed with an unknown key',
  });
  expect(fetched).toHaveLength(1);

  // The pool rotates its key; a token of the new key, later, is looked up once and then accepted.
  keys = [current.jwk, rotated.jwk];
  clock.now = now + 60;
  const tokens = Array.from({ length: 5 }, () => rs256(accessClaims(), rotated));
  const results = await Promise.all(tokens.map((token) => verifier.verify(token)));
  for (const result of results) expect(result).toHaveProperty('claims');
  expect(fetched).toHaveLength(2);

  // Still unknown after a fetch: refused, and a flood of them fetches nothing more.
  clock.now = now + 120;
  for (let i = 0; i < 10; i++)
    expect(
      await verifier.verify(rs256(accessClaims(), { kid: `made-up-${i}`, privateKey: current.privateKey })),
    ).toEqual({
      error: 'token signed with an unknown key',
    });
  expect(fetched).toHaveLength(3);
});

test('keys that are not RSA signing keys are not used, and a failed fetch refuses the token', async () => {
  const wrongUse = { ...current.jwk, use: 'enc' };
  const { verifier } = verifierFor(() => ({ keys: [wrongUse] }));
  expect(await verifier.verify(rs256(accessClaims()))).toEqual({ error: 'token signed with an unknown key' });

  const failing = new CognitoVerifier({
    issuer: ISSUER,
    clientIds: [CLIENT],
    now: () => now,
    fetchJwks: async () => {
      throw new Error('connect ECONNREFUSED');
    },
  });
  expect(await failing.verify(rs256(accessClaims()))).toEqual({
    error: "cannot get the user pool's keys: connect ECONNREFUSED",
  });
});

describe('the local server with and without a pool', () => {
  const SECRET = 'unit-secret';

  test('without CAMVAULT_COGNITO_ISSUER, RS256 tokens are refused and HS256 dev tokens work as before', async () => {
    expect(await verifyBearerToken(rs256(accessClaims({ exp: Date.now() / 1000 + 60 })), SECRET, {})).toEqual(
      {
        error: 'token must be signed with HS256',
      },
    );
    const dev = signToken({ sub: 'dave', exp: Date.now() / 1000 + 60 }, SECRET);
    expect(await verifyBearerToken(dev, SECRET, {})).toEqual({
      claims: expect.objectContaining({ sub: 'dave' }),
    });
  });

  test('with a pool, HS256 dev tokens still work and HS256 with the public key is still refused', async () => {
    const env = { CAMVAULT_COGNITO_ISSUER: ISSUER, CAMVAULT_COGNITO_CLIENT_IDS: CLIENT };
    const dev = signToken({ sub: 'dave', exp: Date.now() / 1000 + 60 }, SECRET);
    expect(await verifyBearerToken(dev, SECRET, env)).toEqual({
      claims: expect.objectContaining({ sub: 'dave' }),
    });
    const secret = current.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(
      await verifyBearerToken(signToken(accessClaims({ exp: Date.now() / 1000 + 60 }), secret), SECRET, env),
    ).toEqual({
      error: 'bad token signature',
    });
  });
});

describe('settings', () => {
  test('the issuer and the client ids', () => {
    expect(readCognitoSettings({})).toBeNull();
    expect(
      readCognitoSettings({
        CAMVAULT_COGNITO_ISSUER: ISSUER,
        CAMVAULT_COGNITO_CLIENT_IDS: ` ${CLIENT} , ${OTHER_CLIENT},`,
      }),
    ).toEqual({ issuer: ISSUER, clientIds: [CLIENT, OTHER_CLIENT] });
  });

  test.each([
    [{ CAMVAULT_COGNITO_ISSUER: ISSUER }, /CAMVAULT_COGNITO_CLIENT_IDS is not/],
    [{ CAMVAULT_COGNITO_ISSUER: `${ISSUER}/`, CAMVAULT_COGNITO_CLIENT_IDS: CLIENT }, /no trailing slash/],
    [{ CAMVAULT_COGNITO_ISSUER: 'cognito', CAMVAULT_COGNITO_CLIENT_IDS: CLIENT }, /not a URL/],
    [{ CAMVAULT_COGNITO_ISSUER: 'ftp://pool', CAMVAULT_COGNITO_CLIENT_IDS: CLIENT }, /issuer exactly/],
  ])('refuses %j', (env, message) => {
    expect(() => readCognitoSettings(env)).toThrow(message);
  });
});
