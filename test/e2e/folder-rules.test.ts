/** Folder rules through the local server: hidden folders are invisible everywhere, read-only ones refuse every change. */
import { startTestServer, type TestServer } from '../support/http';

let server: TestServer;
const admin = () => server.inGroups('boss', ['admins']);
const prog = () => server.inGroups('prog', ['programmers']);
const acme = () => server.inGroups('ann', ['programmers', 'acme']);

beforeAll(async () => {
  server = await startTestServer();
  const boss = admin();
  for (const name of [
    'acme/a.mcam',
    'acme/sub/b.mcam',
    'acme/public/c.mcam',
    'open/d.mcam',
    'posts/e.mcam',
    'acme/gone.mcam',
  ]) {
    await boss.commit(name, Buffer.from(name));
  }
  await boss.checkout('acme/a.mcam', 'admin edits');
  await boss.checkout('acme/gone.mcam');
  await boss.request('DELETE', '/files/acme/gone.mcam', { json: {} });
  const put = async (prefix: string, read: string[], write: string[]) =>
    expect((await boss.request('PUT', `/rules/${prefix}`, { json: { read, write } })).status).toBe(200);
  await put('acme/', ['acme'], ['acme']);
  await put('acme/public/', ['*'], ['acme']);
  await put('posts/', ['*'], ['leads']);
});
afterAll(() => server.close());

const names = (files: { name: string }[]) => files.map((file) => file.name);

test('a hidden folder is absent from /files, /folders, /locks, /trash and /audit, and 404 on direct routes', async () => {
  const outsider = prog();
  expect(names((await outsider.get('/files')).body.files)).toEqual([
    'acme/public/c.mcam',
    'open/d.mcam',
    'posts/e.mcam',
  ]);
  expect(
    (await outsider.get('/folders')).body.folders.map((folder: { prefix: string }) => folder.prefix),
  ).toEqual(['open/', 'posts/']);
  expect((await outsider.get('/files?depth=1&prefix=acme/')).body.files).toEqual([]);
  expect((await outsider.get('/locks')).body.locks).toEqual([]);
  expect((await outsider.get('/trash')).body.trashed).toEqual([]);
  const audit = (await outsider.get('/audit?limit=1000')).body.entries as { name: string }[];
  expect(audit.length).toBeGreaterThan(0);
  expect(
    audit.filter((entry) => entry.name.startsWith('acme/') && !entry.name.startsWith('acme/public/')),
  ).toEqual([]);
  expect((await outsider.get(`/audit?name=${encodeURIComponent('acme/a.mcam')}`)).body.entries).toEqual([]);
  for (const path of ['/files/acme/a.mcam', '/versions/acme/a.mcam', '/download/acme/sub/b.mcam']) {
    expect({ path, status: (await outsider.get(path)).status }).toEqual({ path, status: 404 });
  }
  // The readable sub-folder inside the hidden one is there, on its own.
  expect((await outsider.get('/files/acme/public/c.mcam')).status).toBe(200);
  // A member of the group sees it all; an admin is never narrowed.
  expect(names((await acme().get('/files?prefix=acme/')).body.files)).toEqual([
    'acme/a.mcam',
    'acme/public/c.mcam',
    'acme/sub/b.mcam',
  ]);
  expect((await acme().get('/locks')).body.locks.map((lock: { name: string }) => lock.name)).toEqual([
    'acme/a.mcam',
  ]);
  expect(names((await admin().get('/files?prefix=acme/')).body.files)).toHaveLength(3);
});

test('a read-only folder refuses every change with 403, and nothing changes', async () => {
  const reader = prog();
  const before = (await admin().get('/files/posts/e.mcam')).body;
  const refusals = [
    await reader.checkout('posts/e.mcam'),
    await reader.stage('posts/new.mcam', Buffer.from('n')),
    await reader.request('POST', '/move/open/d.mcam', { json: { to: 'posts/d.mcam' } }),
  ];
  // Held by the reader elsewhere, a file may still not move into the read-only folder.
  await reader.checkout('open/d.mcam');
  refusals.push(await reader.request('POST', '/move/open/d.mcam', { json: { to: 'posts/d.mcam' } }));
  refusals.push(await reader.request('POST', '/move/open/d.mcam', { json: { to: 'acme/d.mcam' } }));
  await reader.release('open/d.mcam');
  const trashedId = (await admin().get('/trash?prefix=acme/')).body.trashed[0].fileId;
  refusals.push(await reader.request('POST', `/restore/${trashedId}`, { json: {} }));
  refusals.push(await acme().request('POST', `/restore/${trashedId}`, { json: { as: 'posts/gone.mcam' } }));
  refusals.push(
    await acme()
      .checkout('acme/public/c.mcam')
      .then(() => reader.checkout('acme/public/c.mcam')),
  );
  // A revert from a version that is not there is 404 before the rule's 403; from one that is, 403.
  refusals.push(await reader.request('POST', '/checkin/posts/e.mcam', { json: { fromVersion: 7 } }));
  refusals.push(await reader.request('POST', '/checkin/posts/e.mcam', { json: { fromVersion: 1 } }));
  expect(refusals.map((response) => [response.status, response.body?.error?.code])).toEqual([
    [403, 'FORBIDDEN'],
    [403, 'FORBIDDEN'],
    [403, 'FORBIDDEN'], // the rule on the destination comes before the missing lock (403 before 409)
    [403, 'FORBIDDEN'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'], // a file under a folder one may not read is not in one's trash
    [403, 'FORBIDDEN'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [400, 'BAD_REQUEST'], // version 1 is the latest: nothing to revert comes first
  ]);
  expect((await admin().get('/files/posts/e.mcam')).body).toEqual(before);
  expect((await admin().get('/files?prefix=posts/')).body.files).toHaveLength(1);
  // The members may.
  expect((await acme().checkout('acme/sub/b.mcam')).status).toBe(201);
  expect((await server.inGroups('lee', ['leads']).checkout('posts/e.mcam')).status).toBe(201);
});

test('a rule changed while changes run never lets a refused change through', async () => {
  const boss = admin();
  const writer = server.inGroups('wendy', ['programmers']);
  await boss.commit('race-rules/target.mcam', Buffer.from('v1'));
  let closedAt = Number.POSITIVE_INFINITY;
  const attempts: { startedAt: number; status: number }[] = [];
  const loop = (async () => {
    for (let i = 0; i < 60; i++) {
      const startedAt = Date.now();
      const checkout = await writer.checkout('race-rules/target.mcam');
      attempts.push({ startedAt, status: checkout.status });
      if (checkout.status === 201) await writer.release('race-rules/target.mcam');
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 150));
  const put = await boss.request('PUT', '/rules/race-rules/', { json: { read: ['*'], write: ['nobody'] } });
  expect(put.status).toBe(200);
  closedAt = Date.now();
  await loop;
  const after = attempts.filter((attempt) => attempt.startedAt > closedAt);
  expect(after.length).toBeGreaterThan(0);
  expect(after.every((attempt) => attempt.status === 403)).toBe(true);
  expect(attempts.some((attempt) => attempt.status === 201)).toBe(true);
  // The lock the writer may have taken last is gone or refused to be undone: in no case held after the rule.
  const audit = (
    await boss.get(
      `/audit?name=${encodeURIComponent('race-rules/target.mcam')}&type=FileCheckedOut&limit=1000`,
    )
  ).body.entries as { at: string }[];
  expect(audit.every((entry) => Date.parse(entry.at) <= closedAt)).toBe(true);
});

test('rules are listed for admins, removed with their entry, and refused to others', async () => {
  const listed = (await admin().get('/rules')).body.rules.map((rule: { prefix: string }) => rule.prefix);
  expect(listed).toEqual(expect.arrayContaining(['acme/', 'acme/public/', 'posts/']));
  expect((await prog().get('/rules')).status).toBe(403);
  expect((await prog().request('PUT', '/rules/open/', { json: { read: [], write: [] } })).status).toBe(403);
  const removed = await admin().request('DELETE', '/rules/posts/', { json: {} });
  expect(removed.body).toEqual({ rule: { prefix: 'posts/', read: ['*'], write: ['leads'] } });
  expect((await admin().request('DELETE', '/rules/posts/', { json: {} })).status).toBe(404);
  const entries = (await admin().get('/audit?type=RuleChanged&limit=100')).body.entries;
  expect(entries[0]).toMatchObject({
    type: 'RuleChanged',
    name: 'posts/',
    fileId: null,
    details: { prefix: 'posts/', user: 'boss', read: null, write: null },
  });
  // Now posts/ is the role's alone: a programmer may change files there again, at once.
  await admin().commit('posts/after.mcam', Buffer.from('after'));
  expect((await prog().checkout('posts/after.mcam')).status).toBe(201);
});
