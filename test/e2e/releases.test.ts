/** Released versions: the floor gets exactly what a lead approved, whatever programmers check in meanwhile. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex, startTestServer, type TestServer } from '../support/http';
import { subscribeQueue } from '../support/queues';

let server: TestServer;
beforeAll(async () => {
  const checkpointFile = join(mkdtempSync(join(tmpdir(), 'camvault-releases-')), 'checkpoint.json');
  server = await startTestServer(
    { CAMVAULT_RELEASE_FOUR_EYES: 'true' },
    { notifications: { checkpointFile } },
  );
});
afterAll(() => server.close());

const NAME = 'floor/Spindle.mcam';
const prog = () => server.inGroups('pat', ['programmers']);
const lead = () => server.inGroups('lena', ['leads']);
const floor = () => server.inGroups('otto', ['operators']);

/** What the floor gets: the bytes of the version its download link names, verified. */
const floorBytes = async () => {
  const link = await floor().get(`/download/${NAME}`);
  if (link.status !== 200) return { status: link.status, version: null, bytes: null };
  const bytes = Buffer.from(await (await fetch(link.body.url)).arrayBuffer());
  expect(sha256Hex(bytes)).toBe(link.body.sha256);
  return { status: 200, version: link.body.version, bytes: bytes.toString() };
};

test('the floor downloads the released bytes while three newer versions are checked in; rollback; withdraw; four eyes', async () => {
  const queue = await subscribeQueue(server.topicArn as string, {
    type: ['FileReleased', 'ReleaseWithdrawn'],
  });
  const pat = prog();
  await pat.commit(NAME, Buffer.from('program v1'), 'first cut');
  expect((await floor().get(`/files/${NAME}`)).status).toBe(404);

  // Four eyes: the lead who checked in a version may not release it; another lead may.
  await lead().checkout(NAME);
  await lead().commit(NAME, Buffer.from('program v2'), 'lead tweak');
  const ownRelease = await lead().request('POST', `/release/${NAME}`, {
    json: { version: 2, message: 'mine' },
  });
  expect([ownRelease.status, ownRelease.body.error.code]).toEqual([403, 'FORBIDDEN']);
  const released = await lead().request('POST', `/release/${NAME}`, {
    json: { version: 1, message: 'proven on machine 3' },
  });
  expect(released.status).toBe(200);
  expect(released.body.file.released).toMatchObject({
    version: 1,
    releasedBy: 'lena',
    message: 'proven on machine 3',
    withdrawnAt: null,
  });

  for (let v = 3; v <= 5; v++) {
    await pat.checkout(NAME);
    await pat.commit(NAME, Buffer.from(`program v${v}`), `v${v}`);
    expect(await floorBytes()).toEqual({ status: 200, version: 1, bytes: 'program v1' });
  }
  const seen = await floor().get(`/files/${NAME}`);
  expect(seen.body).toMatchObject({ version: 5, released: { version: 1 } });
  expect((await floor().get(`/download/${NAME}?version=5`)).status).toBe(403);
  // A version that does not exist is 404 for the floor too: 404 comes before 403.
  expect((await floor().get(`/download/${NAME}?version=99`)).body.error.code).toBe('NOT_FOUND');
  const unauthorised = await pat.request('POST', `/release/${NAME}`, {
    json: { version: 99, message: 'no' },
  });
  expect([unauthorised.status, unauthorised.body.error.code]).toEqual([404, 'NOT_FOUND']);
  expect(
    (await pat.request('POST', `/release/${NAME}`, { json: { version: 5, message: 'not mine to' } })).status,
  ).toBe(403);

  // Release v4 (another lead than its author), then roll the floor back to v1.
  const other = server.inGroups('leo', ['leads']);
  expect(
    (await other.request('POST', `/release/${NAME}`, { json: { version: 4, message: 'new fixture' } }))
      .status,
  ).toBe(200);
  expect(await floorBytes()).toMatchObject({ version: 4, bytes: 'program v4' });
  expect(
    (
      await other.request('POST', `/release/${NAME}`, {
        json: { version: 1, message: 'v4 chatters: roll back' },
      })
    ).status,
  ).toBe(200);
  expect(await floorBytes()).toMatchObject({ version: 1, bytes: 'program v1' });

  // The history says who released what, when and why; each end names what ended it.
  const versions = (await pat.get(`/versions/${NAME}`)).body.versions as {
    version: number;
    releases: any[];
  }[];
  const v1 = versions.find((version) => version.version === 1)?.releases;
  expect(v1?.map((release) => [release.releasedBy, release.message, release.withdrawMessage])).toEqual([
    ['leo', 'v4 chatters: roll back', null],
    ['lena', 'proven on machine 3', 'superseded by version 4'],
  ]);
  expect(versions.find((version) => version.version === 4)?.releases).toEqual([
    expect.objectContaining({
      releasedBy: 'leo',
      withdrawnBy: 'leo',
      withdrawMessage: 'superseded by version 1',
    }),
  ]);

  // Withdraw: the floor sees nothing of it any more; a second withdrawal is NOT_RELEASED.
  const withdrawn = await other.request('DELETE', `/release/${NAME}`, {
    json: { message: 'part discontinued' },
  });
  expect(withdrawn.body.file.released).toBeNull();
  expect(await floorBytes()).toMatchObject({ status: 404 });
  expect((await floor().get('/files?released=true')).body.files).toEqual([]);
  const again = await other.request('DELETE', `/release/${NAME}`, { json: { message: 'again' } });
  expect([again.status, again.body.error.code]).toEqual([409, 'NOT_RELEASED']);
  // A check-in never changed what was released; a programmer may not release.
  expect((await pat.request('POST', `/release/${NAME}`, { json: { version: 5, message: 'x' } })).status).toBe(
    403,
  );

  // Events and audit entries, one for each.
  const events = await queue.receive(4);
  expect(events.map(({ body }) => [body.type, body.user, body.version, body.message])).toEqual([
    ['FileReleased', 'lena', 1, 'proven on machine 3'],
    ['FileReleased', 'leo', 4, 'new fixture'],
    ['FileReleased', 'leo', 1, 'v4 chatters: roll back'],
    ['ReleaseWithdrawn', 'leo', 1, 'part discontinued'],
  ]);
  const audit = (await pat.get(`/audit?name=${encodeURIComponent(NAME)}&limit=100`)).body.entries as any[];
  const releaseEntries = audit.filter(
    (entry) => entry.type === 'FileReleased' || entry.type === 'ReleaseWithdrawn',
  );
  expect(
    releaseEntries
      .reverse()
      .map((entry) => ({ type: entry.type, eventId: entry.entryId, at: entry.at, ...entry.details })),
  ).toEqual(events.map(({ body }) => body));
  // An operator's audit holds only releases and withdrawals.
  const floorAudit = (await floor().get(`/audit?name=${encodeURIComponent(NAME)}`)).body.entries as {
    type: string;
  }[];
  expect(new Set(floorAudit.map((entry) => entry.type))).toEqual(
    new Set(['FileReleased', 'ReleaseWithdrawn']),
  );
});

test('the release goes with the file when it moves, is kept in the trash and comes back on restore', async () => {
  const pat = prog();
  await pat.commit('floor/Moving.mcam', Buffer.from('m1'));
  await lead().request('POST', '/release/floor/Moving.mcam', { json: { version: 1, message: 'ok' } });
  await pat.checkout('floor/Moving.mcam');
  await pat.request('POST', '/move/floor/Moving.mcam', { json: { to: 'floor/Moved.mcam' } });
  expect((await floor().get('/files/floor/Moved.mcam')).body.released).toMatchObject({ version: 1 });
  const trashed = (await pat.request('DELETE', '/files/floor/Moved.mcam', { json: {} })).body.trashed;
  expect((await floor().get('/files/floor/Moved.mcam')).status).toBe(404);
  await pat.request('POST', `/restore/${trashed.fileId}`, { json: {} });
  expect((await floor().get('/files/floor/Moved.mcam')).body.released).toMatchObject({
    version: 1,
    message: 'ok',
  });
});
