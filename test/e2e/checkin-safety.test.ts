import { randomUUID } from 'node:crypto';
import { encodeName, sha256Hex, startTestServer, type TestServer } from '../support/http';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ CAMVAULT_URL_TTL_SECONDS: '2' });
});
afterAll(() => server.close());

const fileOf = (name: string) => server.as('observer').get(`/files/${encodeName(name)}`);
const historyOf = async (name: string) =>
  (await server.as('observer').get(`/versions/${encodeName(name)}`)).body.versions.map(
    (v: { version: number }) => v.version,
  );

test('stale writer: an upload staged under a broken lock cannot be checked in', async () => {
  const name = 'safety/stale.mcam';
  const alice = server.as('alice');
  const bob = server.as('bob');
  await alice.commit(name, Buffer.from('v1'));
  expect((await alice.checkout(name)).status).toBe(201);
  const staleUpload = await alice.upload(name, Buffer.from('alice v2, late'));

  const broken = await server.as('admin', { admin: true }).release(name, true);
  expect(broken.status).toBe(200);
  expect(broken.body.released.user).toBe('alice');
  expect((await bob.checkout(name, 'bob now')).status).toBe(201);
  const before = (await fileOf(name)).body;

  const late = await alice.checkin(name, { uploadId: staleUpload, message: 'late' });
  expect(late.status).toBe(409);
  expect(late.body.error.code).toBe('LOCK_LOST');
  expect((await fileOf(name)).body).toEqual(before);
  expect(await historyOf(name)).toEqual([1]);
});

test('an upload staged under a lock its owner since gave up and took again is LOCK_LOST too', async () => {
  const name = 'safety/relocked.mcam';
  const alice = server.as('alice');
  await alice.commit(name, Buffer.from('v1'));
  await alice.checkout(name);
  const oldUpload = await alice.upload(name, Buffer.from('old v2'));
  expect((await alice.release(name)).status).toBe(200);
  await alice.checkout(name);
  const late = await alice.checkin(name, { uploadId: oldUpload });
  expect(late.body.error?.code).toBe('LOCK_LOST');
  expect(await historyOf(name)).toEqual([1]);
});

test('wrong bytes PUT to a staged URL: check-in is 412 and the file is unchanged', async () => {
  const name = 'safety/wrong-bytes.mcam';
  const alice = server.as('alice');
  await alice.commit(name, Buffer.from('good v1'));
  await alice.checkout(name);
  const declared = Buffer.from('the declared v2 bytes');
  const swapped = Buffer.from('THE DECLARED V2 BYTES');
  // s3rver does not check x-amz-checksum-sha256 (real S3 refuses this PUT with BadDigest), so the wrong
  // bytes land and it is the check-in's own hash of the stored object that must catch them.
  const uploadId = await alice.upload(name, declared, swapped);
  const before = (await fileOf(name)).body;

  const refused = await alice.checkin(name, { uploadId });
  expect(refused.status).toBe(412);
  expect(refused.body.error.code).toBe('PRECONDITION_FAILED');
  expect((await fileOf(name)).body).toEqual(before);
  expect(await historyOf(name)).toEqual([1]);
});

test('a check-in before the bytes were uploaded is 412, and succeeds once they are', async () => {
  const name = 'safety/not-yet.mcam';
  const alice = server.as('alice');
  const bytes = Buffer.from(`not yet ${Date.now()}`);
  const staged = await alice.stage(name, bytes);
  const early = await alice.checkin(name, { uploadId: staged.body.uploadId });
  expect(early.status).toBe(412);
  expect((await alice.get(`/files/${encodeName(name)}`)).status).toBe(404);
  await fetch(staged.body.url, { method: 'PUT', headers: staged.body.headers, body: bytes });
  const done = await alice.checkin(name, { uploadId: staged.body.uploadId });
  expect(done.status).toBe(200);
  expect(done.body.version.version).toBe(1);
});

test('a retried check-in returns the version it committed the first time, not a second one', async () => {
  const name = 'safety/retry.mcam';
  const alice = server.as('alice');
  await alice.commit(name, Buffer.from('v1'));
  await alice.checkout(name);
  const uploadId = await alice.upload(name, Buffer.from('v2'));
  const first = await alice.checkin(name, { uploadId, message: 'v2' });
  const retried = await alice.checkin(name, { uploadId, message: 'v2' });
  expect(first.status).toBe(200);
  expect(retried.status).toBe(200);
  expect(retried.body.version).toEqual(first.body.version);
  expect(retried.body.file).toEqual((await fileOf(name)).body);
  expect(await historyOf(name)).toEqual([2, 1]);

  // Concurrent duplicates of one check-in also commit once.
  await alice.checkout(name);
  const uploadV3 = await alice.upload(name, Buffer.from('v3'));
  const racing = await Promise.all(
    Array.from({ length: 8 }, () => alice.checkin(name, { uploadId: uploadV3 })),
  );
  expect(racing.map((response) => response.status)).toEqual(Array(8).fill(200));
  expect(new Set(racing.map((response) => response.body.version.version))).toEqual(new Set([3]));
  expect(await historyOf(name)).toEqual([3, 2, 1]);
});

test("another user's upload id is not found, and changes nothing", async () => {
  const name = 'safety/not-yours.mcam';
  const alice = server.as('alice');
  await alice.commit(name, Buffer.from('v1'));
  await alice.checkout(name);
  const uploadId = await alice.upload(name, Buffer.from('v2'));
  const mallory = await server.as('mallory').checkin(name, { uploadId });
  expect(mallory.status).toBe(404);
  const elsewhere = await alice.checkin('safety/other-name.mcam', { uploadId });
  expect(elsewhere.status).toBe(404);
  expect(await historyOf(name)).toEqual([1]);
});

test('keepLock commits a version and keeps the same lock; a new file with keepLock is checked out to its creator', async () => {
  const name = 'safety/keep.mcam';
  const alice = server.as('alice');
  const created = await alice.checkin(name, {
    uploadId: await alice.upload(name, Buffer.from('v1')),
    keepLock: true,
  });
  expect(created.body.file).toMatchObject({ version: 1, status: 'checked_out', lock: { user: 'alice' } });
  const lockId = created.body.file.lock.lockId;
  const second = await alice.checkin(name, {
    uploadId: await alice.upload(name, Buffer.from('v2')),
    keepLock: true,
  });
  expect(second.body.file).toMatchObject({ version: 2, status: 'checked_out', lock: { lockId } });
  const released = await alice.checkin(name, { message: 'done' });
  expect(released.status).toBe(200);
  expect(released.body).toMatchObject({
    version: null,
    file: { version: 2, status: 'available', lock: null },
  });
});

test('a new file whose name was taken meanwhile (in any case) is ALREADY_EXISTS', async () => {
  const alice = server.as('alice');
  const bob = server.as('bob');
  const aliceUpload = await alice.upload('safety/Race.mcam', Buffer.from('alice'));
  expect((await bob.commit('safety/RACE.MCAM', Buffer.from('bob'))).status).toBe(200);
  const late = await alice.checkin('safety/Race.mcam', { uploadId: aliceUpload });
  expect(late.status).toBe(409);
  expect(late.body.error.code).toBe('ALREADY_EXISTS');
  const file = (await fileOf('safety/race.mcam')).body;
  expect(file).toMatchObject({ name: 'safety/RACE.MCAM', modifiedBy: 'bob', version: 1 });
});

test('uploads to an existing file need the caller to hold its lock', async () => {
  const name = 'safety/needs-lock.mcam';
  const alice = server.as('alice');
  await alice.commit(name, Buffer.from('v1'));
  const unlocked = await alice.stage(name, Buffer.from('v2'));
  expect(unlocked.status).toBe(409);
  expect(unlocked.body.error.code).toBe('NOT_LOCKED');
  await server.as('bob').checkout(name);
  const lockedByBob = await alice.stage(name, Buffer.from('v2'));
  expect(lockedByBob.status).toBe(409);
  expect(lockedByBob.body.error).toMatchObject({ code: 'LOCKED', lock: { user: 'bob' } });
});

test('checkout of a lock already held by the caller is 200 and changes nothing', async () => {
  const name = 'safety/again.mcam';
  const alice = server.as('alice');
  await alice.commit(name, Buffer.from('v1'));
  const first = await alice.checkout(name, 'first message');
  const again = await alice.checkout(name, 'second message');
  expect(again.status).toBe(200);
  expect(again.body.lock).toEqual(first.body.lock);
});

test('undo, release rules and admin break', async () => {
  const name = 'safety/undo.mcam';
  const alice = server.as('alice');
  const bob = server.as('bob');
  const admin = server.as('root', { admin: true });
  await alice.commit(name, Buffer.from('v1'));

  // Nobody holds it: the owner's undo and an admin's break are told so, not "not checked out to you".
  const notCheckedOut = { code: 'NOT_LOCKED', message: `${name} is not checked out` };
  expect((await alice.release(name)).body.error).toEqual(notCheckedOut);
  expect((await admin.release(name, true)).body.error).toEqual(notCheckedOut);

  const lock = (await alice.checkout(name, 'editing')).body.lock;
  const bobTry = await bob.release(name);
  expect(bobTry.status).toBe(403);
  expect(bobTry.body.error.code).toBe('FORBIDDEN');
  expect((await bob.release(name, true)).status).toBe(403);
  expect((await admin.release(name)).status).toBe(403);
  expect((await fileOf(name)).body.lock).toEqual(lock);

  const undone = await alice.release(name);
  expect(undone.status).toBe(200);
  expect(undone.body.released).toEqual(lock);
  expect((await fileOf(name)).body).toMatchObject({ status: 'available', lock: null, version: 1 });

  const second = (await bob.checkout(name)).body.lock;
  const broken = await admin.release(name, true);
  expect(broken.body.released).toEqual(second);
  const third = (await bob.checkout(name)).body.lock;
  expect(third.lockId).not.toBe(second.lockId);
});

test('presigned URLs: a tampered signature or key, or an expired URL, is refused by storage', async () => {
  const alice = server.as('alice');
  const bytes = Buffer.from(`presign ${Date.now()}`);
  const staged = (await alice.stage('safety/presign.mcam', bytes)).body;
  const signature = /X-Amz-Signature=([0-9a-f]+)/.exec(staged.url)?.[1] as string;
  const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
  const put = (url: string, body = bytes, headers = staged.headers) =>
    fetch(url, { method: 'PUT', headers, body });

  expect((await put(staged.url.replace(signature, flipped))).status).toBe(403);
  // Another key: the upload's second part, or another upload's.
  expect((await put(staged.url.replace('/00001?', '/00002?'))).status).toBe(403);
  expect((await put(staged.url.replace(staged.uploadId, randomUUID()))).status).toBe(403);
  expect((await put(staged.url, Buffer.concat([bytes, Buffer.from('!')]))).status).toBe(403);
  expect((await put(staged.url, bytes, {})).status).toBe(403);
  expect((await put(staged.url)).status).toBe(200);

  await alice.checkin('safety/presign.mcam', { uploadId: staged.uploadId });
  const link = (await alice.get('/download/safety/presign.mcam')).body;
  expect(
    (await fetch(link.url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`))).status,
  ).toBe(403);
  // This server signs URLs for 2 seconds.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  expect((await fetch(link.url)).status).toBe(403);
  expect((await put(staged.url)).status).toBe(403);
});

test('downloads are served as attachments under the base name', async () => {
  const alice = server.as('alice');
  await alice.commit('safety/Plate A.mcam', Buffer.from('plate'));
  const link = (await alice.get('/download/safety/Plate%20A.mcam')).body;
  expect(link).toMatchObject({
    method: 'GET',
    name: 'safety/Plate A.mcam',
    version: 1,
    sizeBytes: 5,
    sha256: sha256Hex(Buffer.from('plate')),
  });
  const response = await fetch(link.url);
  expect(response.headers.get('content-disposition')).toBe('attachment; filename="Plate A.mcam"');
});
