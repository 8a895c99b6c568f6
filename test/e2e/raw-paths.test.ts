/**
 * Contract v2, "Names": the path is read as sent. Dot, empty and line-break segments, plain or
 * percent-encoded, are 400 for that name and never reach another file; names Windows cannot hold
 * stay reachable on a v1 file but cannot be given to a new one.
 */
import { request } from 'node:http';
import { CheckIns } from '#shared/core/checkins';
import { parseFileName } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';
import { s3Blobs } from '#shared/runtime-s3';
import { encodeName, sha256Hex, singlePut, startTestServer, type TestServer } from '../support/http';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  expect((await server.as('alice').commit('y.mcam', Buffer.from('y v1'))).status).toBe(200);
});
afterAll(() => server.close());

/** One request over node:http with the path byte for byte as given (fetch would resolve `..` and `%2e`). */
const rawRequest = (
  method: string,
  path: string,
  token: string | null,
): Promise<{ status: number; contentType: string | undefined; body: any }> =>
  new Promise((resolve, reject) => {
    const url = new URL(server.url);
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'],
            body: text ? JSON.parse(text) : undefined,
          });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });

const PATHS_THAT_NAME_NO_FILE: [method: string, path: string][] = [
  ['POST', '/checkout/x/../y.mcam'],
  ['POST', '/checkout/x/%2E%2E/y.mcam'],
  ['POST', '/checkout/x/%2e/y.mcam'],
  ['POST', '/checkout/./y.mcam'],
  ['POST', '/checkout/%2E/y.mcam'],
  ['POST', '/checkout/a//y.mcam'],
  ['POST', '/checkin/x/.%2E/y.mcam'],
  ['DELETE', '/locks/x/../y.mcam'],
  ['GET', '/files/y.mcam/'],
  ['GET', '/files/x/../y.mcam'],
  ['GET', '/download/x/%2e%2e/y.mcam'],
  ['GET', '/files/a%0Ab.mcam'],
  ['GET', '/files/a%0D%0Ab.mcam'],
  ['GET', '/files/a%E2%80%A8b.mcam'],
  ['GET', '/versions/a%E2%80%A9b.mcam'],
  ['POST', '/checkout/a%E2%80%A8b.mcam'],
  ['PUT', '/rules/x/../'],
  ['DELETE', '/rules/x/%2E%2E/'],
  ['POST', '/release/x/./y.mcam'],
];

const fileY = async () => (await server.as('auditor').get('/files/y.mcam')).body;

test.each(PATHS_THAT_NAME_NO_FILE)(
  '%s %s is 400 BAD_REQUEST for that name, and y.mcam is untouched',
  async (method, path) => {
    const before = await fileY();
    expect(before).toMatchObject({ name: 'y.mcam', version: 1, status: 'available', lock: null });
    const response = await rawRequest(method, path, server.tokenFor('alice'));
    expect(response.status).toBe(400);
    expect(response.contentType).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
    expect(await fileY()).toEqual(before);
  },
);

test.each(PATHS_THAT_NAME_NO_FILE)('%s %s without a token is 401 first', async (method, path) => {
  const response = await rawRequest(method, path, null);
  expect(response.status).toBe(401);
  expect(response.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
});

test('a path that does not percent-decode is 401 without a token, 400 with one', async () => {
  expect((await rawRequest('GET', '/files/%E0%A4%A.mcam', null)).status).toBe(401);
  const response = await rawRequest('GET', '/files/%E0%A4%A.mcam', server.tokenFor('alice'));
  expect(response.status).toBe(400);
  expect(response.body.error.code).toBe('BAD_REQUEST');
});

test('the same file through plain paths still answers, and unknown paths are 404 no route', async () => {
  const token = server.tokenFor('alice');
  expect((await rawRequest('GET', '/files/y.mcam', token)).status).toBe(200);
  expect((await rawRequest('GET', '/files/Y.MCAM?', token)).body).toMatchObject({ name: 'y.mcam' });
  expect((await rawRequest('GET', '/health', null)).body).toEqual({ ok: true });
  for (const path of ['/x/../files/y.mcam', '//files/y.mcam', '/files/']) {
    const response = await rawRequest('GET', path, token);
    expect({ path, status: response.status, code: response.body.error.code }).toEqual({
      path,
      status: 404,
      code: 'NOT_FOUND',
    });
  }
});

describe('names Windows cannot hold', () => {
  const LEGACY = 'jobs/Plate #2: rev A.mcam';

  beforeAll(async () => {
    // A file created under v1, which accepted the name: staged and checked in through the core.
    const vault = vaultFromEnvironment({ checkins: CheckIns }, { blobs: s3Blobs });
    const bob = { user: 'bob', groups: [] };
    const bytes = Buffer.from('legacy v1');
    const name = parseFileName(LEGACY, vault.extensions);
    expect(name.portabilityProblem).toMatch(/"#"/);
    // v1 knew no portability rule: the name as v1 saw it.
    const asV1Saw = { ...name, portabilityProblem: null };
    const upload = await vault.checkins.stage(bob, asV1Saw, bytes.length, sha256Hex(bytes));
    const put = await fetch(singlePut(upload).url, { method: 'PUT', headers: upload.headers, body: bytes });
    expect(put.status).toBe(200);
    await vault.checkins.checkIn(bob, asV1Saw, {
      source: { uploadId: upload.uploadId },
      message: 'v1',
      keepLock: false,
    });
  });

  test.each([
    'Plate #2.mcam',
    'why?.mcam',
    'a:b.mcam',
    'CON.mcam',
    'nul/x.mcam',
    'lpt5/x.mcam',
    'a\u0080b.mcam',
  ])('%j cannot be created', async (name) => {
    const bytes = Buffer.from('new');
    const response = await server.as('alice').stage(name, bytes);
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ code: 'BAD_REQUEST', message: expect.any(String) });
    // No file has the name: reading it is the name rule's 400 too (only a v1 file keeps such a name).
    const read = await server.as('alice').get(`/files/${encodeName(name)}`);
    expect({ status: read.status, code: read.body.error.code }).toEqual({ status: 400, code: 'BAD_REQUEST' });
  });

  test('a v1 file with such a name stays reachable: read, check out, new version, release', async () => {
    const bob = server.as('bob');
    expect((await bob.get(`/files/${encodeName(LEGACY)}`)).body).toMatchObject({ name: LEGACY, version: 1 });
    expect((await bob.get(`/versions/${encodeName(LEGACY)}`)).status).toBe(200);
    expect(await bob.downloadBytes(LEGACY)).toEqual(Buffer.from('legacy v1'));
    expect((await bob.checkout(LEGACY)).status).toBe(201);
    const committed = await bob.commit(LEGACY, Buffer.from('legacy v2'));
    expect(committed.status).toBe(200);
    expect(committed.body.file).toMatchObject({ name: LEGACY, version: 2, status: 'available' });
  });
});
