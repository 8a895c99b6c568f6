import { createHmac } from 'node:crypto';
import { devToken, signToken, verifyToken } from '#infra/local/jwt';

const SECRET = 'unit-secret';
const now = 1_800_000_000;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('a token signed with the secret and not expired yields its claims', () => {
  const token = signToken({ sub: 'alice', exp: now + 60 }, SECRET);
  expect(verifyToken(token, SECRET, now)).toEqual({ claims: { sub: 'alice', exp: now + 60 } });
});

test.each([
  ['wrong secret', signToken({ sub: 'a', exp: now + 60 }, 'other'), 'bad token signature'],
  ['expired', signToken({ sub: 'a', exp: now - 1 }, SECRET), 'token expired'],
  ['expiring this second', signToken({ sub: 'a', exp: now }, SECRET), 'token expired'],
  ['no exp', signToken({ sub: 'a' }, SECRET), 'token has no exp'],
  ['exp as a string', signToken({ sub: 'a', exp: String(now + 60) }, SECRET), 'token has no exp'],
  ['not yet valid', signToken({ sub: 'a', exp: now + 60, nbf: now + 30 }, SECRET), 'token not yet valid'],
  [
    'alg none',
    `${b64({ alg: 'none' })}.${b64({ sub: 'a', exp: now + 60 })}.`,
    'token must be signed with HS256',
  ],
  ['two parts', 'abc.def', 'malformed token'],
  ['garbage', 'not a token at all', 'malformed token'],
  [
    'payload not JSON',
    (() => {
      const unsigned = `${b64({ alg: 'HS256' })}.${Buffer.from('nope').toString('base64url')}`;
      return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
    })(),
    'malformed token',
  ],
])('refuses %s', (_label, token, error) => {
  expect(verifyToken(token, SECRET, now)).toEqual({ error });
});

test('a payload altered after signing is refused', () => {
  const [header, , signature] = signToken({ sub: 'alice', exp: now + 60 }, SECRET).split('.');
  const forged = `${header}.${b64({ sub: 'alice', exp: now + 60, 'cognito:groups': ['admins'] })}.${signature}`;
  expect(verifyToken(forged, SECRET, now)).toEqual({ error: 'bad token signature' });
});

test('dev tokens name the user, expire, and carry the admins group only when asked', () => {
  const admin = verifyToken(devToken('carol', { admin: true, secret: SECRET, ttlSeconds: 60 }), SECRET);
  const plain = verifyToken(devToken('dave', { admin: false, secret: SECRET, ttlSeconds: 60 }), SECRET);
  expect(admin).toEqual({
    claims: expect.objectContaining({ username: 'carol', 'cognito:groups': ['admins'] }),
  });
  expect(plain).toEqual({ claims: expect.not.objectContaining({ 'cognito:groups': expect.anything() }) });
  if ('claims' in plain) expect(plain.claims.exp).toBeGreaterThan(Date.now() / 1000);
});

test('dev tokens carry the groups asked for, each once, admins included with admin', () => {
  const lead = verifyToken(
    devToken('erin', { admin: false, groups: ['leads', 'customer-a'], secret: SECRET, ttlSeconds: 60 }),
    SECRET,
  );
  const both = verifyToken(
    devToken('fay', { admin: true, groups: ['admins', 'leads'], secret: SECRET, ttlSeconds: 60 }),
    SECRET,
  );
  expect(lead).toEqual({ claims: expect.objectContaining({ 'cognito:groups': ['leads', 'customer-a'] }) });
  expect(both).toEqual({ claims: expect.objectContaining({ 'cognito:groups': ['admins', 'leads'] }) });
});
