/**
 * Moves, deletes and restores racing each other and check-ins, through the local server with real
 * concurrency: each race has one consistent outcome — no version lost, no name pointing to two files,
 * no file under two names, no orphaned lock.
 */
import { encodeName, sha256Hex, startTestServer, type TestServer } from '../support/http';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const reader = () => server.as('observer');
const fileAt = async (name: string) => reader().get(`/files/${encodeName(name)}`);
/** Every live file with this identity: exactly one name, or none. */
const namesOf = async (fileId: string) =>
  ((await reader().get('/files?limit=1000')).body.files as { name: string; fileId: string }[])
    .filter((file) => file.fileId === fileId)
    .map((file) => file.name);
const versionsOf = async (name: string) =>
  ((await reader().get(`/versions/${encodeName(name)}`)).body.versions as { version: number }[]).map(
    (v) => v.version,
  );

test('50 moves of one file to 50 names at once, by its holder and others: exactly one wins', async () => {
  const holder = server.as('holder');
  await holder.commit('race/move/src.mcam', Buffer.from('v1'));
  await holder.checkout('race/move/src.mcam');
  await holder.commit('race/move/src.mcam', Buffer.from('v2'), 'v2');
  await holder.checkout('race/move/src.mcam');
  const { fileId } = (await fileAt('race/move/src.mcam')).body;
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      (i % 2 === 0 ? holder : server.as(`other${i}`)).request('POST', '/move/race/move/src.mcam', {
        json: { to: `race/move/dst-${i}.mcam` },
      }),
    ),
  );
  const winners = results.filter((result) => result.status === 200);
  expect(winners).toHaveLength(1);
  for (const loser of results.filter((result) => result.status !== 200)) {
    expect([404, 409]).toContain(loser.status);
  }
  const names = await namesOf(fileId);
  expect(names).toEqual([winners[0]?.body.file.name]);
  expect(await versionsOf(names[0] as string)).toEqual([2, 1]);
  expect((await fileAt(names[0] as string)).body.lock.user).toBe('holder');
  const locks = (await reader().get('/locks')).body.locks.filter(
    (lock: { user: string }) => lock.user === 'holder',
  );
  expect(locks.map((lock: { name: string }) => lock.name)).toEqual(names);
});

test('a move racing a check-in of the same file: the version lands, under whichever name the file has', async () => {
  for (let round = 0; round < 5; round++) {
    const alice = server.as('alice');
    const name = `race/mc/${round}.mcam`;
    await alice.commit(name, Buffer.from('v1'));
    await alice.checkout(name);
    const uploadId = await alice.upload(name, Buffer.from(`v2-${round}`));
    const { fileId } = (await fileAt(name)).body;
    const [checkin, move] = await Promise.all([
      alice.checkin(name, { uploadId, keepLock: true }),
      alice.request('POST', `/move/${encodeName(name)}`, { json: { to: `race/mc/moved-${round}.mcam` } }),
    ]);
    const names = await namesOf(fileId);
    expect(names).toHaveLength(1);
    const current = (await fileAt(names[0] as string)).body;
    // The check-in either committed (before the move, or under the lock the move carried) or found its name gone.
    if (checkin.status === 200) expect(current.version).toBe(2);
    else {
      expect(checkin.body.error.code).toBe('LOCK_LOST');
      expect(current.version).toBe(1);
    }
    expect(names[0]).toBe(move.status === 200 ? `race/mc/moved-${round}.mcam` : name);
    expect(await versionsOf(names[0] as string)).toEqual(current.version === 2 ? [2, 1] : [1]);
    expect(current.lock?.user).toBe('alice');
  }
});

test('a delete racing a check-in: either the version and then nothing to delete, or the file in the trash at its old version', async () => {
  for (let round = 0; round < 5; round++) {
    const bob = server.as('bob');
    const name = `race/dc/${round}.mcam`;
    await bob.commit(name, Buffer.from('v1'));
    await bob.checkout(name);
    const uploadId = await bob.upload(name, Buffer.from(`v2-${round}`));
    const { fileId } = (await fileAt(name)).body;
    const [checkin, removal] = await Promise.all([
      bob.checkin(name, { uploadId }),
      bob.request('DELETE', `/files/${encodeName(name)}`, { json: {} }),
    ]);
    const trash = (await reader().get('/trash?prefix=race/dc/')).body.trashed.filter(
      (item: { fileId: string }) => item.fileId === fileId,
    );
    if (removal.status === 200) {
      // Deleted first: the check-in found no file under its lock; the trash holds the whole file.
      expect(checkin.status).toBe(409);
      expect(trash).toEqual([expect.objectContaining({ version: 1 })]);
      expect((await fileAt(name)).status).toBe(404);
    } else {
      // Checked in first (which released the lock): nothing deleted, version 2 stands.
      expect(checkin.status).toBe(200);
      expect(removal.body.error.code).toBe('NOT_LOCKED');
      expect(trash).toEqual([]);
      expect((await fileAt(name)).body).toMatchObject({ version: 2, status: 'available' });
    }
  }
});

test('a restore racing the creation of a new file of that name, and two restores of one file', async () => {
  const carol = server.as('carol');
  for (let round = 0; round < 5; round++) {
    const name = `race/rc/${round}.mcam`;
    await carol.commit(name, Buffer.from('old'));
    await carol.checkout(name);
    const { fileId } = (await carol.request('DELETE', `/files/${encodeName(name)}`, { json: {} })).body
      .trashed;
    const bytes = Buffer.from(`new-${round}`);
    const staged = await carol.stage(name, bytes);
    await fetch(staged.body.url, { method: 'PUT', headers: staged.body.headers, body: bytes });
    const [restore, again, create] = await Promise.all([
      carol.request('POST', `/restore/${fileId}`, { json: {} }),
      carol.request('POST', `/restore/${fileId}`, { json: {} }),
      carol.checkin(name, { uploadId: staged.body.uploadId }),
    ]);
    const statuses = [restore.status, again.status, create.status];
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    const current = (await fileAt(name)).body;
    if (create.status === 200) {
      expect(current.sha256).toBe(sha256Hex(bytes));
      expect([restore.body.error.code, again.body.error.code].sort()).toEqual([
        'ALREADY_EXISTS',
        'ALREADY_EXISTS',
      ]);
      expect(
        (await reader().get('/trash?prefix=race/rc/')).body.trashed.map((t: { fileId: string }) => t.fileId),
      ).toContain(fileId);
    } else {
      expect(current.fileId).toBe(fileId);
      expect(create.body.error.code).toBe('ALREADY_EXISTS');
      expect(await namesOf(fileId)).toEqual([name]);
    }
  }
});

test('a stale writer whose file was moved or deleted under it changes nothing', async () => {
  const dave = server.as('dave');
  const admin = server.as('boss', { admin: true });
  await dave.commit('race/stale/a.mcam', Buffer.from('v1'));
  await dave.checkout('race/stale/a.mcam');
  const staleUpload = await dave.upload('race/stale/a.mcam', Buffer.from('stale bytes'));
  // An admin breaks dave's lock; erin takes it and moves the file away.
  await admin.release('race/stale/a.mcam', true);
  const erin = server.as('erin');
  await erin.checkout('race/stale/a.mcam');
  expect(
    (await erin.request('POST', '/move/race/stale/a.mcam', { json: { to: 'race/stale/b.mcam' } })).status,
  ).toBe(200);
  expect((await dave.checkin('race/stale/a.mcam', { uploadId: staleUpload })).body.error.code).toBe(
    'LOCK_LOST',
  );
  // Dave takes the moved file, stages, and erin's admin friend breaks it; then it is deleted.
  await erin.release('race/stale/b.mcam');
  await dave.checkout('race/stale/b.mcam');
  const second = await dave.upload('race/stale/b.mcam', Buffer.from('second stale'));
  await admin.release('race/stale/b.mcam', true);
  await erin.checkout('race/stale/b.mcam');
  expect((await erin.request('DELETE', '/files/race/stale/b.mcam', { json: {} })).status).toBe(200);
  expect((await dave.checkin('race/stale/b.mcam', { uploadId: second })).body.error.code).toBe('LOCK_LOST');
  expect((await fileAt('race/stale/b.mcam')).status).toBe(404);
  const trashed = (await reader().get('/trash?prefix=race/stale/')).body.trashed;
  expect(trashed).toEqual([expect.objectContaining({ name: 'race/stale/b.mcam', version: 1 })]);
});
