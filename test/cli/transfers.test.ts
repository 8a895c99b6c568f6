import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { emulatorClients } from '#infra/local/local-vault';
import { testEndpoints } from '../support/emulators';
import { startTestServer, type TestServer } from '../support/http';
import {
  type CliUser,
  loggedInUser,
  oneErrorLine,
  removeUsers,
  startStallingProxy,
  waitFor,
} from './support';

let server: TestServer;
let alice: CliUser;
let bob: CliUser;

beforeAll(async () => {
  server = await startTestServer();
  alice = await loggedInUser(server, 'alice');
  bob = await loggedInUser(server, 'bob');
});
afterAll(async () => {
  await removeUsers([alice, bob]);
  await server.close();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const add = async (user: CliUser, name: string, bytes: Buffer) => {
  const source = `source-${randomBytes(4).toString('hex')}.mcam`;
  await writeFile(user.path(source), bytes);
  const added = await user.run(['add', source, name]);
  if (added.code !== 0) throw new Error(`add ${name}: ${added.stderr}`);
};

test('a download whose bytes were altered in storage fails clearly and leaves no file', async () => {
  const name = 'corrupt/Tombstone.mcam';
  const bytes = randomBytes(200 * 1024);
  await add(alice, name, bytes);
  // Same length, other bytes: only the SHA-256 can tell.
  const tampered = Buffer.from(bytes);
  tampered[1000] = (tampered[1000] ?? 0) ^ 0xff;
  const { s3 } = emulatorClients(testEndpoints());
  await s3.send(
    new PutObjectCommand({ Bucket: server.bucket, Key: `blobs/${sha256(bytes)}`, Body: tampered }),
  );

  const result = await bob.run(['get', name]);
  expect(result.code).toBe(1);
  const message = oneErrorLine(result);
  expect(message).toContain(`the download of ${name} version 1 is corrupt`);
  expect(message).toContain(`expected ${bytes.length} bytes with SHA-256 ${sha256(bytes)}`);
  expect(message).toContain('nothing was saved');
  expect(await bob.entries()).toEqual([]);

  // A checkout of it takes the lock but does not hand out the bad bytes either.
  const checkout = await bob.run(['checkout', name, '--json']);
  expect(checkout.code).toBe(1);
  expect(JSON.parse(checkout.stderr)).toMatchObject({ error: { code: 'VERIFICATION_FAILED', exitCode: 1 } });
  expect(await bob.entries()).toEqual([]);
});

test('a download longer than the version stops at the excess and leaves no file', async () => {
  const name = 'corrupt/Longer.mcam';
  const bytes = randomBytes(100 * 1024);
  await add(alice, name, bytes);
  const { s3 } = emulatorClients(testEndpoints());
  await s3.send(
    new PutObjectCommand({
      Bucket: server.bucket,
      Key: `blobs/${sha256(bytes)}`,
      Body: Buffer.concat([bytes, randomBytes(300 * 1024)]),
    }),
  );

  const result = await bob.run(['get', name]);
  expect(result.code).toBe(1);
  expect(oneErrorLine(result)).toContain(
    `storage sent more than the ${bytes.length} bytes of this version; nothing was saved`,
  );
  expect(await bob.entries()).toEqual([]);
});

describe('Ctrl-C during a transfer', () => {
  let proxy: Awaited<ReturnType<typeof startStallingProxy>>;
  beforeEach(async () => {
    proxy = await startStallingProxy(server.url);
  });
  afterEach(() => proxy.close());

  test('in a download leaves no partial file behind', async () => {
    const name = 'interrupt/Fixture Base.mcam';
    await add(alice, name, randomBytes(256 * 1024));

    const { child, done } = bob.spawn(['get', name], { env: { CAMVAULT_URL: proxy.url } });
    await proxy.stalled;
    // Half the bytes are on disk, in a temporary file beside the target.
    await waitFor('a partial file', async () => {
      const entries = await bob.entries();
      return entries.length === 1 && (await stat(bob.path(entries[0] as string))).size > 0;
    });
    child.kill('SIGINT');
    const result = await done;

    expect(result.code).toBe(130);
    expect(oneErrorLine(result)).toContain('interrupted');
    expect(await bob.entries()).toEqual([]);
  });

  test('in a check-in sends no check-in: the lock stays and no version is made', async () => {
    const name = 'interrupt/Soft Jaws.mcam';
    const v1 = randomBytes(64 * 1024);
    await add(alice, name, v1);
    expect((await alice.run(['checkout', name])).code).toBe(0);
    await writeFile(alice.path('Soft Jaws.mcam'), randomBytes(300 * 1024));

    const { child, done } = alice.spawn(['checkin', name, '-m', 'never sent'], {
      env: { CAMVAULT_URL: proxy.url },
    });
    await proxy.stalled;
    child.kill('SIGINT');
    const result = await done;

    expect(result.code).toBe(130);
    expect(oneErrorLine(result)).toContain('nothing was checked in');
    expect(proxy.requests).toContain('POST /uploads');
    expect(proxy.requests.filter((request) => request.includes('/checkin/'))).toEqual([]);
    expect(await alice.json(['info', name])).toMatchObject({ version: 1, lock: { user: 'alice' } });
    expect(await alice.json(['history', name])).toHaveLength(1);

    // The lock and the edits are still there: checking in again completes.
    expect(await alice.json(['checkin', name])).toMatchObject({ version: { version: 2 } });
    expect((await alice.json(['get', name, '--version', '1', '-o', 'v1.mcam'])).downloaded).toBe(true);
    expect(await readFile(alice.path('v1.mcam'))).toEqual(v1);
  });
});
