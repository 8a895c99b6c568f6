import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/http';
import { type CliUser, isOwnerWritable, isReadOnly, loggedInUser, removeUsers, spawnCli } from './support';

let server: TestServer;
let alice: CliUser;
let bob: CliUser;
const original = new Map<string, Buffer>();

const FOLDERS = 10;
const PER_FOLDER = 5;
const nameOf = (folder: number, part: number) => `job${folder}/part-${part}.mcam`;

/** `camvault status --json` as code and name per line. */
const statusOf = async (user: CliUser, path?: string) => {
  const status = await user.json<{ entries: { code: string; name: string; movedTo: string | null }[] }>(
    path ? ['status', path] : ['status'],
  );
  return Object.fromEntries(status.entries.map((entry) => [entry.name, entry.code]));
};

beforeAll(async () => {
  server = await startTestServer();
  alice = await loggedInUser(server, 'alice');
  bob = await loggedInUser(server, 'bob');
  const carol = server.as('carol');
  const work: Promise<unknown>[] = [];
  for (let folder = 0; folder < FOLDERS; folder++) {
    for (let part = 0; part < PER_FOLDER; part++) {
      const bytes = randomBytes(2048 + folder * 100 + part);
      original.set(nameOf(folder, part), bytes);
      work.push(carol.commit(nameOf(folder, part), bytes));
    }
  }
  await Promise.all(work);
});
afterAll(async () => {
  await removeUsers([alice, bob]);
  await server.close();
});

test('two programmers in their workspaces: sync, status, check-out and check-in by path, mv, rm, restore', async () => {
  // Both make their working directories workspaces of the whole vault and get the latest.
  expect((await alice.run(['init', '--url', server.url])).code).toBe(0);
  expect((await bob.run(['init'])).code).toBe(0);
  const nested = await alice.run(['init']);
  expect(nested.code).toBe(2);
  expect(nested.stderr).toContain('workspace already');

  const first = await alice.run(['sync', '--json']);
  expect(first.code).toBe(0);
  // Nothing else on stderr either: 50 downloads (and their links, asked ahead) share one Ctrl-C signal.
  expect(first.stderr).toBe('');
  const synced = JSON.parse(first.stdout);
  expect(synced.downloaded).toHaveLength(FOLDERS * PER_FOLDER);
  for (const [name, bytes] of original) expect(await readFile(alice.path(name))).toEqual(bytes);
  expect(await isReadOnly(alice.path(nameOf(3, 2)))).toBe(true);
  expect((await bob.json(['sync'])).downloaded).toHaveLength(FOLDERS * PER_FOLDER);
  expect(await statusOf(alice)).toEqual({});
  expect((await alice.run(['status'])).stdout).toContain('up to date: 50 files');
  expect((await alice.json(['sync'])).downloaded).toEqual([]);

  // alice checks out by a path relative to a sub-folder, edits, and status says so.
  const inJob1 = (args: string[]) =>
    spawnCli(args, { cwd: alice.path('job1'), env: { CAMVAULT_CONFIG_DIR: alice.configDir } }).done;
  expect((await inJob1(['checkout', 'part-1.mcam', '-m', 'finishing'])).code).toBe(0);
  expect(await isOwnerWritable(alice.path(nameOf(1, 1)))).toBe(true);
  const edited = Buffer.concat([original.get(nameOf(1, 1)) as Buffer, Buffer.from('finishing pass')]);
  await writeFile(alice.path(nameOf(1, 1)), edited);
  expect(await statusOf(alice)).toEqual({ [nameOf(1, 1)]: 'M K' });
  expect((await inJob1(['status', '.'])).stdout).toMatch(
    /^M K part-1\.mcam {2}\(modified locally; checked out by you\)$/m,
  );

  // She checks it in by path: version 2, read-only again; her status is clean.
  const checkedIn = await inJob1(['checkin', 'part-1.mcam', '-m', 'finishing pass']);
  expect(checkedIn.code).toBe(0);
  expect(checkedIn.stdout).toContain('as version 2');
  expect(await isReadOnly(alice.path(nameOf(1, 1)))).toBe(true);
  expect(await statusOf(alice)).toEqual({});

  // bob sees it out of date, and a file alice holds.
  expect((await alice.run(['checkout', join('job2', 'part-2.mcam')])).code).toBe(0);
  expect(await statusOf(bob)).toEqual({ [nameOf(1, 1)]: ' > ', [nameOf(2, 2)]: '  L' });
  expect((await bob.run(['status', 'job1'])).stdout).toContain(
    'job1/part-1.mcam  (out of date: version 2 in the vault, you have 1)',
  );

  // bob had edited that file himself (made it writable): sync fetches nothing over it, exit 3.
  const bobsPath = bob.path(nameOf(1, 1));
  await chmod(bobsPath, 0o644);
  await writeFile(bobsPath, 'bob was here');
  expect(await statusOf(bob, 'job1')).toEqual({ [nameOf(1, 1)]: 'M> ' });
  // Meanwhile alice checks in another file, which bob has not touched.
  expect((await alice.run(['checkout', nameOf(5, 0)])).code).toBe(0);
  const fiveV2 = randomBytes(3000);
  await writeFile(alice.path(nameOf(5, 0)), fiveV2);
  expect((await alice.run(['checkin', nameOf(5, 0), '-m', 'new roughing'])).code).toBe(0);
  expect(await statusOf(bob, 'job5')).toEqual({ [nameOf(5, 0)]: ' > ' });
  const refused = await bob.run(['sync']);
  expect(refused.code).toBe(3);
  expect(refused.stderr).toContain('job1/part-1.mcam has local changes');
  expect(refused.stderr).toContain('camvault get --force job1/part-1.mcam');
  expect(refused.stderr).toContain('1 downloaded');
  expect(await readFile(bobsPath, 'utf8')).toBe('bob was here');
  // The refusal held back only that file: the other one is there, verified and read-only.
  expect(await readFile(bob.path(nameOf(5, 0)))).toEqual(fiveV2);
  expect(await isReadOnly(bob.path(nameOf(5, 0)))).toBe(true);
  expect((await bob.run(['get', '--force', nameOf(1, 1)])).code).toBe(0);
  expect(await readFile(bobsPath)).toEqual(edited);
  expect(await statusOf(bob)).toEqual({ [nameOf(2, 2)]: '  L' });

  // alice moves one file and deletes another; bob's status and sync follow.
  expect((await alice.run(['checkout', nameOf(3, 3)])).code).toBe(0);
  const moved = await alice.run(['mv', nameOf(3, 3), 'job9/renamed.mcam', '-m', 'belongs to job 9']);
  expect(moved.code).toBe(0);
  expect(await readFile(alice.path('job9/renamed.mcam'))).toEqual(original.get(nameOf(3, 3)));
  await expect(stat(alice.path(nameOf(3, 3)))).rejects.toThrow();
  expect((await alice.run(['checkin', 'job9/renamed.mcam'])).code).toBe(0);
  expect((await alice.run(['checkout', nameOf(4, 4)])).code).toBe(0);
  const removed = await alice.run(['rm', nameOf(4, 4), '-m', 'obsolete']);
  expect(removed.code).toBe(0);
  await expect(stat(alice.path(nameOf(4, 4)))).rejects.toThrow();

  expect(await statusOf(bob)).toEqual({
    [nameOf(2, 2)]: '  L',
    [nameOf(3, 3)]: ' R ',
    [nameOf(4, 4)]: ' D ',
  });
  const followed = await bob.json(['sync']);
  expect(followed).toMatchObject({
    moved: [{ from: nameOf(3, 3), to: 'job9/renamed.mcam' }],
    removed: [nameOf(4, 4)],
  });
  expect(await readFile(bob.path('job9/renamed.mcam'))).toEqual(original.get(nameOf(3, 3)));
  await expect(stat(bob.path(nameOf(4, 4)))).rejects.toThrow();
  await expect(stat(bob.path(nameOf(3, 3)))).rejects.toThrow();

  // alice restores the deleted file; bob's sync brings it back.
  const restored = await alice.run(['restore', nameOf(4, 4)]);
  expect(restored.code).toBe(0);
  expect(await statusOf(bob, 'job4')).toEqual({ [nameOf(4, 4)]: ' + ' });
  expect((await bob.json(['sync', 'job4'])).downloaded).toEqual([nameOf(4, 4)]);
  expect(await readFile(bob.path(nameOf(4, 4)))).toEqual(original.get(nameOf(4, 4)));

  // A new local file is '??' until it is added; then alice's sync gets it.
  await mkdir(bob.path('job10'));
  await writeFile(bob.path('job10/new.mcam'), 'fresh');
  expect(await statusOf(bob, 'job10')).toEqual({ 'job10/new.mcam': '?? ' });
  expect((await bob.run(['add', 'job10/new.mcam'])).code).toBe(0);
  expect(await statusOf(bob, 'job10')).toEqual({});
  // alice's sync gets it, and the file she restored (her rm had removed her copy).
  expect((await alice.json(['sync'])).downloaded).toEqual(['job10/new.mcam', nameOf(4, 4)]);
  expect(await readFile(alice.path('job10/new.mcam'), 'utf8')).toBe('fresh');
  expect(await readFile(alice.path(nameOf(4, 4)))).toEqual(original.get(nameOf(4, 4)));
  expect(await statusOf(alice)).toEqual({ [nameOf(2, 2)]: '  K' });
  expect(await statusOf(bob)).toEqual({ [nameOf(2, 2)]: '  L' });
});

test('mv into a folder named with a trailing /, as a path or a vault name, from a sub-folder too: the local copy goes with it', async () => {
  const dave = await loggedInUser(server, 'dave');
  const bytes = original.get(nameOf(7, 0));
  try {
    expect((await dave.run(['init', 'job7/'])).code).toBe(0);
    expect((await dave.json(['sync'])).downloaded).toHaveLength(PER_FOLDER);
    await mkdir(dave.path('old'));
    expect((await dave.run(['checkout', 'part-0.mcam'])).code).toBe(0);
    const inOld = (args: string[]) =>
      spawnCli(args, { cwd: dave.path('old'), env: { CAMVAULT_CONFIG_DIR: dave.configDir } }).done;

    // Into a local folder from the top, then back up from inside it: '../' once named no file (exit 2).
    expect(await dave.json(['mv', 'part-0.mcam', 'old/'])).toMatchObject({
      file: { name: 'job7/old/part-0.mcam' },
      path: dave.path('old/part-0.mcam'),
    });
    expect(await readFile(dave.path('old/part-0.mcam'))).toEqual(bytes);
    await expect(stat(dave.path('part-0.mcam'))).rejects.toThrow();
    expect((await inOld(['mv', 'part-0.mcam', '../'])).code).toBe(0);
    expect(await readFile(dave.path('part-0.mcam'))).toEqual(bytes);

    // The folder as the vault names it, from the sub-folder: once "job7/old/ is a folder, not a file".
    const byName = await inOld(['mv', '../part-0.mcam', 'job7/old/']);
    expect({ code: byName.code, stderr: byName.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await readFile(dave.path('old/part-0.mcam'))).toEqual(bytes);

    // A vault folder that does not exist yet.
    expect((await dave.run(['mv', 'old/part-0.mcam', 'cells/2/'])).code).toBe(0);
    expect(await readFile(dave.path('cells/2/part-0.mcam'))).toEqual(bytes);
    expect((await dave.json(['info', 'job7/cells/2/part-0.mcam'])).lock.user).toBe('dave');
    expect(await statusOf(dave)).toEqual({ 'job7/cells/2/part-0.mcam': '  K' });
  } finally {
    await removeUsers([dave]);
  }
});
