/**
 * A rename that changes only case (`camvault mv parts/plate.mcam parts/Plate.mcam`): names are unique
 * case-insensitively, so the vault keeps the file and shows the new spelling; the mover's local copy
 * and another workspace's (at its next sync) take the new spelling too. This machine's file system is
 * case-sensitive: the temporary name a case-only rename goes through (for Windows and macOS, where
 * both spellings are one file) runs here, but a case-insensitive file system cannot be tried.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { encodeName, startTestServer, type TestServer } from '../support/http';
import { type CliUser, isReadOnly, loggedInUser, removeUsers } from './support';

const OLD = 'parts/plate.mcam';
const NEW = 'parts/Plate.mcam';
const OTHER = 'parts/other.mcam';
const bytes = randomBytes(4096);

let server: TestServer;
let alice: CliUser;
let bob: CliUser;

const statusOf = async (user: CliUser) => {
  const status = await user.json<{ entries: { code: string; name: string; movedTo: string | null }[] }>([
    'status',
  ]);
  return Object.fromEntries(
    status.entries.map((entry) => [entry.name, `${entry.code}${entry.movedTo ?? ''}`]),
  );
};

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob] = await Promise.all([loggedInUser(server, 'alice'), loggedInUser(server, 'bob')]);
  const carol = server.as('carol');
  await carol.commit(OLD, bytes);
  await carol.commit(OTHER, Buffer.from('other'));
  for (const user of [alice, bob]) {
    expect((await user.run(['init'])).code).toBe(0);
    expect((await user.json(['sync'])).downloaded).toHaveLength(2);
  }
});
afterAll(async () => {
  await removeUsers([alice, bob]);
  await server.close();
});

test('mv to another case renames the file in the vault and on disk, and the other workspace follows', async () => {
  expect((await alice.run(['checkout', OLD])).code).toBe(0);
  const moved = await alice.json<{ file: { name: string }; path: string }>(['mv', OLD, NEW]);
  expect(moved.file.name).toBe(NEW);
  expect(moved.path).toBe(alice.path(NEW));
  // One file, under the new spelling only; no temporary name left behind.
  expect((await readdir(alice.path('parts'))).sort()).toEqual(['Plate.mcam', 'other.mcam']);
  expect(await readFile(alice.path(NEW))).toEqual(bytes);
  const inVault = await server.as('carol').get(`/files/${encodeName(OLD)}`);
  expect(inVault.body).toMatchObject({ name: NEW, version: 1, lock: { user: 'alice' } });
  expect(await statusOf(alice)).toEqual({ [NEW]: '  K' });
  expect((await alice.run(['checkin', NEW])).code).toBe(0);
  expect(await statusOf(alice)).toEqual({});
  expect(await isReadOnly(alice.path(NEW))).toBe(true);

  // bob's workspace still has the old spelling: status calls it a move, and sync renames his copy.
  expect(await statusOf(bob)).toEqual({ [OLD]: ` R ${NEW}` });
  const synced = await bob.json(['sync']);
  expect(synced).toMatchObject({ downloaded: [], moved: [{ from: OLD, to: NEW }], removed: [] });
  expect((await readdir(bob.path('parts'))).sort()).toEqual(['Plate.mcam', 'other.mcam']);
  expect(await readFile(bob.path(NEW))).toEqual(bytes);
  expect(await isReadOnly(bob.path(NEW))).toBe(true);
  expect(await statusOf(bob)).toEqual({});
  expect((await bob.run(['status'])).stdout).toContain('up to date: 2 files');
});
