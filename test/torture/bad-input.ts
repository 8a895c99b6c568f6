/**
 * Bad input, property-based: fast-check generates requests to every route with at least one defect
 * (token, method, name, query, body) wherever the request could otherwise change something. Each
 * answer must be the contract's error for that defect, never a 500; the vault's state must not move.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { devToken, signToken } from '#infra/local/jwt';
import { errorStatus } from '#shared/errors';
import { encodeName, sha256Hex, TEST_JWT_SECRET, type TestServer } from '../support/http';
import { rawRequest, Tally } from './support';

type Defect = 'token' | 'method' | 'name' | 'query' | 'body';

interface Part<T> {
  value: T;
  /** What is wrong with this part, or null when it is well-formed. */
  defect: string | null;
}

export interface GeneratedRequest {
  route: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Whether the request, were it well-formed, could change the vault's state. */
  mutating: boolean;
  authenticated: boolean;
  defects: { part: Defect; what: string }[];
}

const ok = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<Part<T>> =>
  arbitrary.map((value) => ({ value, defect: null }));
const bad = <T>(what: string, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<Part<T>> =>
  arbitrary.map((value) => ({ value, defect: what }));

const nowSeconds = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

// --- tokens -----------------------------------------------------------------------------------------

const tokens = (): fc.Arbitrary<Part<string | null>> =>
  fc.oneof(
    // Good tokens about half of the time, so that what lies behind the gateway gets its share.
    {
      weight: 7,
      arbitrary: ok(fc.constantFrom('alice', 'carol')).map((part) => ({
        ...part,
        value: `Bearer ${devToken(part.value, { admin: false, secret: TEST_JWT_SECRET, ttlSeconds: 3600 })}`,
      })),
    },
    {
      weight: 3,
      arbitrary: ok(
        fc.constant(`Bearer ${devToken('root', { admin: true, secret: TEST_JWT_SECRET, ttlSeconds: 3600 })}`),
      ),
    },
    bad('no token', fc.constant(null)),
    bad(
      'not a JWT',
      fc.string({ maxLength: 60 }).map((text) => `Bearer ${text.replace(/[^\x21-\x7e]/g, 'x')}x`),
    ),
    bad(
      'expired token',
      fc
        .integer({ min: 1, max: 1_000_000 })
        .map((ago) => `Bearer ${signToken({ sub: 'alice', exp: nowSeconds() - ago }, TEST_JWT_SECRET)}`),
    ),
    bad(
      'forged token',
      fc
        .string({ minLength: 1, maxLength: 20 })
        .map((secret) => `Bearer ${signToken({ sub: 'alice', exp: nowSeconds() + 3600 }, `not-${secret}`)}`),
    ),
    bad(
      'alg none',
      fc.constant(`Bearer ${b64({ alg: 'none' })}.${b64({ sub: 'alice', exp: nowSeconds() + 3600 })}.`),
    ),
    bad(
      'HS512 header',
      fc.constant(null).map(() => {
        const unsigned = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64({ sub: 'alice', exp: nowSeconds() + 3600 })}`;
        return `Bearer ${unsigned}.${createHmac('sha256', TEST_JWT_SECRET).update(unsigned).digest('base64url')}`;
      }),
    ),
    bad(
      'token without exp',
      fc.constant(null).map(() => `Bearer ${signToken({ sub: 'alice' }, TEST_JWT_SECRET)}`),
    ),
    bad(
      'token naming nobody',
      fc
        .constant(null)
        .map(() => `Bearer ${signToken({ exp: nowSeconds() + 3600, sub: '' }, TEST_JWT_SECRET)}`),
    ),
    bad('Basic scheme', fc.constant('Basic YWxpY2U6c2VjcmV0')),
  );

// --- names (as they go into a path: each segment percent-encoded) -----------------------------------

const VALID_NAMES = [
  'existing.mcam',
  'EXISTING.MCAM',
  'locked.mcam',
  'missing.mcam',
  'folder/Plate A.mcam',
  'new/part.mcam',
];
const text = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' });
const CONTROL = fc
  .integer({ min: 0, max: 0x20 })
  .map((code) => String.fromCharCode(code === 0x20 ? 0x7f : code));
/** Control characters other than line breaks (which have a generator of their own). */
const CONTROL_NOT_LINE_BREAK = CONTROL.filter((char) => char !== '\n' && char !== '\r');

/** Answers the contract does not allow but the local server is known to give, and why. */
export const KNOWN_DEVIATIONS = {
  nobodyBrokenPath:
    'a token that names nobody with an undecodable path: the local gateway answers 400 for the path before the handler answers 401 for the token',
} as const;
/** Inserts between code points, never inside a surrogate pair (a lone surrogate cannot be encoded). */
const insertAt = (base: string, index: number, insert: string) => {
  const points = Array.from(base);
  const at = index % (points.length + 1);
  return [...points.slice(0, at), insert, ...points.slice(at)].join('');
};
const hasControlCharacter = (value: string) =>
  Array.from(value).some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);

const encodePath = (name: string): string => encodeName(name);

/** Names that break a rule, whatever else they hold. Values are path text, already encoded. */
const badNames = (): fc.Arbitrary<Part<string>> =>
  fc.oneof(
    bad(
      'wrong extension',
      fc
        .tuple(text, fc.constantFrom('.txt', '.mcam.bak', '', '.MCA', '.nc'))
        .map(([t, ext]) => encodePath(t.replace(/\.mcam$/i, '') + ext)),
    ),
    bad(
      'control character',
      fc
        .tuple(text, fc.nat(), CONTROL_NOT_LINE_BREAK)
        .map(([t, at, c]) => encodePath(`${insertAt(t, at, c)}.mcam`)),
    ),
    bad(
      'line break',
      fc
        .tuple(text, fc.nat(), fc.constantFrom('\n', '\r', '\r\n', '\u0085', '\u2028', '\u2029'))
        .map(([t, at, c]) => encodePath(`${insertAt(t, at, c)}.mcam`)),
    ),
    bad(
      'backslash',
      fc.tuple(text, fc.nat()).map(([t, at]) => encodePath(`${insertAt(t, at, '\\')}.mcam`)),
    ),
    bad(
      'encoded traversal',
      fc
        .tuple(fc.constantFrom('..%2F', '%2e%2e%2f', '.%2F', '%2E%2E%2F', 'a/..%2F', 'a%2F..%2F'), text)
        .map(([dots, t]) => `${dots}${encodePath(`${t}.mcam`)}`),
    ),
    // Sent raw (or %2E-encoded): the local server routes on the path as sent, never resolving them.
    bad(
      'dot segment',
      fc
        .tuple(fc.constantFrom('../', './', '%2E%2E/', '%2e/', '.%2E/', 'a/../', 'a/%2e%2E/'), text)
        .map(([dots, t]) => `${dots}${encodePath(`${t}.mcam`)}`),
    ),
    bad(
      'empty segment',
      fc.tuple(text, text).map(([a, b]) => `${encodePath(a)}//${encodePath(`${b}.mcam`)}`),
    ),
    bad(
      'segment ending in a space or dot',
      fc
        .tuple(text, fc.constantFrom(' ', '.'), text)
        .map(([a, end, b]) => `${encodePath(a + end)}/${encodePath(`${b}.mcam`)}`),
    ),
    bad(
      'over 512 bytes',
      fc.integer({ min: 508, max: 3000 }).map((length) => `${'n'.repeat(length)}.mcam`),
    ),
    bad(
      'over 512 bytes of UTF-8',
      fc.integer({ min: 254, max: 600 }).map((length) => encodePath(`${'é'.repeat(length)}.mcam`)),
    ),
    bad(
      'broken percent-encoding',
      fc
        .tuple(text, fc.constantFrom('%', '%E0%A4%A', '%G1', '%ED%A0%80', '%C3'))
        .map(([t, broken]) => `${encodePath(t)}${broken}.mcam`),
    ),
    bad(
      'trailing slash',
      text.map((t) => `${encodePath(`${t}.mcam`)}/`),
    ),
  );

const names = (): fc.Arbitrary<Part<string>> =>
  fc.oneof(ok(fc.constantFrom(...VALID_NAMES).map(encodePath)), badNames());

/** A file id in a path: well-formed (no such file in the trash: 404) or not (400). */
const fileIds = (): fc.Arbitrary<Part<string>> =>
  fc.oneof(
    ok(fc.uuid({ version: 4 })),
    bad(
      'malformed file id',
      fc.oneof(
        fc.constantFrom('x', 'FILE', '00000000-0000-0000-0000-00000000000G'),
        fc
          .uuid()
          .map((id) => id.toUpperCase())
          .filter((id) => /[A-F]/.test(id)),
      ),
    ),
  );

// --- query strings ----------------------------------------------------------------------------------

type Query = [string, string][];
const queryString = (query: Query) =>
  query.length === 0
    ? ''
    : `?${query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;

// Any non-empty value (an empty one counts as absent).
const nonEmpty = fc.string({ minLength: 1, maxLength: 30 });
const unknownParameter = (known: string[]) =>
  bad(
    'unknown parameter',
    fc
      .tuple(
        fc.stringMatching(/^[a-z_]{1,10}$/).filter((key) => !known.includes(key)),
        nonEmpty,
      )
      .map(([k, v]): Query => [[k, v]]),
  );
const badLimit = bad(
  'bad limit',
  fc
    .oneof(
      fc.constantFrom('0', '1001', '-1', '1.5', 'ten', '1e3', ' 5', '0x10', '99999999999'),
      fc.constant('1').map(() => '2,3'),
    )
    .map((v): Query => [['limit', v]]),
);
const repeatedLimit = bad(
  'repeated limit',
  fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 })).map(
    ([a, b]): Query => [
      ['limit', String(a)],
      ['limit', String(b)],
    ],
  ),
);
const badCursor = bad(
  'cursor the server did not issue',
  fc
    .oneof(
      fc.base64String({ minLength: 4, maxLength: 200 }),
      fc.string({ minLength: 1, maxLength: 100 }),
      fc.string({ minLength: 4097, maxLength: 5000 }),
    )
    .map((v): Query => [['cursor', v]]),
);
const validLimit = fc.integer({ min: 1, max: 1000 }).map((n): Query => [['limit', String(n)]]);

const queries: Record<string, () => fc.Arbitrary<Part<Query>>> = {
  files: () =>
    fc.oneof(
      ok(fc.constant<Query>([])),
      ok(validLimit),
      ok(fc.constantFrom('available', 'checked_out').map((s): Query => [['status', s]])),
      ok(
        fc
          .string({ minLength: 1, maxLength: 10, unit: 'grapheme-ascii' })
          .filter((p) => !hasControlCharacter(p))
          .map((p): Query => [['prefix', p]]),
      ),
      unknownParameter(['prefix', 'status', 'limit', 'cursor']),
      badLimit,
      repeatedLimit,
      badCursor,
      bad(
        'unknown status',
        nonEmpty.filter((s) => !['available', 'checked_out'].includes(s)).map((s): Query => [['status', s]]),
      ),
      bad(
        'prefix with a control character',
        fc.tuple(fc.string({ maxLength: 10 }), CONTROL).map(([p, c]): Query => [['prefix', p + c]]),
      ),
      bad(
        'prefix over 512 bytes',
        fc.integer({ min: 513, max: 2000 }).map((n): Query => [['prefix', 'p'.repeat(n)]]),
      ),
      ok(fc.constant<Query>([['depth', '1']])),
      bad(
        'depth other than 1',
        fc.constantFrom('0', '2', 'all', '-1').map((d): Query => [['depth', d]]),
      ),
      bad(
        'depth 1 under a prefix that is no folder',
        fc.constant<Query>([
          ['depth', '1'],
          ['prefix', 'new'],
        ]),
      ),
    ),
  locks: () =>
    fc.oneof(
      ok(fc.constant<Query>([])),
      ok(validLimit),
      ok(fc.constantFrom('bob', 'alice').map((u): Query => [['user', u]])),
      unknownParameter(['user', 'limit', 'cursor']),
      badLimit,
      repeatedLimit,
      badCursor,
      bad(
        'user over 256 characters',
        fc.integer({ min: 257, max: 1000 }).map((n): Query => [['user', 'u'.repeat(n)]]),
      ),
    ),
  versions: () =>
    fc.oneof(
      ok(fc.constant<Query>([])),
      ok(validLimit),
      unknownParameter(['limit', 'cursor']),
      badLimit,
      repeatedLimit,
      badCursor,
    ),
  download: () =>
    fc.oneof(
      ok(fc.constant<Query>([])),
      ok(fc.integer({ min: 1, max: 3 }).map((v): Query => [['version', String(v)]])),
      unknownParameter(['version']),
      bad(
        'bad version',
        fc.constantFrom('0', '-1', 'x', '1.5', 'latest', '1,2', ' 1').map((v): Query => [['version', v]]),
      ),
    ),
  releaseLock: () =>
    fc.oneof(
      ok(fc.constant<Query>([])),
      ok(fc.constantFrom('true', 'false').map((v): Query => [['force', v]])),
      unknownParameter(['force']),
      bad(
        'force not a boolean',
        fc.constantFrom('yes', '1', 'TRUE', 'no', 'on', 'true,true').map((v): Query => [['force', v]]),
      ),
    ),
  none: () => fc.oneof(ok(fc.constant<Query>([])), unknownParameter([])),
  trash: () =>
    fc.oneof(
      ok(fc.constant<Query>([])),
      ok(validLimit),
      ok(fc.constantFrom('new/', 'A', 'zz').map((p): Query => [['prefix', p]])),
      unknownParameter(['prefix', 'limit', 'cursor']),
      badLimit,
      repeatedLimit,
      badCursor,
    ),
  folders: () =>
    fc.oneof(
      ok(fc.constant<Query>([])),
      ok(validLimit),
      ok(fc.constantFrom('new/', 'A/b/', 'zz/').map((p): Query => [['prefix', p]])),
      unknownParameter(['prefix', 'limit', 'cursor']),
      badLimit,
      badCursor,
      bad(
        'folder prefix without its slash',
        fc.constantFrom('new', 'a/b', '.', 'x/..').map((p): Query => [['prefix', p]]),
      ),
      bad(
        'folder prefix with an empty segment',
        fc.constantFrom('/', 'a//', '//').map((p): Query => [['prefix', p]]),
      ),
    ),
  audit: () =>
    fc.oneof(
      ok(fc.constant<Query>([])),
      ok(validLimit),
      ok(fc.constantFrom('FileCheckedIn', 'FileMoved').map((t): Query => [['type', t]])),
      ok(fc.constantFrom('2026-01-01', '2026-12-01T10:00:00Z').map((t): Query => [['since', t]])),
      ok(fc.constantFrom('new/part.mcam', 'A/b.mcam').map((n): Query => [['name', n]])),
      unknownParameter(['name', 'user', 'type', 'since', 'until', 'limit', 'cursor']),
      badLimit,
      badCursor,
      bad(
        'unknown event type',
        nonEmpty
          .filter((t) => !t.startsWith('File') && !t.startsWith('Lock'))
          .map((t): Query => [['type', t]]),
      ),
      bad(
        'since not a time',
        fc
          .constantFrom('yesterday', '2026-13-01', '12/01/2026', '1700000000')
          .map((t): Query => [['since', t]]),
      ),
      bad(
        'audit of a bad name',
        fc.constantFrom('a//b.mcam', '../x.mcam', 'x.txt').map((n): Query => [['name', n]]),
      ),
    ),
};

// --- bodies -----------------------------------------------------------------------------------------

const VALID_SHA = sha256Hex(Buffer.from('x'));
const json = (value: unknown) => JSON.stringify(value);
const notJson = fc
  .oneof(
    fc.constantFrom('{', '{"message":', '[1,', 'nul', "{'a':1}", '{"a":1}}', '\u0000'),
    fc.string({ minLength: 1, maxLength: 40 }).map((s) => `{${s}`),
  )
  .filter((raw) => {
    try {
      JSON.parse(raw);
      return false;
    } catch {
      return true;
    }
  });
const notAnObject = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.string({ maxLength: 10 }),
);
const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);

const commonBadBodies = (known: string[]) => [
  bad('not JSON', notJson),
  bad('JSON but not an object', notAnObject.map(json)),
  bad(
    'unknown field',
    fc
      .tuple(
        fc
          .string({ minLength: 1, maxLength: 12 })
          .filter((key) => !known.includes(key) && key !== '__proto__'),
        fc.jsonValue({ maxDepth: 1 }),
      )
      .map(([k, v]) => json({ [k]: v })),
  ),
  bad(
    'body over 64 KiB',
    fc.integer({ min: 65 * 1024, max: 80 * 1024 }).map((n) => json({ message: 'x'.repeat(n) })),
  ),
];

const bodies: Record<string, () => fc.Arbitrary<Part<string | undefined>>> = {
  checkout: () =>
    fc.oneof(
      ok(fc.constantFrom<string | undefined>(undefined, '{}', json({ message: 'taking it' }))),
      ...commonBadBodies(['message']),
      bad(
        'message not a string',
        notAString.map((m) => json({ message: m })),
      ),
      bad(
        'message over 1000 characters',
        fc.integer({ min: 1001, max: 3000 }).map((n) => json({ message: 'é'.repeat(n) })),
      ),
    ),
  checkin: () =>
    fc.oneof(
      ok(
        fc.constantFrom<string | undefined>(
          undefined,
          '{}',
          json({ uploadId: 'no-such-upload' }),
          json({ message: 'done' }),
        ),
      ),
      ...commonBadBodies(['uploadId', 'message', 'keepLock']),
      bad(
        'uploadId not a string',
        notAString.map((u) => json({ uploadId: u })),
      ),
      bad('empty uploadId', fc.constant(json({ uploadId: '' }))),
      bad(
        'uploadId over 100 characters',
        fc.integer({ min: 101, max: 500 }).map((n) => json({ uploadId: 'u'.repeat(n) })),
      ),
      bad(
        'keepLock not a boolean',
        fc
          .oneof(fc.integer(), fc.string(), fc.constant(null))
          .map((k) => json({ uploadId: 'u1', keepLock: k })),
      ),
      bad('keepLock without an upload', fc.constant(json({ keepLock: true }))),
      bad(
        'bad fromVersion',
        fc.constantFrom<unknown>(0, -1, 1.5, '2', null, true).map((v) => json({ fromVersion: v })),
      ),
      bad('fromVersion with an uploadId', fc.constant(json({ fromVersion: 1, uploadId: 'u1' }))),
    ),
  move: () =>
    fc.oneof(
      ok(fc.constant(json({ to: 'moved/part.mcam', message: 'tidy' }))),
      ...commonBadBodies(['to', 'message']),
      bad('move without to', fc.constantFrom('{}', json({ message: 'x' }))),
      bad(
        'to not a string',
        notAString.map((to) => json({ to })),
      ),
      bad(
        'to a bad name',
        badNames().map((name) => json({ to: decodeURIComponentSafe(name.value) })),
      ),
    ),
  restore: () =>
    fc.oneof(
      ok(fc.constantFrom<string | undefined>(undefined, '{}', json({ as: 'restored/part.mcam' }))),
      ...commonBadBodies(['as']),
      bad(
        'as a bad name',
        badNames().map((name) => json({ as: decodeURIComponentSafe(name.value) })),
      ),
    ),
  uploads: () =>
    fc.oneof(
      ok(fc.constant(json({ name: 'new/part.mcam', sizeBytes: 10, sha256: VALID_SHA }))),
      ...commonBadBodies(['name', 'sizeBytes', 'sha256']),
      bad(
        'missing field',
        fc.constantFrom(
          json({ name: 'new.mcam', sizeBytes: 1 }),
          json({ name: 'new.mcam', sha256: VALID_SHA }),
          json({ sizeBytes: 1, sha256: VALID_SHA }),
        ),
      ),
      bad(
        'bad name',
        badNames().map((name) =>
          json({ name: decodeURIComponentSafe(name.value), sizeBytes: 1, sha256: VALID_SHA }),
        ),
      ),
      bad(
        'a new name Windows cannot hold',
        fc
          .oneof(
            fc
              .tuple(
                text,
                fc.nat(),
                fc.constantFrom('<', '>', ':', '"', '|', '?', '*', '#', '\u0080', '\u009f'),
              )
              .map(([t, at, c]) => `${insertAt(t, at, c)}.mcam`),
            fc
              .tuple(
                fc.constantFrom('', 'jobs/'),
                fc.constantFrom('CON', 'prn', 'Aux', 'nul', 'COM0', 'com9', 'LPT5'),
                fc.constantFrom('.mcam', '.old.mcam', '/part.mcam'),
              )
              .map(([folder, device, tail]) => `${folder}${device}${tail}`),
          )
          .map((name) => json({ name, sizeBytes: 1, sha256: VALID_SHA })),
      ),
      bad(
        'name not a string',
        notAString.map((n) => json({ name: n, sizeBytes: 1, sha256: VALID_SHA })),
      ),
      bad(
        'bad size',
        fc
          .oneof(
            fc.integer({ max: -1 }),
            fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }),
            fc.string(),
            fc.constant(null),
            fc.integer({ min: 1_000_001 }),
          )
          .map((size) => json({ name: 'new.mcam', sizeBytes: size, sha256: VALID_SHA })),
      ),
      bad(
        'bad sha256',
        fc
          .oneof(
            fc.string({ maxLength: 70 }),
            fc.stringMatching(/^[0-9a-f]{63}$/),
            fc.stringMatching(/^[0-9a-f]{65}$/),
            fc.stringMatching(/^[g-z]{64}$/),
            notAString,
          )
          .filter((s) => typeof s !== 'string' || !/^[0-9a-fA-F]{64}$/.test(s))
          .map((sha) => json({ name: 'new.mcam', sizeBytes: 1, sha256: sha })),
      ),
    ),
};

/** A bad name as it would be typed into a body: its path encoding undone where that is possible. */
function decodeURIComponentSafe(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return `${encoded}\u0000`;
  }
}

// --- routes -----------------------------------------------------------------------------------------

interface RouteShape {
  route: string;
  method: string;
  prefix: string;
  /** What follows the prefix in the path: a file name, a file id, or nothing. */
  name: boolean | 'fileId';
  query: keyof typeof queries;
  body: keyof typeof bodies | null;
  mutating: boolean;
  authenticated: boolean;
}

const ROUTES: RouteShape[] = [
  {
    route: 'GET /files',
    method: 'GET',
    prefix: '/files',
    name: false,
    query: 'files',
    body: null,
    mutating: false,
    authenticated: true,
  },
  {
    route: 'GET /files/{name}',
    method: 'GET',
    prefix: '/files/',
    name: true,
    query: 'none',
    body: null,
    mutating: false,
    authenticated: true,
  },
  {
    route: 'GET /versions/{name}',
    method: 'GET',
    prefix: '/versions/',
    name: true,
    query: 'versions',
    body: null,
    mutating: false,
    authenticated: true,
  },
  {
    route: 'GET /download/{name}',
    method: 'GET',
    prefix: '/download/',
    name: true,
    query: 'download',
    body: null,
    mutating: false,
    authenticated: true,
  },
  {
    route: 'GET /locks',
    method: 'GET',
    prefix: '/locks',
    name: false,
    query: 'locks',
    body: null,
    mutating: false,
    authenticated: true,
  },
  {
    route: 'POST /checkout/{name}',
    method: 'POST',
    prefix: '/checkout/',
    name: true,
    query: 'none',
    body: 'checkout',
    mutating: true,
    authenticated: true,
  },
  {
    route: 'POST /uploads',
    method: 'POST',
    prefix: '/uploads',
    name: false,
    query: 'none',
    body: 'uploads',
    mutating: true,
    authenticated: true,
  },
  {
    route: 'POST /checkin/{name}',
    method: 'POST',
    prefix: '/checkin/',
    name: true,
    query: 'none',
    body: 'checkin',
    mutating: true,
    authenticated: true,
  },
  {
    route: 'DELETE /files/{name}',
    method: 'DELETE',
    prefix: '/files/',
    name: true,
    query: 'none',
    body: 'checkout',
    mutating: true,
    authenticated: true,
  },
  {
    route: 'POST /move/{name}',
    method: 'POST',
    prefix: '/move/',
    name: true,
    query: 'none',
    body: 'move',
    mutating: true,
    authenticated: true,
  },
  {
    route: 'POST /restore/{fileId}',
    method: 'POST',
    prefix: '/restore/',
    name: 'fileId',
    query: 'none',
    body: 'restore',
    mutating: true,
    authenticated: true,
  },
  {
    route: 'GET /trash',
    method: 'GET',
    prefix: '/trash',
    name: false,
    query: 'trash',
    body: null,
    mutating: false,
    authenticated: true,
  },
  {
    route: 'GET /folders',
    method: 'GET',
    prefix: '/folders',
    name: false,
    query: 'folders',
    body: null,
    mutating: false,
    authenticated: true,
  },
  {
    route: 'GET /audit',
    method: 'GET',
    prefix: '/audit',
    name: false,
    query: 'audit',
    body: null,
    mutating: false,
    authenticated: true,
  },
  {
    route: 'DELETE /locks/{name}',
    method: 'DELETE',
    prefix: '/locks/',
    name: true,
    query: 'releaseLock',
    body: null,
    mutating: true,
    authenticated: true,
  },
];

/** Methods no route answers on these paths: the gateway's 404, whatever else is wrong. */
const wrongMethod = (shape: RouteShape) =>
  fc
    .constantFrom('PUT', 'PATCH', 'POST', 'GET', 'DELETE')
    .filter((method) => !ROUTES.some((other) => other.method === method && other.prefix === shape.prefix));

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
);

export const requests = (): fc.Arbitrary<GeneratedRequest> =>
  fc
    .constantFrom(...ROUTES)
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        token: tokens(),
        method: fc.oneof(
          { weight: 9, arbitrary: ok(fc.constant(shape.method)) },
          { weight: 1, arbitrary: bad('no such route', wrongMethod(shape)) },
        ),
        name: shape.name === 'fileId' ? fileIds() : shape.name ? names() : ok(fc.constant('')),
        query: queries[shape.query]?.() ?? ok(fc.constant<Query>([])),
        body: shape.body
          ? (bodies[shape.body]?.() ?? ok(fc.constant(undefined)))
          : ok(fc.constant(undefined)),
        contentType: contentTypes,
      }),
    )
    .map(({ shape, token, method, name, query, body, contentType }) => {
      const defects: { part: Defect; what: string }[] = [];
      const parts: [Defect, Part<unknown>][] = [
        ['token', token],
        ['method', method],
        ['name', name],
        ['query', query],
        ['body', body],
      ];
      for (const [part, value] of parts) if (value.defect) defects.push({ part, what: value.defect });
      const headers: Record<string, string> = {};
      if (token.value !== null) headers.authorization = token.value;
      if (body.value !== undefined) headers['content-type'] = contentType;
      return {
        route: shape.route,
        method: method.value,
        path: `${shape.prefix}${name.value}${queryString(query.value)}`,
        headers,
        body: body.value,
        mutating: shape.mutating,
        authenticated: shape.authenticated,
        defects,
      };
    })
    // Anything that could change the vault must be malformed somewhere: this stream never writes.
    .filter((request) => !request.mutating || request.defects.length > 0);

/** A known deviation of the local server that explains `status` for this request, if any. */
export const knownDeviation = (request: GeneratedRequest, status: number): string | null => {
  const what = new Set(request.defects.map((defect) => defect.what));
  if (status === 400 && what.has('token naming nobody') && what.has('broken percent-encoding'))
    return KNOWN_DEVIATIONS.nobodyBrokenPath;
  return null;
};

/** The statuses the contract allows for a request with these defects (401 first, then 400/413, ...). */
export const expectedStatuses = (request: GeneratedRequest): number[] => {
  const has = (part: Defect) => request.defects.some((defect) => defect.part === part);
  if (has('method')) return [404];
  if (request.authenticated && has('token')) return [401];
  if (has('name') || has('query') || has('body')) return [400, 413];
  return [200, 404];
};

/** Everything a client can see of the vault's state. */
export const snapshot = async (server: TestServer) => {
  const reader = server.as('auditor');
  const files = (await reader.get('/files?limit=1000')).body.files;
  const locks = (await reader.get('/locks?limit=1000')).body.locks;
  const versions = await Promise.all(
    files.map(
      async (file: { name: string }) =>
        (await reader.get(`/versions/${encodeName(file.name)}?limit=1000`)).body.versions,
    ),
  );
  const trash = (await reader.get('/trash?limit=1000')).body;
  const folders = (await reader.get('/folders?limit=1000')).body;
  const audit = (await reader.get('/audit?limit=1000')).body;
  return JSON.stringify({ files, locks, versions, trash, folders, audit });
};

export interface BadInputReport {
  seconds: number;
  requests: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  byDefect: Record<string, number>;
  knownDeviations: Record<string, number>;
  snapshotsCompared: number;
  seed: number;
  failure: string | null;
}

const CODES = new Set(Object.keys(errorStatus));
const SNAPSHOT_EVERY = 200;

/** Sends generated bad requests for `durationMs`; fails (with fast-check's counterexample) on the first wrong answer. */
export const runBadInput = async (
  server: TestServer,
  options: { durationMs: number; seed?: number },
): Promise<BadInputReport> => {
  const byRoute = new Tally();
  const byStatus = new Tally();
  const byDefect = new Tally();
  const deviations = new Tally();
  const before = await snapshot(server);
  let snapshotsCompared = 0;
  let sent = 0;
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const started = performance.now();

  const check = async (request: GeneratedRequest) => {
    const response = await rawRequest(server.url, request);
    sent++;
    byRoute.add(request.route);
    byStatus.add(String(response.status));
    for (const defect of request.defects) byDefect.add(`${defect.part}: ${defect.what}`);
    const context = `${request.method} ${request.path.slice(0, 200)} [${request.defects.map((d) => d.what).join(', ') || 'no defect'}] → ${response.status} ${response.text.slice(0, 300)}`;
    if (response.status >= 500) throw new Error(`a 5xx: ${context}`);
    if (!expectedStatuses(request).includes(response.status)) {
      const known = knownDeviation(request, response.status);
      if (!known) throw new Error(`expected ${expectedStatuses(request).join(' or ')}: ${context}`);
      deviations.add(known);
    }
    if (response.headers['content-type'] !== 'application/json; charset=utf-8')
      throw new Error(`not JSON: ${context}`);
    if (response.status >= 400) {
      const body = JSON.parse(response.text) as { error?: { code?: string; message?: unknown } };
      const code = body.error?.code ?? '';
      if (!CODES.has(code) || errorStatus[code as keyof typeof errorStatus] !== response.status)
        throw new Error(`error code ${code} does not go with ${response.status}: ${context}`);
      if (
        typeof body.error?.message !== 'string' ||
        /\n\s+at |Exception|node_modules/.test(body.error.message)
      )
        throw new Error(`error message leaks internals: ${context}`);
    }
    if (sent % SNAPSHOT_EVERY === 0) {
      snapshotsCompared++;
      if ((await snapshot(server)) !== before)
        throw new Error(
          `the vault's state changed within the last ${SNAPSHOT_EVERY} requests; the last: ${context}`,
        );
    }
  };

  let failure: string | null = null;
  const details = await fc.check(fc.asyncProperty(requests(), check), {
    seed,
    numRuns: Number.MAX_SAFE_INTEGER,
    plugins: [fc.interruptAfterTimeLimit(options.durationMs)],
  });
  if (details.failed) {
    const error = details.errorInstance as Error | undefined;
    failure = `${error?.message ?? 'failed'}\n${fc.defaultReportMessage(details) ?? ''}`;
  }
  snapshotsCompared++;
  if (!failure && (await snapshot(server)) !== before) failure = "the vault's state changed";
  return {
    seconds: (performance.now() - started) / 1000,
    requests: sent,
    byRoute: byRoute.toJSON(),
    byStatus: byStatus.toJSON(),
    byDefect: byDefect.toJSON(),
    knownDeviations: deviations.toJSON(),
    snapshotsCompared,
    seed,
    failure,
  };
};
