/**
 * The CLI sending a file in parts: several at once, retried one by one, and resumed by a new process
 * after the first was cut off, sending only what storage does not hold; the check-in then commits
 * exactly the file's bytes. 5 MiB parts (storage's smallest), 8 of them: CAMVAULT_PART_SIZE.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { emulatorClients } from '#infra/local/local-vault';
import { testEndpoints } from '../support/emulators';
import { startTestServer, type TestServer } from '../support/http';
import { type CliUser, loggedInUser, removeUsers, startStallingProxy, waitFor } from './support';

const PART = 5 * 1024 ** 2;
const IN_PARTS = { CAMVAULT_PART_SIZE: String(PART), CAMVAULT_PARALLEL: '8' };

let server: TestServer;
let alice: CliUser;

beforeAll(async () => {
  server = await startTestServer();
  alice = await loggedInUser(server, 'alice');
});
afterAll(async () => {
  await removeUsers([alice]);
  await server.close();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const partSize = (bytes: Buffer, partNumber: number) =>
  Math.min(PART, bytes.length - (partNumber - 1) * PART);
const remembered = async () => readdir(join(alice.configDir, 'uploads')).catch(() => []);

/** A file of version 1 (one small PUT), checked out to alice, with `bytes` as her edit on disk. */
const checkedOutWith = async (name: string, bytes: Buffer) => {
  const local = name.slice(name.lastIndexOf('/') + 1);
  await writeFile(alice.path(local), 'version 1');
  expect((await alice.run(['add', local, name, '--keep'])).code).toBe(0);
  await writeFile(alice.path(local), bytes);
};

test('an upload cut off after 5 of its 8 parts is resumed by a new process that sends only the other 3', async () => {
  const name = 'parts/Mould Base.mcam';
  const bytes = randomBytes(8 * PART - 1234);
  await checkedOutWith(name, bytes);

  const cut = await startStallingProxy(server.url, { passParts: 5 });
  const first = alice.spawn(['checkin', name, '-m', 'new cavity'], {
    env: { CAMVAULT_URL: cut.url, ...IN_PARTS },
  });
  // Eight parts in flight at once: five reach storage, three stall there. Then the process dies.
  await waitFor('5 parts stored and 3 stalled', async () => {
    const { stored, stalled } = cut.parts();
    return stored.length === 5 && stalled === 3;
  });
  first.child.kill('SIGKILL');
  expect((await first.done).signal).toBe('SIGKILL');
  const storedFirst = cut.parts().stored;
  expect(await alice.json(['info', name])).toMatchObject({ version: 1, lock: { user: 'alice' } });
  expect(await remembered()).toHaveLength(1);

  // The same vault URL (this front), now passing and counting every part.
  cut.passAllParts();
  const counter = cut;
  const requestsBefore = counter.requests.length;
  const second = await alice.run(['checkin', name, '-m', 'new cavity', '--json'], {
    env: { CAMVAULT_URL: counter.url, ...IN_PARTS },
  });
  await counter.close();
  counter.requests.splice(0, requestsBefore);
  expect(second.code).toBe(0);
  const missing = [1, 2, 3, 4, 5, 6, 7, 8].filter((n) => !storedFirst.includes(n));
  expect(counter.parts().stored.sort()).toEqual(missing);
  expect(counter.parts().storedBytes).toBe(missing.reduce((sum, n) => sum + partSize(bytes, n), 0));
  // Resumed, not staged again: the vault was asked what it holds, and no new upload was made.
  expect(counter.requests.filter((request) => request === 'POST /uploads')).toEqual([]);
  expect(counter.requests.some((request) => /^GET \/uploads\/[0-9a-f-]+$/.test(request))).toBe(true);

  expect(JSON.parse(second.stdout).version).toMatchObject({
    version: 2,
    sizeBytes: bytes.length,
    sha256: sha256(bytes),
  });
  expect(await remembered()).toEqual([]);
  expect((await alice.run(['get', name, '--version', '2', '-o', 'v2.mcam'])).code).toBe(0);
  expect((await readFile(alice.path('v2.mcam'))).equals(bytes)).toBe(true);
});

test('a part storage fails is sent again, with backoff, and the upload completes', async () => {
  const name = 'parts/Retried.mcam';
  const bytes = randomBytes(3 * PART + 10);
  await checkedOutWith(name, bytes);
  const flaky = await startStallingProxy(server.url, { failParts: 2 });
  const result = await alice.run(['checkin', name, '--json'], {
    env: { CAMVAULT_URL: flaky.url, ...IN_PARTS },
  });
  await flaky.close();
  expect(result.code).toBe(0);
  expect(flaky.parts()).toMatchObject({ failed: 2, stored: expect.arrayContaining([1, 2, 3, 4]) });
  expect(flaky.parts().stored).toHaveLength(4);
  expect(JSON.parse(result.stdout).version.sha256).toBe(sha256(bytes));
});

test('a new file added in parts: the vault holds exactly its bytes', async () => {
  const bytes = randomBytes(2 * PART + 1);
  await writeFile(alice.path('Added In Parts.mcam'), bytes);
  const added = await alice.run(['add', 'Added In Parts.mcam', 'parts/Added In Parts.mcam', '--json'], {
    env: IN_PARTS,
  });
  expect(added.code).toBe(0);
  expect(JSON.parse(added.stdout).version).toMatchObject({ version: 1, sha256: sha256(bytes) });
  expect((await server.as('bob').downloadBytes('parts/Added In Parts.mcam')).equals(bytes)).toBe(true);
});

test('a large download goes in ranges at once and is verified whole: bytes altered in storage fail it, and leave no file', async () => {
  const name = 'parts/Ranged.mcam';
  const bytes = randomBytes(3 * 8 * 1024 ** 2 + 99);
  await writeFile(alice.path('Ranged source.mcam'), bytes);
  expect((await alice.run(['add', 'Ranged source.mcam', name], { env: IN_PARTS })).code).toBe(0);
  const got = await alice.run(['get', name, '-o', 'ranged copy.mcam'], { env: { CAMVAULT_PARALLEL: '4' } });
  expect({ code: got.code, stderr: got.stderr }).toEqual({ code: 0, stderr: '' });
  expect((await readFile(alice.path('ranged copy.mcam'))).equals(bytes)).toBe(true);

  const tampered = Buffer.from(bytes);
  tampered[20 * 1024 ** 2] = (tampered[20 * 1024 ** 2] ?? 0) ^ 0xff;
  const { s3 } = emulatorClients(testEndpoints());
  await s3.send(
    new PutObjectCommand({ Bucket: server.bucket, Key: `blobs/${sha256(bytes)}`, Body: tampered }),
  );
  const before = await alice.entries();
  const corrupt = await alice.run(['get', name, '-o', 'corrupt copy.mcam', '--json'], {
    env: { CAMVAULT_PARALLEL: '4' },
  });
  expect(corrupt.code).toBe(1);
  expect(JSON.parse(corrupt.stderr)).toMatchObject({ error: { code: 'VERIFICATION_FAILED' } });
  expect(await alice.entries()).toEqual(before);
});
