/**
 * (v2) E-mail digests, as the stack runs them with `mailFrom` set: the feeds' notifier (local server,
 * CAMVAULT_EMAIL_NOTIFICATIONS=true) marks each notification due by mail, and the scheduled
 * SendMailDigests handler mails each user one digest to their verified Cognito address (cognito-local)
 * through SES (aws-ses-v2-local), then marks them sent: the next run mails nothing again.
 */

import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminUpdateUserAttributesCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { Context } from 'aws-lambda';
import sesServer from 'aws-ses-v2-local';
import { freePort, LOOPBACK } from '#infra/local/emulators';
import { startUserPool, type UserPool } from '../support/cognito';
import { testEndpoints } from '../support/emulators';
import { type ApiClient, startTestServer, type TestServer } from '../support/http';

const MAIL_FROM = 'vault@example.com';

interface StoredMail {
  destination: { to: string[] };
  subject: string;
  body: { text: string };
}

let server: TestServer;
let pool: UserPool;
let ses: Server;
let sesEndpoint: string;
let sendDigests: () => Promise<{ mails: number; notifications: number }>;

beforeAll(async () => {
  const checkpointFile = join(mkdtempSync(join(tmpdir(), 'camvault-feeds-')), 'checkpoint.json');
  [server, pool] = await Promise.all([
    startTestServer({ CAMVAULT_EMAIL_NOTIFICATIONS: 'true' }, { feeds: { checkpointFile, pollMs: 50 } }),
    startUserPool(),
  ]);
  const port = await freePort();
  ses = await sesServer({ host: LOOPBACK, port });
  sesEndpoint = `http://${LOOPBACK}:${port}`;

  // The handler builds its clients from the environment when loaded, as on Lambda (region and
  // credentials are the local server's, which the emulators all take).
  const endpoints = testEndpoints();
  Object.assign(process.env, {
    CAMVAULT_TABLE: server.table,
    CAMVAULT_USER_POOL_ID: pool.userPoolId,
    CAMVAULT_MAIL_FROM: MAIL_FROM,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SES: sesEndpoint,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: pool.endpoint,
  });
  const { handler } = await import('#functions/send-mail-digests');
  sendDigests = () => handler({}, { awsRequestId: 'digest-test' } as Context);
});

afterAll(async () => {
  await Promise.all([server?.close(), pool?.stop(), new Promise((resolve) => ses?.close(resolve))]);
});

const mails = async (): Promise<StoredMail[]> => {
  const response = await fetch(`${sesEndpoint}/store`);
  return ((await response.json()) as { emails: StoredMail[] }).emails;
};

/** A pool user whose address is verified or not, as Cognito keeps it. */
const poolUser = async (username: string, verified: boolean) => {
  await pool.createUser(username, ['programmers'], 'Temporary-Passw0rd!');
  await pool.admin.send(
    new AdminUpdateUserAttributesCommand({
      UserPoolId: pool.userPoolId,
      Username: username,
      // cognito-local wants the address in the same update that (un)verifies it.
      UserAttributes: [
        { Name: 'email', Value: `${username}@example.com` },
        { Name: 'email_verified', Value: String(verified) },
      ],
    }),
  );
};

interface FeedEntry {
  reason: string;
  event: { type: string; name?: string };
}

const feedOf = async (client: ApiClient): Promise<FeedEntry[]> => {
  const page = await client.get('/notifications?limit=1000');
  expect(page.status).toBe(200);
  return page.body.notifications;
};

/** Waits until the feed holds a notification `isMarker` accepts (the stream is in order: all before it is done). */
const feedUpTo = async (client: ApiClient, isMarker: (entry: FeedEntry) => boolean) => {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const feed = await feedOf(client);
    if (feed.some(isMarker)) return feed;
    if (Date.now() > deadline) throw new Error(`no marker in ${JSON.stringify(feed)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

test('each user with a verified address gets one digest of their feed, once; the others none', async () => {
  await Promise.all([poolUser('alice', true), poolUser('bob', true), poolUser('carol', false)]);
  // dave is in no pool at all (a token from elsewhere): his feed is his only delivery.
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((user) =>
    server.inGroups(user, ['programmers']),
  ) as [ApiClient, ApiClient, ApiClient, ApiClient];
  for (const watcher of [alice, carol, dave])
    expect((await watcher.request('POST', '/watches', { json: { prefix: 'fixtures/' } })).status).toBe(201);

  for (const name of ['fixtures/Vise.mcam', 'fixtures/Plate.mcam', 'elsewhere/Stray.mcam'])
    expect((await bob.commit(name, Buffer.from(name))).status).toBe(200);
  expect((await bob.checkout('fixtures/Vise.mcam', 'new jaws')).status).toBe(201);
  const asked = await alice.request('POST', '/requests/fixtures/Vise.mcam', { json: { message: 'need it' } });
  expect(asked.status).toBe(201);
  expect((await bob.release('fixtures/Vise.mcam')).status).toBe(200);

  const isFreed = (entry: FeedEntry) => entry.event.type === 'LockReleased';
  const [aliceFeed, carolFeed, daveFeed] = (await Promise.all(
    [alice, carol, dave].map((watcher) => feedUpTo(watcher, isFreed)),
  )) as [FeedEntry[], FeedEntry[], FeedEntry[]];
  const bobFeed = await feedUpTo(bob, (entry) => entry.reason === 'request');
  expect(aliceFeed.filter((entry) => entry.reason === 'available').map((entry) => entry.event.type)).toEqual([
    'LockReleased',
  ]);

  expect(await sendDigests()).toEqual({
    mails: 2,
    notifications: aliceFeed.length + bobFeed.length + carolFeed.length + daveFeed.length,
  });
  const sent = await mails();
  expect(sent.map((mail) => mail.destination.to).sort()).toEqual([
    ['alice@example.com'],
    ['bob@example.com'],
  ]);
  const toAlice = sent.find((mail) => mail.destination.to[0] === 'alice@example.com') as StoredMail;
  const watched = aliceFeed.filter((entry) => entry.reason === 'watch').length;
  expect(toAlice.subject).toBe(`camvault: 1 notice for you, ${watched} changes you watch`);
  expect(toAlice.body.text).toMatch(/fixtures\/Vise\.mcam.*\(is free now\)/);
  expect(toAlice.body.text).toContain(`fixtures/: ${watched} changes`);
  expect(toAlice.body.text).not.toContain('elsewhere/');
  const toBob = sent.find((mail) => mail.destination.to[0] === 'bob@example.com') as StoredMail;
  expect(toBob.subject).toBe('camvault: 1 notice for you');
  expect(toBob.body.text).toContain('(asks you for a file)');
  expect(toBob.body.text).toContain('need it');

  // Everything due went out (or had nowhere to go): the next run sends nothing.
  expect(await sendDigests()).toEqual({ mails: 0, notifications: 0 });
  expect(await mails()).toHaveLength(2);

  // A later change is due anew, and only it.
  expect((await bob.commit('fixtures/Clamp.mcam', Buffer.from('clamp'))).status).toBe(200);
  await feedUpTo(alice, (entry) => entry.event.name === 'fixtures/Clamp.mcam');
  await feedUpTo(carol, (entry) => entry.event.name === 'fixtures/Clamp.mcam');
  await feedUpTo(dave, (entry) => entry.event.name === 'fixtures/Clamp.mcam');
  expect(await sendDigests()).toEqual({ mails: 1, notifications: 3 });
  const [, , third] = await mails();
  expect(third?.destination.to).toEqual(['alice@example.com']);
  expect(third?.subject).toBe('camvault: 1 change in fixtures/');
  expect(third?.body.text).toContain('fixtures/Clamp.mcam');
  expect(third?.body.text).not.toContain('fixtures/Vise.mcam');
});
