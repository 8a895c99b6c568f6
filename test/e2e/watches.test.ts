/**
 * (v2) Watches, checkout requests and feeds, through the local server with its feed notifier reading
 * DynamoDB Local's stream: who hears of what, once, in order, and only what their folder rules allow.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient } from '../support/http';
import { startTestServer, type TestServer } from '../support/http';

let server: TestServer;
beforeAll(async () => {
  const checkpointFile = join(mkdtempSync(join(tmpdir(), 'camvault-feeds-')), 'checkpoint.json');
  server = await startTestServer({}, { feeds: { checkpointFile, pollMs: 50 } });
});
afterAll(() => server.close());

const bytes = (text: string) => Buffer.from(text);

interface FeedEntry {
  notificationId: string;
  reason: string;
  read: boolean;
  event: { type: string; name?: string; user: string; eventId: string };
}

/** The whole feed, newest first. */
const feedOf = async (client: ApiClient): Promise<{ notifications: FeedEntry[]; unread: number }> => {
  const notifications: FeedEntry[] = [];
  let cursor: string | null = null;
  let unread = 0;
  do {
    const page: { status: number; body: any } = await client.get(
      `/notifications?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    notifications.push(...page.body.notifications);
    unread = page.body.unread;
    cursor = page.body.nextCursor;
  } while (cursor);
  return { notifications, unread };
};

/** Waits until the feed holds a notification of the marker event (the stream is in order: all before it is done). */
const feedUpTo = async (client: ApiClient, isMarker: (entry: FeedEntry) => boolean) => {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const feed = await feedOf(client);
    if (feed.notifications.some(isMarker)) return feed;
    if (Date.now() > deadline) throw new Error(`no marker in ${JSON.stringify(feed.notifications)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const summary = (entries: FeedEntry[]) =>
  entries.map((entry) => `${entry.reason} ${entry.event.type} ${entry.event.name} by ${entry.event.user}`);

test('a watcher of fixtures/ hears exactly the events under it, in order, none from elsewhere, none of their own', async () => {
  const alice = server.inGroups('alice', ['programmers']);
  const bob = server.inGroups('bob', ['programmers']);
  const created = await bob.request('POST', '/watches', { json: { prefix: 'Fixtures/' } });
  expect(created.status).toBe(201);
  expect(created.body.watch).toEqual({
    watchId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    prefix: 'Fixtures/',
    types: null,
    createdAt: expect.any(String),
  });

  await alice.commit('fixtures/Vise.mcam', bytes('v1'), 'first');
  await alice.commit('elsewhere/Other.mcam', bytes('o1'));
  await bob.commit('fixtures/Bobs.mcam', bytes('b1'), 'his own');
  expect((await alice.checkout('fixtures/Vise.mcam', 'editing')).status).toBe(201);
  expect(
    (await alice.request('POST', '/move/fixtures/Vise.mcam', { json: { to: 'fixtures/jaws/Vise.mcam' } }))
      .status,
  ).toBe(200);
  expect((await alice.checkin('fixtures/jaws/Vise.mcam')).status).toBe(200);
  // Out of fixtures/ and back in: a move is under both its names.
  await alice.commit('elsewhere/Stray.mcam', bytes('s1'));
  await alice.checkout('elsewhere/Stray.mcam');
  await alice.request('POST', '/move/elsewhere/Stray.mcam', { json: { to: 'fixtures/Stray.mcam' } });
  await alice.request('DELETE', '/files/fixtures/Stray.mcam', { json: { message: 'marker' } });

  const feed = await feedUpTo(bob, (entry) => entry.event.type === 'FileDeleted');
  expect(summary(feed.notifications).reverse()).toEqual([
    'watch FileCheckedIn fixtures/Vise.mcam by alice',
    'watch FileCheckedOut fixtures/Vise.mcam by alice',
    'watch FileMoved fixtures/jaws/Vise.mcam by alice',
    'watch FileCheckedIn fixtures/jaws/Vise.mcam by alice',
    'watch FileMoved fixtures/Stray.mcam by alice',
    'watch FileDeleted fixtures/Stray.mcam by alice',
  ]);
  expect(feed.unread).toBe(6);
  expect(new Set(feed.notifications.map((entry) => entry.notificationId)).size).toBe(6);
  // Alice watches nothing: she hears nothing of her own changes or of Bob's.
  expect((await feedOf(alice)).notifications).toEqual([]);

  // Reading: the second newest and everything older.
  const upTo = feed.notifications[1] as FeedEntry;
  const read = await bob.request('POST', '/notifications/read', { json: { upTo: upTo.notificationId } });
  expect(read.body).toEqual({ unread: 1 });
  const after = await feedOf(bob);
  expect(after.notifications.map((entry) => entry.read)).toEqual([false, true, true, true, true, true]);
  // The mark never moves back.
  const older = after.notifications[4] as FeedEntry;
  expect(
    (await bob.request('POST', '/notifications/read', { json: { upTo: older.notificationId } })).body,
  ).toEqual({
    unread: 1,
  });
});

test('types narrow a watch; watching one file; watches are listed and removed by their owner only', async () => {
  const carol = server.inGroups('carol', ['programmers']);
  const alice = server.inGroups('alice', ['programmers']);
  const onlyMoves = await carol.request('POST', '/watches', {
    json: { prefix: 'typed/', types: ['FileMoved'] },
  });
  const oneFile = await carol.request('POST', '/watches', { json: { prefix: 'other/One.mcam' } });
  expect([onlyMoves.status, oneFile.status]).toEqual([201, 201]);
  // The same prefix again (any case) is the same watch, its types replaced.
  const again = await carol.request('POST', '/watches', {
    json: { prefix: 'TYPED/', types: ['FileMoved', 'FileDeleted'] },
  });
  expect(again.body.watch.watchId).toBe(onlyMoves.body.watch.watchId);
  const listed = await carol.get('/watches');
  expect(
    listed.body.watches.map((watch: { prefix: string; types: string[] | null }) => [
      watch.prefix,
      watch.types,
    ]),
  ).toEqual([
    ['TYPED/', ['FileMoved', 'FileDeleted']],
    ['other/One.mcam', null],
  ]);

  await alice.commit('typed/A.mcam', bytes('a'));
  await alice.commit('other/Two.mcam', bytes('2'));
  await alice.commit('other/One.mcam', bytes('1'));
  await alice.checkout('typed/A.mcam');
  await alice.request('POST', '/move/typed/A.mcam', { json: { to: 'typed/B.mcam' } });
  const feed = await feedUpTo(carol, (entry) => entry.event.type === 'FileMoved');
  expect(summary(feed.notifications).reverse()).toEqual([
    'watch FileCheckedIn other/One.mcam by alice',
    'watch FileMoved typed/B.mcam by alice',
  ]);

  // Another user's watchId is as unknown as a made-up one; nothing is removed.
  expect((await alice.request('DELETE', `/watches/${oneFile.body.watch.watchId}`)).status).toBe(404);
  expect((await carol.get('/watches')).body.watches).toHaveLength(2);
  const removed = await carol.request('DELETE', `/watches/${oneFile.body.watch.watchId}`);
  expect(removed.status).toBe(200);
  expect(removed.body.watch.prefix).toBe('other/One.mcam');
  expect((await carol.request('DELETE', `/watches/${oneFile.body.watch.watchId}`)).status).toBe(404);
  expect((await carol.get('/watches')).body.watches).toHaveLength(1);
});

test('a request reaches the holder at once; the asker hears "available" when the holder checks in, undoes, or is broken', async () => {
  const holder = server.inGroups('hana', ['programmers']);
  const asker = server.inGroups('ivan', ['programmers']);
  const admin = server.as('root', { admin: true });
  const available = (file: string) => (entry: FeedEntry) =>
    entry.reason === 'available' && entry.event.name === file;

  // Check-in: the holder commits a version and releases the lock.
  await holder.commit('asks/Checkin.mcam', bytes('1'));
  await holder.checkout('asks/Checkin.mcam', 'long job');
  const asked = await asker.request('POST', '/requests/asks/Checkin.mcam', {
    json: { message: 'need it for the 5-axis' },
  });
  expect(asked.status).toBe(201);
  expect(asked.body.request).toEqual({
    name: 'asks/Checkin.mcam',
    fileId: expect.any(String),
    user: 'ivan',
    holder: 'hana',
    lockId: expect.any(String),
    message: 'need it for the 5-axis',
    at: expect.any(String),
  });
  const told = await feedUpTo(holder, (entry) => entry.reason === 'request');
  expect(told.notifications[0]?.event).toMatchObject({
    type: 'CheckoutRequested',
    name: 'asks/Checkin.mcam',
    user: 'ivan',
    holder: 'hana',
    message: 'need it for the 5-axis',
  });
  // Keeping the lock frees nothing: the asker waits for its end.
  const uploadId = await holder.upload('asks/Checkin.mcam', bytes('2'));
  expect((await holder.checkin('asks/Checkin.mcam', { uploadId, keepLock: true })).status).toBe(200);
  await holder.checkin('asks/Checkin.mcam');
  const freed = await feedUpTo(asker, available('asks/Checkin.mcam'));
  expect(summary(freed.notifications.filter(available('asks/Checkin.mcam')))).toEqual([
    'available FileCheckedIn asks/Checkin.mcam by hana',
  ]);
  expect(freed.notifications.find(available('asks/Checkin.mcam'))?.event).toMatchObject({ version: null });

  // Undo.
  await holder.commit('asks/Undo.mcam', bytes('1'));
  await holder.checkout('asks/Undo.mcam');
  expect((await asker.request('POST', '/requests/asks/Undo.mcam')).status).toBe(201);
  await holder.release('asks/Undo.mcam');
  // Broken by an admin: the asker hears it is available, the holder that their lock was broken.
  await holder.commit('asks/Broken.mcam', bytes('1'));
  await holder.checkout('asks/Broken.mcam');
  expect((await asker.request('POST', '/requests/asks/Broken.mcam', { json: {} })).status).toBe(201);
  expect((await admin.release('asks/Broken.mcam', true)).status).toBe(200);

  const asker_ = await feedUpTo(asker, available('asks/Broken.mcam'));
  expect(summary(asker_.notifications).reverse()).toEqual([
    'available FileCheckedIn asks/Checkin.mcam by hana',
    'available LockReleased asks/Undo.mcam by hana',
    'available LockBroken asks/Broken.mcam by root',
  ]);
  const holder_ = await feedUpTo(holder, (entry) => entry.reason === 'lock_broken');
  expect(summary(holder_.notifications).reverse()).toEqual([
    'request CheckoutRequested asks/Checkin.mcam by ivan',
    'request CheckoutRequested asks/Undo.mcam by ivan',
    'request CheckoutRequested asks/Broken.mcam by ivan',
    'lock_broken LockBroken asks/Broken.mcam by root',
  ]);

  // Answered requests are gone: the next lock on the file and its end tell the asker nothing more.
  await holder.checkout('asks/Undo.mcam');
  await holder.release('asks/Undo.mcam');
  await holder.checkout('asks/Broken.mcam');
  await asker.request('POST', '/requests/asks/Broken.mcam');
  await holder.request('DELETE', '/files/asks/Broken.mcam');
  const last = await feedUpTo(asker, (entry) => entry.event.type === 'FileDeleted');
  expect(summary(last.notifications.slice(0, 2))).toEqual([
    'available FileDeleted asks/Broken.mcam by hana',
    'available LockBroken asks/Broken.mcam by root',
  ]);
});

test('a user who may not read a folder hears nothing from it, whatever they watch', async () => {
  const admin = server.as('root', { admin: true });
  const lead = server.inGroups('lena', ['leads']);
  const dave = server.inGroups('dave', ['programmers']);
  expect(
    (await admin.request('PUT', '/rules/secret/', { json: { read: ['leads'], write: ['leads'] } })).status,
  ).toBe(200);
  expect((await dave.request('POST', '/watches', { json: { prefix: '' } })).status).toBe(201);
  expect((await dave.request('POST', '/watches', { json: { prefix: 'secret/' } })).status).toBe(201);
  await lead.commit('secret/Plan.mcam', bytes('s'));
  await lead.checkout('secret/Plan.mcam');
  // Moved out of the hidden folder: its old name would tell what was there, so Dave hears nothing of it either.
  await lead.request('POST', '/move/secret/Plan.mcam', { json: { to: 'open/Plan.mcam' } });
  await lead.checkin('open/Plan.mcam');
  const feed = await feedUpTo(dave, (entry) => entry.event.type === 'FileCheckedIn');
  expect(summary(feed.notifications)).toEqual(['watch FileCheckedIn open/Plan.mcam by lena']);
});

describe('bad input: the contract 4xx, nothing changed', () => {
  test('watches', async () => {
    const erin = server.inGroups('erin', ['programmers']);
    const bad: [unknown, number][] = [
      [{ prefix: 'a/../b/' }, 400],
      [{ prefix: 'CON/' }, 400],
      [{ prefix: 'a//' }, 400],
      [{ prefix: 'notes.txt' }, 400],
      [{ prefix: 'x/\n/' }, 400],
      [{ prefix: 'a/', types: ['FileExploded'] }, 400],
      [{ prefix: 'a/', types: [] }, 400],
      [{ prefix: 'a/', types: ['FileMoved', 'FileMoved'] }, 400],
      [{ prefix: 'a/', extra: true }, 400],
      [{}, 400],
      [{ prefix: 7 }, 400],
    ];
    for (const [body, status] of bad) {
      const response = await erin.request('POST', '/watches', { json: body });
      expect([JSON.stringify(body), response.status, response.body.error.code]).toEqual([
        JSON.stringify(body),
        status,
        'BAD_REQUEST',
      ]);
    }
    expect((await erin.request('DELETE', '/watches/not-an-id')).status).toBe(400);
    expect((await erin.request('DELETE', '/watches/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await erin.get('/watches')).body.watches).toEqual([]);
    // Operators may not watch or ask (they get the released version, nothing else).
    const otto = server.inGroups('otto', ['operators']);
    expect((await otto.request('POST', '/watches', { json: { prefix: 'a/' } })).status).toBe(403);
    expect((await otto.get('/notifications')).status).toBe(200);
  });

  test('requests and reading the feed', async () => {
    const frank = server.inGroups('frank', ['programmers']);
    await frank.commit('asks/Free.mcam', bytes('f'));
    const unlocked = await server
      .inGroups('gina', ['programmers'])
      .request('POST', '/requests/asks/Free.mcam');
    expect([unlocked.status, unlocked.body.error.code]).toEqual([409, 'NOT_LOCKED']);
    const missing = await frank.request('POST', '/requests/asks/Missing.mcam');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
    await frank.checkout('asks/Free.mcam');
    const own = await frank.request('POST', '/requests/asks/Free.mcam');
    expect([own.status, own.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    const tooLong = await server
      .inGroups('gina', ['programmers'])
      .request('POST', '/requests/asks/Free.mcam', { json: { message: 'x'.repeat(1001) } });
    expect(tooLong.status).toBe(400);
    // Nothing was asked: no CheckoutRequested in the file's history.
    const history = await frank.get('/audit?name=asks/Free.mcam');
    expect(history.body.entries.map((entry: { type: string }) => entry.type)).not.toContain(
      'CheckoutRequested',
    );

    for (const upTo of ['', 'not base64url!', Buffer.from('nope').toString('base64url')]) {
      const response = await frank.request('POST', '/notifications/read', { json: { upTo } });
      expect([upTo, response.status]).toEqual([
        upTo,
        upTo === Buffer.from('nope').toString('base64url') ? 404 : 400,
      ]);
    }
    expect((await frank.get('/notifications?limit=0')).status).toBe(400);
    expect((await frank.get('/notifications?cursor=bogus')).status).toBe(400);
  });
});
