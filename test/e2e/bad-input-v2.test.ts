/** Malformed requests to the v2 routes: each gets the contract's status and code, and nothing changes. */
import { ApiClient, encodeName, startTestServer, type TestServer } from '../support/http';

let server: TestServer;
let trashedId: string;
let liveId: string;
beforeAll(async () => {
  server = await startTestServer();
  const alice = server.as('alice');
  await alice.commit('existing.mcam', Buffer.from('v1'));
  await alice.checkout('existing.mcam');
  await alice.commit('existing.mcam', Buffer.from('v2'));
  await alice.commit('mine.mcam', Buffer.from('mine'));
  await alice.checkout('mine.mcam', 'working');
  await alice.commit('locked.mcam', Buffer.from('v1'));
  const bob = server.as('bob');
  await bob.checkout('locked.mcam');
  await bob.commit('locked.mcam', Buffer.from('v2'));
  await bob.checkout('locked.mcam', 'bob works here');
  await alice.commit('dir/a.mcam', Buffer.from('a'));
  await alice.commit('gone.mcam', Buffer.from('gone'));
  await alice.checkout('gone.mcam');
  trashedId = (await alice.request('DELETE', '/files/gone.mcam', { json: {} })).body.trashed.fileId;
  await alice.commit('gone.mcam', Buffer.from('again'));
  liveId = (await alice.get('/files/existing.mcam')).body.fileId;
});
afterAll(() => server.close());

const cursorOf = (listing: string, key: Record<string, string>) =>
  Buffer.from(JSON.stringify([listing, key])).toString('base64url');
const deep = `${Array.from({ length: 33 }, (_, i) => `f${i}`).join('/')}/x.mcam`;

interface BadRequest {
  label: string;
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
  status: number;
  code: string;
}

const post = (label: string, path: string, body: unknown, status: number, code: string): BadRequest => ({
  label,
  method: 'POST',
  path,
  body,
  status,
  code,
});
const get = (label: string, path: string, status = 400, code = 'BAD_REQUEST'): BadRequest => ({
  label,
  method: 'GET',
  path,
  status,
  code,
});
const BAD = 'BAD_REQUEST';

const bad = (): BadRequest[] => [
  // Move
  post('move without to', '/move/mine.mcam', {}, 400, BAD),
  post('move to a number', '/move/mine.mcam', { to: 7 }, 400, BAD),
  post('move to another extension', '/move/mine.mcam', { to: 'mine.txt' }, 400, BAD),
  post('move to a dot-dot path', '/move/mine.mcam', { to: '../mine.mcam' }, 400, BAD),
  post('move to a Windows device name', '/move/mine.mcam', { to: 'CON.mcam' }, 400, BAD),
  post('move to a name with a colon', '/move/mine.mcam', { to: 'a:b.mcam' }, 400, BAD),
  post('move to a name with a question mark', '/move/mine.mcam', { to: 'fixture?.mcam' }, 400, BAD),
  post('move to its own name', '/move/mine.mcam', { to: 'mine.mcam' }, 400, BAD),
  post('move to a trailing slash', '/move/mine.mcam', { to: 'dir/' }, 400, BAD),
  post('move 33 folders deep', '/move/mine.mcam', { to: deep }, 400, BAD),
  post('move with an unknown field', '/move/mine.mcam', { to: 'x.mcam', force: true }, 400, BAD),
  post('move with a long message', '/move/mine.mcam', { to: 'x.mcam', message: 'm'.repeat(1001) }, 400, BAD),
  {
    label: 'move with a body that is not JSON',
    method: 'POST',
    path: '/move/mine.mcam',
    raw: '{to',
    status: 400,
    code: BAD,
  },
  post('move with a query', '/move/mine.mcam?force=true', { to: 'x.mcam' }, 400, BAD),
  post('move of no file', '/move/nothing.mcam', { to: 'x.mcam' }, 404, 'NOT_FOUND'),
  post('move without the lock', '/move/existing.mcam', { to: 'x.mcam' }, 409, 'NOT_LOCKED'),
  post("move of another's lock", '/move/locked.mcam', { to: 'x.mcam' }, 409, 'LOCKED'),
  post(
    'move onto a taken name (other case)',
    '/move/mine.mcam',
    { to: 'EXISTING.mcam' },
    409,
    'ALREADY_EXISTS',
  ),
  // Delete
  {
    label: 'delete of no file',
    method: 'DELETE',
    path: '/files/nothing.mcam',
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    label: 'delete without the lock',
    method: 'DELETE',
    path: '/files/existing.mcam',
    status: 409,
    code: 'NOT_LOCKED',
  },
  {
    label: "delete of another's lock",
    method: 'DELETE',
    path: '/files/locked.mcam',
    status: 409,
    code: 'LOCKED',
  },
  {
    label: 'delete with an unknown field',
    method: 'DELETE',
    path: '/files/mine.mcam',
    body: { force: true },
    status: 400,
    code: BAD,
  },
  { label: 'delete of a bad name', method: 'DELETE', path: '/files/mine', status: 400, code: BAD },
  {
    label: 'delete of a Windows device name',
    method: 'DELETE',
    path: '/files/aux.mcam',
    status: 400,
    code: BAD,
  },
  // Restore
  post('restore of an unknown fileId', '/restore/00000000-0000-4000-8000-000000000000', {}, 404, 'NOT_FOUND'),
  post('restore of a malformed fileId', '/restore/not-an-id', {}, 400, BAD),
  post('restore of a live file', `/restore/${liveId}`, {}, 404, 'NOT_FOUND'),
  post('restore as a bad name', `/restore/${trashedId}`, { as: 'a/../b.mcam' }, 400, BAD),
  post('restore as a non-portable name', `/restore/${trashedId}`, { as: 'a|b.mcam' }, 400, BAD),
  post('restore as a taken name', `/restore/${trashedId}`, { as: 'Existing.mcam' }, 409, 'ALREADY_EXISTS'),
  post('restore under its old name, taken again', `/restore/${trashedId}`, {}, 409, 'ALREADY_EXISTS'),
  post('restore with an unknown field', `/restore/${trashedId}`, { to: 'x.mcam' }, 400, BAD),
  // Revert
  post('revert from version 0', '/checkin/mine.mcam', { fromVersion: 0 }, 400, BAD),
  post('revert from a version as text', '/checkin/mine.mcam', { fromVersion: '1' }, 400, BAD),
  post('revert from 1.5', '/checkin/mine.mcam', { fromVersion: 1.5 }, 400, BAD),
  post('revert with an uploadId too', '/checkin/mine.mcam', { fromVersion: 1, uploadId: 'u' }, 400, BAD),
  post('revert to the latest version', '/checkin/mine.mcam', { fromVersion: 1 }, 400, BAD),
  post('revert beyond the last version', '/checkin/mine.mcam', { fromVersion: 9 }, 404, 'NOT_FOUND'),
  post('revert without the lock', '/checkin/existing.mcam', { fromVersion: 1 }, 409, 'NOT_LOCKED'),
  post("revert of another's lock", '/checkin/locked.mcam', { fromVersion: 1, message: 'x' }, 409, 'LOCKED'),
  post('keepLock with neither source', '/checkin/mine.mcam', { keepLock: true }, 400, BAD),
  // Folders and direct listings
  get('folders of a prefix without its slash', '/folders?prefix=dir'),
  get('folders of a lone slash', '/folders?prefix=%2F'),
  get('folders of an empty segment', '/folders?prefix=dir%2F%2F'),
  get('folders with limit 0', '/folders?limit=0'),
  get(
    'folders with a forged cursor',
    `/folders?cursor=${cursorOf('files', { pk: 'NAME#x.mcam', sk: 'FILE' })}`,
  ),
  get('files at depth 2', '/files?depth=2'),
  get('files at depth 1 under a prefix without its slash', '/files?depth=1&prefix=dir'),
  // Trash
  get('trash with limit abc', '/trash?limit=abc'),
  get(
    'trash with a cursor of another listing',
    `/trash?cursor=${cursorOf('folders', { pk: 'FOLDER#dir/', sk: 'FOLDER' })}`,
  ),
  // Audit
  get('audit of an unknown type', '/audit?type=FileEaten'),
  get('audit since a word', '/audit?since=yesterday'),
  get('audit since after until', '/audit?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z'),
  get('audit of a bad name', `/audit?name=${encodeURIComponent('a//b.mcam')}`),
  get(
    'audit with a cursor of the files listing',
    `/audit?cursor=${cursorOf('files', { pk: 'NAME#x.mcam', sk: 'FILE' })}`,
  ),
];

/** Everything a client can see of the vault's state, v2 included. */
const snapshot = async () => {
  const reader = server.as('auditor');
  const files = (await reader.get('/files?limit=1000')).body.files;
  const versions = await Promise.all(
    files.map(
      async (file: { name: string }) => (await reader.get(`/versions/${encodeName(file.name)}`)).body,
    ),
  );
  return {
    files,
    versions,
    locks: (await reader.get('/locks?limit=1000')).body,
    trash: (await reader.get('/trash')).body,
    folders: (await reader.get('/folders')).body,
    audit: (await reader.get('/audit?limit=1000')).body,
  };
};

test('at least 30 malformed v2 requests get the contract status and code, and change nothing', async () => {
  const requests = bad();
  expect(requests.length).toBeGreaterThanOrEqual(30);
  const before = await snapshot();
  const alice = new ApiClient(server.url, server.tokenFor('alice'));
  for (const request of requests) {
    const response = await alice.request(request.method, request.path, {
      json: request.body,
      rawBody: request.raw,
    });
    expect({ label: request.label, status: response.status, code: response.body?.error?.code }).toEqual({
      label: request.label,
      status: request.status,
      code: request.code,
    });
    expect(response.body.error.message).not.toMatch(/\n\s+at |Exception|node_modules/);
  }
  expect(await snapshot()).toEqual(before);
});
