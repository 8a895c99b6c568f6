import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { startTestServer, type TestServer } from '../support/http';
import {
  type CliUser,
  isOwnerWritable,
  isReadOnly,
  loggedInUser,
  oneErrorLine,
  removeUsers,
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

test('the life of a file between two programmers, through the camvault command', async () => {
  const name = 'fixtures/Plate A.mcam';
  const local = 'Plate A.mcam';
  const v1 = randomBytes(96 * 1024);
  const v2 = Buffer.concat([v1, Buffer.from('finishing pass added')]);
  const v3 = randomBytes(10 * 1024);

  // alice adds a new file: version 1; her source file becomes read-only (the vault has it now).
  await writeFile(alice.path('incoming.mcam'), v1);
  const added = await alice.run(['add', 'incoming.mcam', name, '-m', 'first cut']);
  expect(added).toMatchObject({ code: 0, stderr: '' });
  expect(added.stdout).toContain(`added ${name} as version 1`);
  expect(await isReadOnly(alice.path('incoming.mcam'))).toBe(true);

  // bob sees it, by prefix too (case-insensitively), and it is available.
  const listed = await bob.run(['ls']);
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/NAME\s+VERSION\s+SIZE\s+MODIFIED\s+STATUS\s+HOLDER/);
  expect(listed.stdout).toMatch(/fixtures\/Plate A\.mcam\s+1\s+96 KiB\s+\S+ \S+\s+available/);
  expect(await bob.json(['ls', 'FIXTURES/'])).toEqual([
    expect.objectContaining({ name, version: 1, sizeBytes: v1.length, status: 'available', lock: null }),
  ]);
  expect(await bob.json(['ls', 'other/'])).toEqual([]);

  // alice checks it out: the latest bytes land in her working directory, writable.
  const checkedOut = await alice.run(['checkout', name, '-m', 'new roughing toolpath']);
  expect(checkedOut.code).toBe(0);
  expect(checkedOut.stdout).toContain(`checked out ${name}`);
  expect(await readFile(alice.path(local))).toEqual(v1);
  expect(await isOwnerWritable(alice.path(local))).toBe(true);

  // bob cannot: exit 3, one line naming alice, and nothing written to his directory.
  const refused = await bob.run(['checkout', name]);
  expect(refused.code).toBe(3);
  expect(refused.stdout).toBe('');
  expect(oneErrorLine(refused)).toMatch(
    /Plate A\.mcam is checked out by alice since .*"new roughing toolpath"/,
  );
  expect(await bob.entries()).toEqual([]);

  // Who has what.
  const locks = await bob.run(['locks']);
  expect(locks.stdout).toMatch(/fixtures\/Plate A\.mcam\s+alice\s+\S+ \S+\s+new roughing toolpath/);
  expect(await bob.json(['locks', '--user', 'alice'])).toEqual([
    expect.objectContaining({ name, user: 'alice', message: 'new roughing toolpath' }),
  ]);
  expect(await bob.json(['locks', '--user', 'bob'])).toEqual([]);
  expect((await alice.json(['ls', '--mine'])).map((file: { name: string }) => file.name)).toEqual([name]);
  expect(await bob.json(['ls', '--mine'])).toEqual([]);
  expect((await bob.run(['ls', '--mine'])).stdout).toBe('no files\n');
  expect(await bob.json(['ls', '--status', 'checked_out'])).toEqual([
    expect.objectContaining({
      name,
      status: 'checked_out',
      lock: expect.objectContaining({ user: 'alice' }),
    }),
  ]);
  expect(await bob.json(['ls', '--status', 'available'])).toEqual([]);

  // alice edits and checks in: version 2, lock released, her copy read-only again.
  await writeFile(alice.path(local), v2);
  const checkedIn = await alice.run(['checkin', name, '-m', 'finishing pass']);
  expect(checkedIn.code).toBe(0);
  expect(checkedIn.stdout).toContain(`checked in ${name} as version 2`);
  expect(await isReadOnly(alice.path(local))).toBe(true);
  expect(await alice.json(['info', name])).toMatchObject({
    version: 2,
    sizeBytes: v2.length,
    status: 'available',
    lock: null,
    modifiedBy: 'alice',
  });

  // History, newest first.
  const history = await bob.json(['history', name]);
  expect(history.map((version: { version: number; user: string; message: string }) => version)).toEqual([
    expect.objectContaining({ version: 2, user: 'alice', message: 'finishing pass', sizeBytes: v2.length }),
    expect.objectContaining({ version: 1, user: 'alice', message: 'first cut', sizeBytes: v1.length }),
  ]);
  expect((await bob.run(['history', name])).stdout).toMatch(
    /^VERSION.*\n2\s.*finishing pass\n1\s.*first cut\n$/,
  );

  // bob gets the latest and the old version: verified bytes, read-only (he holds no lock).
  expect((await bob.run(['get', name])).code).toBe(0);
  expect(await readFile(bob.path(local))).toEqual(v2);
  expect(await isReadOnly(bob.path(local))).toBe(true);
  const old = await bob.json(['get', name, '--version', '1', '-o', 'old.mcam']);
  expect(old).toMatchObject({
    name,
    version: 1,
    path: bob.path('old.mcam'),
    downloaded: true,
    writable: false,
  });
  expect(await readFile(bob.path('old.mcam'))).toEqual(v1);
  expect(await isReadOnly(bob.path('old.mcam'))).toBe(true);

  // Now bob checks it out: his read-only copy is already the latest, so it is only made writable.
  const bobsCheckout = await bob.json(['checkout', name, '-m', 'fixture holes']);
  expect(bobsCheckout).toMatchObject({ created: true, downloaded: false, lock: { user: 'bob' } });
  expect(await isOwnerWritable(bob.path(local))).toBe(true);

  // A `get` while holding the lock leaves the copy writable.
  expect(await bob.json(['get', name])).toMatchObject({ writable: true, downloaded: false });
  expect(await isOwnerWritable(bob.path(local))).toBe(true);

  // --keep: a new version, and the lock (and writability) stay with bob.
  await writeFile(bob.path(local), v3);
  const kept = await bob.json(['checkin', name, '--keep', '-m', 'holes drilled']);
  expect(kept).toMatchObject({ changed: true, version: { version: 3, user: 'bob' } });
  expect(await isOwnerWritable(bob.path(local))).toBe(true);
  expect(await alice.json(['info', name])).toMatchObject({ version: 3, lock: { user: 'bob' } });
  // alice's stale read-only copy is replaced by a plain `get`.
  expect((await alice.run(['get', name])).code).toBe(0);
  expect(await readFile(alice.path(local))).toEqual(v3);
});
