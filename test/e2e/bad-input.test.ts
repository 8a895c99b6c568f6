import { createHmac } from 'node:crypto';
import {
  ApiClient,
  encodeName,
  sha256Hex,
  startTestServer,
  TEST_JWT_SECRET,
  type TestServer,
} from '../support/http';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ CAMVAULT_MAX_UPLOAD_BYTES: '1000000' });
  const alice = server.as('alice');
  await alice.commit('existing.mcam', Buffer.from('v1'));
  await alice.commit('locked.mcam', Buffer.from('v1'));
  await server.as('bob').checkout('locked.mcam', 'bob works here');
});
afterAll(() => server.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hs256 = (
  claims: Record<string, unknown>,
  secret = TEST_JWT_SECRET,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
) => {
  const unsigned = `${b64(header)}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
};
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const validSha = sha256Hex(Buffer.from('x'));
const validCursorOf = (listing: string, key: Record<string, string>) =>
  Buffer.from(JSON.stringify([listing, key])).toString('base64url');

interface BadRequest {
  label: string;
  method?: string;
  path: string;
  body?: unknown;
  raw?: string;
  authorization?: string | null;
  status: number;
  code: string;
}

const bad: BadRequest[] = [
  // Tokens
  { label: 'no token', path: '/files', authorization: null, status: 401, code: 'UNAUTHORIZED' },
  { label: 'not a JWT', path: '/files', authorization: 'Bearer abc', status: 401, code: 'UNAUTHORIZED' },
  {
    label: 'expired token',
    path: '/files',
    authorization: `Bearer ${hs256({ sub: 'a', exp: 1000 })}`,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    label: 'forged token',
    path: '/files',
    authorization: `Bearer ${hs256({ sub: 'a', exp: inAnHour() }, 'guess')}`,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    label: 'alg none',
    path: '/files',
    authorization: `Bearer ${b64({ alg: 'none' })}.${b64({ sub: 'a', exp: inAnHour() })}.`,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    label: 'alg HS512 header',
    path: '/files',
    authorization: `Bearer ${hs256({ sub: 'a', exp: inAnHour() }, TEST_JWT_SECRET, { alg: 'HS512' })}`,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    label: 'token without exp',
    path: '/files',
    authorization: `Bearer ${hs256({ sub: 'a' })}`,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    label: 'token naming nobody',
    path: '/files',
    authorization: `Bearer ${hs256({ exp: inAnHour() })}`,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    label: 'Basic scheme',
    path: '/files',
    authorization: 'Basic YWxpY2U6c2VjcmV0',
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    label: '401 before a bad body',
    method: 'POST',
    path: '/uploads',
    raw: '{',
    authorization: null,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  // Names
  { label: 'traversal', path: '/files/..%2Fetc%2Fpasswd.mcam', status: 400, code: 'BAD_REQUEST' },
  { label: 'dot segment', path: '/files/a%2F.%2Fb.mcam', status: 400, code: 'BAD_REQUEST' },
  { label: 'backslash', path: '/files/a%5Cb.mcam', status: 400, code: 'BAD_REQUEST' },
  { label: 'wrong extension', path: '/files/part.txt', status: 400, code: 'BAD_REQUEST' },
  { label: 'NUL in name', path: '/files/a%00.mcam', status: 400, code: 'BAD_REQUEST' },
  {
    label: 'segment ending in a space',
    method: 'POST',
    path: '/checkout/folder%20/x.mcam',
    status: 400,
    code: 'BAD_REQUEST',
  },
  { label: 'empty segment', path: '/files/a//b.mcam', status: 400, code: 'BAD_REQUEST' },
  { label: '513-byte name', path: `/files/${'a'.repeat(508)}.mcam`, status: 400, code: 'BAD_REQUEST' },
  { label: 'broken percent-encoding', path: '/files/%E0%A4%A.mcam', status: 400, code: 'BAD_REQUEST' },
  { label: 'trailing dot', path: '/versions/existing.mcam.', status: 400, code: 'BAD_REQUEST' },
  {
    label: 'upload of a traversal name',
    method: 'POST',
    path: '/uploads',
    body: { name: '../x.mcam', sizeBytes: 1, sha256: validSha },
    status: 400,
    code: 'BAD_REQUEST',
  },
  { label: '400 before 404', path: '/download/missing.txt', status: 400, code: 'BAD_REQUEST' },
  {
    label: 'upload of a new name Windows cannot hold',
    method: 'POST',
    path: '/uploads',
    body: { name: 'Plate #2.mcam', sizeBytes: 1, sha256: validSha },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'upload of a new name with a device name folder',
    method: 'POST',
    path: '/uploads',
    body: { name: 'nul/x.mcam', sizeBytes: 1, sha256: validSha },
    status: 400,
    code: 'BAD_REQUEST',
  },
  { label: 'line separator in a name', path: '/files/a%E2%80%A8b.mcam', status: 400, code: 'BAD_REQUEST' },
  {
    label: 'newline in a name',
    method: 'DELETE',
    path: '/locks/a%0Ab.mcam',
    status: 400,
    code: 'BAD_REQUEST',
  },
  { label: '34 segments', path: `/files/${'d/'.repeat(33)}x.mcam`, status: 400, code: 'BAD_REQUEST' },
  // Bodies
  {
    label: 'truncated JSON',
    method: 'POST',
    path: '/checkout/existing.mcam',
    raw: '{',
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'array body',
    method: 'POST',
    path: '/checkout/existing.mcam',
    raw: '[]',
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'string body',
    method: 'POST',
    path: '/checkout/existing.mcam',
    raw: '"hello"',
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'message not a string',
    method: 'POST',
    path: '/checkout/existing.mcam',
    body: { message: 5 },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'message of 1001 characters',
    method: 'POST',
    path: '/checkout/existing.mcam',
    body: { message: 'é'.repeat(1001) },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'unknown body field',
    method: 'POST',
    path: '/checkout/existing.mcam',
    body: { mesage: 'typo' },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'body over 64 KiB',
    method: 'POST',
    path: '/checkout/existing.mcam',
    body: { message: 'x'.repeat(70_000) },
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    label: 'upload without sha256',
    method: 'POST',
    path: '/uploads',
    body: { name: 'new.mcam', sizeBytes: 1 },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'sha256 of 63 digits',
    method: 'POST',
    path: '/uploads',
    body: { name: 'new.mcam', sizeBytes: 1, sha256: validSha.slice(1) },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'sha256 not hex',
    method: 'POST',
    path: '/uploads',
    body: { name: 'new.mcam', sizeBytes: 1, sha256: 'g'.repeat(64) },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'negative size',
    method: 'POST',
    path: '/uploads',
    body: { name: 'new.mcam', sizeBytes: -1, sha256: validSha },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'fractional size',
    method: 'POST',
    path: '/uploads',
    body: { name: 'new.mcam', sizeBytes: 1.5, sha256: validSha },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'size as a string',
    method: 'POST',
    path: '/uploads',
    body: { name: 'new.mcam', sizeBytes: '10', sha256: validSha },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'size over the limit',
    method: 'POST',
    path: '/uploads',
    body: { name: 'new.mcam', sizeBytes: 1_000_001, sha256: validSha },
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    label: '413 before 409',
    method: 'POST',
    path: '/uploads',
    body: { name: 'locked.mcam', sizeBytes: 2_000_000, sha256: validSha },
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    label: 'keepLock not a boolean',
    method: 'POST',
    path: '/checkin/locked.mcam',
    body: { keepLock: 'yes' },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'uploadId not a string',
    method: 'POST',
    path: '/checkin/locked.mcam',
    body: { uploadId: 5 },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'keepLock without an upload',
    method: 'POST',
    path: '/checkin/locked.mcam',
    body: { keepLock: true },
    status: 400,
    code: 'BAD_REQUEST',
  },
  // Query values
  { label: 'unknown status', path: '/files?status=locked', status: 400, code: 'BAD_REQUEST' },
  { label: 'limit 0', path: '/files?limit=0', status: 400, code: 'BAD_REQUEST' },
  { label: 'limit 1001', path: '/locks?limit=1001', status: 400, code: 'BAD_REQUEST' },
  { label: 'limit not a number', path: '/files?limit=ten', status: 400, code: 'BAD_REQUEST' },
  { label: 'fractional limit', path: '/versions/existing.mcam?limit=1.5', status: 400, code: 'BAD_REQUEST' },
  { label: 'repeated limit', path: '/files?limit=1&limit=2', status: 400, code: 'BAD_REQUEST' },
  { label: 'garbage cursor', path: '/files?cursor=garbage', status: 400, code: 'BAD_REQUEST' },
  {
    label: 'forged cursor',
    path: `/files?cursor=${validCursorOf('files', { pk: 'x', sk: 'y', listPk: 'OTHER', nameKey: 'a' })}`,
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: "another listing's cursor",
    path: `/files?cursor=${validCursorOf('versions', { pk: 'FILE#existing.mcam', sk: 'VERSION#0000000001' })}`,
    status: 400,
    code: 'BAD_REQUEST',
  },
  { label: 'version 0', path: '/download/existing.mcam?version=0', status: 400, code: 'BAD_REQUEST' },
  {
    label: 'version not a number',
    path: '/download/existing.mcam?version=latest',
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'force not a boolean',
    method: 'DELETE',
    path: '/locks/locked.mcam?force=yes',
    status: 400,
    code: 'BAD_REQUEST',
  },
  { label: 'unknown query parameter', path: '/files?stat=available', status: 400, code: 'BAD_REQUEST' },
  {
    label: 'a __proto__ query parameter',
    path: '/files/existing.mcam?__proto__=%20',
    status: 400,
    code: 'BAD_REQUEST',
  },
  { label: 'a constructor query parameter', path: '/files?constructor=x', status: 400, code: 'BAD_REQUEST' },
  {
    label: 'query on a route without any',
    method: 'POST',
    path: '/checkout/existing.mcam?force=true',
    status: 400,
    code: 'BAD_REQUEST',
  },
  // Missing things
  { label: 'no such file', path: '/files/missing.mcam', status: 404, code: 'NOT_FOUND' },
  { label: 'no history of a missing file', path: '/versions/missing.mcam', status: 404, code: 'NOT_FOUND' },
  { label: 'no such version', path: '/download/existing.mcam?version=99', status: 404, code: 'NOT_FOUND' },
  {
    label: 'checkout of a missing file',
    method: 'POST',
    path: '/checkout/missing.mcam',
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    label: 'undo on a missing file',
    method: 'DELETE',
    path: '/locks/missing.mcam',
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    label: 'unknown upload',
    method: 'POST',
    path: '/checkin/locked.mcam',
    body: { uploadId: 'no-such-upload' },
    status: 404,
    code: 'NOT_FOUND',
  },
  { label: 'unknown route', path: '/nope', status: 404, code: 'NOT_FOUND' },
  {
    label: "cursor of another prefix's listing",
    path: `/files?prefix=b&cursor=${validCursorOf('files', { pk: 'FILE#existing.mcam', sk: 'FILE', listPk: 'FILES', nameKey: 'existing.mcam' })}`,
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    label: 'size beyond 2^53 is over the limit',
    method: 'POST',
    path: '/uploads',
    body: { name: 'new.mcam', sizeBytes: 1e300, sha256: validSha },
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    label: 'a version far beyond the last',
    path: '/download/existing.mcam?version=10000000000',
    status: 404,
    code: 'NOT_FOUND',
  },
  // Conflicts
  {
    label: "checkout of another's lock",
    method: 'POST',
    path: '/checkout/locked.mcam',
    status: 409,
    code: 'LOCKED',
  },
  {
    label: 'check-in without a lock',
    method: 'POST',
    path: '/checkin/existing.mcam',
    status: 409,
    code: 'NOT_LOCKED',
  },
  {
    label: "check-in of another's lock",
    method: 'POST',
    path: '/checkin/locked.mcam',
    status: 409,
    code: 'LOCKED',
  },
  {
    label: "undo of another's lock",
    method: 'DELETE',
    path: '/locks/locked.mcam',
    status: 403,
    code: 'FORBIDDEN',
  },
];

/** Everything a client can see of the vault's state. */
const snapshot = async () => {
  const reader = server.as('auditor');
  const files = (await reader.get('/files?limit=1000')).body.files;
  const locks = (await reader.get('/locks?limit=1000')).body.locks;
  const versions = await Promise.all(
    files.map(
      async (file: { name: string }) =>
        (await reader.get(`/versions/${encodeName(file.name)}`)).body.versions,
    ),
  );
  return { files, locks, versions };
};

test(`${bad.length} malformed requests get the contract's status and code, and change nothing`, async () => {
  expect(bad.length).toBeGreaterThanOrEqual(40);
  const before = await snapshot();
  const alice = server.tokenFor('alice');
  for (const request of bad) {
    const authorization = request.authorization === undefined ? `Bearer ${alice}` : request.authorization;
    const client = new ApiClient(server.url, null);
    const response = await client.request(request.method ?? 'GET', request.path, {
      json: request.body,
      rawBody: request.raw,
      headers: authorization === null ? {} : { authorization },
    });
    expect({ label: request.label, status: response.status, code: response.body?.error?.code }).toEqual({
      label: request.label,
      status: request.status,
      code: request.code,
    });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.body.error.message).toEqual(expect.any(String));
    expect(response.body.error.message).not.toMatch(/\n\s+at |Exception|node_modules/);
  }
  expect(await snapshot()).toEqual(before);
});

test('a LOCKED error carries the lock and names its holder', async () => {
  const response = await server.as('alice').checkout('locked.mcam');
  expect(response.body.error.lock).toMatchObject({
    name: 'locked.mcam',
    user: 'bob',
    message: 'bob works here',
  });
  expect(response.body.error.message).toContain('bob');
});
