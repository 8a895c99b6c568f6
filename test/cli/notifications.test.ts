/**
 * (v2) watch, unwatch, watches, request and inbox through the real `camvault` command, against the
 * local server with its feed notifier reading DynamoDB Local's stream.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/http';
import { CliUser, loggedInUser, oneErrorLine, removeUsers, waitFor } from './support';

let server: TestServer;
let alice: CliUser;
let bob: CliUser;

beforeAll(async () => {
  const checkpointFile = join(await mkdtemp(join(tmpdir(), 'camvault-cli-feeds-')), 'checkpoint.json');
  server = await startTestServer({}, { feeds: { checkpointFile, pollMs: 50 } });
  alice = await loggedInUser(server, 'alice');
  bob = await loggedInUser(server, 'bob');
});
afterAll(async () => {
  await removeUsers([alice, bob]);
  await server.close();
});

interface Inbox {
  unread: number;
  notifications: {
    notificationId: string;
    reason: string;
    read: boolean;
    event: { type: string; user: string };
  }[];
}

/** `camvault inbox --json` once it shows a notification of `reason` for an event of `type`. */
const inboxWith = async (user: CliUser, reason: string, type: string): Promise<Inbox> => {
  let inbox: Inbox = { unread: 0, notifications: [] };
  await waitFor(
    `${user.name}'s ${reason} ${type}`,
    async () => {
      inbox = await user.json<Inbox>(['inbox']);
      return inbox.notifications.some((entry) => entry.reason === reason && entry.event.type === type);
    },
    20_000,
  );
  return inbox;
};

test('a watcher hears of changes under the folder, the holder of a file hears who asks, the asker hears when it is free', async () => {
  const name = 'fixtures/Plate A.mcam';
  expect((await server.as('alice').commit(name, Buffer.from('v1'), 'first cut')).status).toBe(200);

  // bob watches fixtures/; asking again is the same watch.
  const watched = await bob.run(['watch', 'fixtures/']);
  expect(watched).toMatchObject({ code: 0, stderr: '' });
  expect(watched.stdout).toContain('watching fixtures/ (every event)');
  const again = await bob.json(['watch', 'fixtures/', '--type', 'FileCheckedIn', 'FileReleased']);
  const listed = await bob.json(['watches']);
  expect(listed).toEqual([
    expect.objectContaining({
      watchId: again.watch.watchId,
      prefix: 'fixtures/',
      types: ['FileCheckedIn', 'FileReleased'],
    }),
  ]);
  expect((await bob.run(['watches'])).stdout).toMatch(
    /PREFIX\s+EVENTS\s+SINCE\s+WATCH ID\nfixtures\/\s+FileCheckedIn, FileReleased/,
  );
  await bob.json(['watch', 'fixtures/']);

  // alice takes the file; bob asks her for it: she is told at once, with what to do.
  expect((await server.as('alice').checkout(name, 'finishing')).status).toBe(201);
  const asked = await bob.run(['request', name, '-m', 'need it for the fixture']);
  expect(asked).toMatchObject({ code: 0, stderr: '' });
  expect(asked.stdout).toContain(`asked alice for ${name}; camvault inbox tells you when it is free`);
  await inboxWith(alice, 'request', 'CheckoutRequested');
  const aliceText = (await alice.run(['inbox'])).stdout;
  expect(aliceText.split('\n')[0]).toBe('1 unread (*); camvault inbox --mark-read marks them read');
  expect(aliceText).toMatch(
    /^\* \d{4}-\d\d-\d\d \d\d:\d\d {2}bob asks alice for fixtures\/Plate A\.mcam — 'need it for the fixture' {2}\(asks you for a file\) {2}-> camvault checkin or camvault undo "fixtures\/Plate A\.mcam"$/m,
  );

  // alice undoes: bob hears it is free (the strongest reason: not as a watched change), with the command to take it.
  expect((await server.as('alice').release(name)).status).toBe(200);
  const bobs = await inboxWith(bob, 'available', 'LockReleased');
  expect(
    bobs.notifications.map((entry) => `${entry.reason} ${entry.event.type} ${entry.event.user}`),
  ).toEqual(['available LockReleased alice', 'watch FileCheckedOut alice']);
  expect(bobs.unread).toBe(2);
  expect((await bob.run(['inbox'])).stdout).toContain(
    `alice undid the checkout of ${name}  (is free now)  -> camvault checkout "${name}"`,
  );

  // Marked read: still listed, without the star, and nothing unread.
  const marked = await bob.run(['inbox', '--mark-read']);
  expect(marked).toMatchObject({ code: 0, stderr: '' });
  expect(marked.stdout.split('\n')[0]).toBe('2 unread, now marked read');
  const after = await bob.json<Inbox>(['inbox']);
  expect(after.unread).toBe(0);
  expect(after.notifications.map((entry) => entry.read)).toEqual([true, true]);
  expect((await bob.run(['inbox'])).stdout).toMatch(/^0 unread\n {2}\d{4}/);
  // --limit shows fewer read ones (unread ones always show).
  expect((await bob.json<Inbox>(['inbox', '--limit', '1'])).notifications).toHaveLength(1);

  // bob stops watching; a second unwatch finds nothing (exit 4).
  const unwatched = await bob.run(['unwatch', 'FIXTURES/']);
  expect(unwatched).toMatchObject({ code: 0, stderr: '' });
  expect(unwatched.stdout).toContain('no longer watching fixtures/');
  expect(await bob.json(['watches'])).toEqual([]);
  const gone = await bob.run(['unwatch', 'fixtures/']);
  expect(gone.code).toBe(4);
  expect(oneErrorLine(gone)).toBe('camvault: you do not watch fixtures/ (camvault watches lists yours)');
});

test('refusals: a request for a file nobody holds or that is missing, a bad prefix, an unknown event type', async () => {
  const name = 'refusals/Free.mcam';
  expect((await server.as('alice').commit(name, Buffer.from('free'))).status).toBe(200);

  const unlocked = await bob.run(['request', name]);
  expect(unlocked.code).toBe(3);
  expect(oneErrorLine(unlocked)).toBe(`camvault: ${name} is not checked out: you can check it out yourself`);
  const missing = await bob.run(['request', 'refusals/Nothing.mcam']);
  expect(missing.code).toBe(4);

  const badPrefix = await bob.run(['watch', 'bad:folder/']);
  expect(badPrefix.code).toBe(2);
  oneErrorLine(badPrefix);
  const badType = await bob.run(['watch', 'refusals/', '--type', 'FileExploded']);
  expect(badType.code).toBe(2);
  expect(badType.stderr).toContain('FileExploded');
  expect(await bob.json(['watches'])).toEqual([]);
});

test('in a workspace, a local folder or file is watched as its vault folder or name', async () => {
  await mkdir(bob.path('ws/cells/Cell 1'), { recursive: true });
  const atTop = new CliUser(bob.name, bob.token, bob.configDir, bob.path('ws'));
  expect((await atTop.run(['init'])).code).toBe(0);
  const inCells = new CliUser(bob.name, bob.token, bob.configDir, bob.path('ws/cells'));
  expect((await inCells.json(['watch', 'Cell 1'])).watch.prefix).toBe('cells/Cell 1/');
  expect((await inCells.json(['watch', '.'])).watch.prefix).toBe('cells/');
  expect((await inCells.run(['unwatch', 'Cell 1'])).code).toBe(0);
  expect((await bob.json(['watches'])).map((watch: { prefix: string }) => watch.prefix)).toEqual(['cells/']);
});
