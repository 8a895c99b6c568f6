/**
 * The feeds' notifier killed between reading the stream and writing the feeds: after a restart every
 * feed holds each notification exactly once. The "kill" is a notice store that dies after a few
 * writes (and stays dead, as a killed process does) while the follower has not saved its position.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EMULATOR_CREDENTIALS } from '#infra/local/emulators';
import { emulatorClients } from '#infra/local/local-vault';
import { followStream } from '#infra/local/stream-follower';
import { DynamoDbNoticeStore } from '#shared/aws/dynamodb/notice-store';
import { DynamoDbVaultStore } from '#shared/aws/dynamodb/vault-store';
import { S3FileStore } from '#shared/aws/s3-file-store';
import type { NoticeStore } from '#shared/core/ports';
import { Vault } from '#shared/core/vault';
import { deliverNotifications } from '#shared/deliver-notifications';
import { testConfig, testEndpoints } from '../support/emulators';
import { startTestServer, type TestServer } from '../support/http';

let server: TestServer;
afterAll(() => server?.close());

/** The vault the notifier builds, on the server's table, over the notice store given. */
const notifierVault = (notices: NoticeStore) => {
  const clients = emulatorClients(testEndpoints());
  return new Vault({
    config: testConfig({ table: server.table, bucket: server.bucket }),
    store: new DynamoDbVaultStore(clients.dynamodb, server.table),
    notices,
    blobs: new S3FileStore(clients.s3, server.bucket),
  });
};

/**
 * A notice store whose feed writes stop for good after `writes` of them: the process died there.
 * An event's feeds are written concurrently: `died` is told when the writes let through will have landed.
 */
const dyingAfter = (
  store: NoticeStore,
  writes: number,
  died: (landed: Promise<unknown>) => void,
): NoticeStore => {
  let left = writes;
  const landing: Promise<unknown>[] = [];
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'deliver' || typeof value !== 'function') return value;
      return async (...args: Parameters<NoticeStore['deliver']>) => {
        if (left <= 0) {
          died(Promise.allSettled(landing));
          throw new Error('killed');
        }
        left--;
        const write = value.apply(target, args);
        landing.push(write);
        return write;
      };
    },
  });
};

test('killed mid-batch, the notifier delivers the rest on restart and nothing twice', async () => {
  server = await startTestServer();
  const endpoints = testEndpoints();
  const { dynamodb } = emulatorClients(endpoints);
  const notices = new DynamoDbNoticeStore(dynamodb, server.table);
  const checkpointFile = join(mkdtempSync(join(tmpdir(), 'camvault-feed-crash-')), 'checkpoint.json');
  let dead = false;
  const follow = (store: NoticeStore) => {
    const deliver = deliverNotifications(notifierVault(store).fanOut);
    return followStream({
      dynamodb,
      streams: new DynamoDBStreamsClient({
        region: 'us-east-1',
        credentials: EMULATOR_CREDENTIALS,
        endpoint: endpoints.dynamodb,
      }),
      table: server.table,
      checkpointFile,
      // A killed process saves no position: the whole batch is read again, the feeds already written included.
      handler: async (event) => {
        const handled = await deliver(event, {} as never);
        if (dead) throw new Error('killed before saving the stream position');
        return handled;
      },
      pollMs: 50,
    });
  };

  // Three watchers of the folder, six changes: eighteen notifications, all in one batch of the stream.
  const watchers = ['wanda', 'walt', 'wes'].map((user) => server.inGroups(user, ['programmers']));
  for (const watcher of watchers)
    expect((await watcher.request('POST', '/watches', { json: { prefix: 'crash/' } })).status).toBe(201);
  const alice = server.inGroups('alice', ['programmers']);
  for (const file of ['a', 'b', 'c']) {
    await alice.commit(`crash/${file}.mcam`, Buffer.from(file));
    await alice.checkout(`crash/${file}.mcam`);
  }

  let died: (landed: Promise<unknown>) => void = () => undefined;
  const death = new Promise<void>((resolve) => {
    died = (landed) => {
      dead = true;
      void landed.then(() => resolve());
    };
  });
  const first = await follow(dyingAfter(notices, 7, died));
  await death;
  await first.stop();
  const feedSizes = async () =>
    Promise.all(
      watchers.map(
        async (watcher) => (await watcher.get('/notifications?limit=100')).body.notifications.length,
      ),
    );
  const partial = (await feedSizes()).reduce((sum, size) => sum + size, 0);
  expect(partial).toBe(7);

  dead = false;
  const second = await follow(notices);
  const deadline = Date.now() + 15_000;
  while ((await feedSizes()).some((size) => size < 6) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  // Long enough for a duplicate to show, were one to come.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await second.stop();

  for (const watcher of watchers) {
    const feed = (await watcher.get('/notifications?limit=100')).body;
    const events = feed.notifications.map(
      (entry: { event: { type: string; name: string } }) => `${entry.event.type} ${entry.event.name}`,
    );
    expect(events.reverse()).toEqual([
      'FileCheckedIn crash/a.mcam',
      'FileCheckedOut crash/a.mcam',
      'FileCheckedIn crash/b.mcam',
      'FileCheckedOut crash/b.mcam',
      'FileCheckedIn crash/c.mcam',
      'FileCheckedOut crash/c.mcam',
    ]);
    expect(feed.unread).toBe(6);
  }
});
