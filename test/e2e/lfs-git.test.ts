/**
 * The vault as a Git LFS server for the real `git` and `git-lfs` (Debian's git-lfs 3.3; .ci/run
 * installs it): two clones of a local bare repository, each with `lfs.url` at the vault and a
 * credential helper that hands Git its user's token as the Basic password. Git objects go to the
 * bare repository, LFS objects and locks to the vault.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex, startTestServer, type TestServer } from '../support/http';
import { subscribeQueue } from '../support/queues';

let server: TestServer;
let root: string;
const REPO = 'cam/fixtures';
let lfsUrl: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'camvault-git-'));
  const checkpointFile = join(root, 'checkpoint.json');
  server = await startTestServer({}, { notifications: { checkpointFile } });
  lfsUrl = `${server.url}/lfs/${REPO}`;
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  output: string;
}

/** `git` as a child process (never a synchronous one: the vault answers from this very process). */
const git = (cwd: string, ...args: string[]): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: {
        PATH: process.env.PATH,
        // Nothing of this machine's Git configuration: each clone says all it needs.
        HOME: root,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_TERMINAL_PROMPT: '0',
        LC_ALL: 'C',
      },
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    // A client stuck on a prompt or a retry loop fails the test instead of hanging it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });

/** `git` that must succeed. */
const ok = async (cwd: string, ...args: string[]): Promise<string> => {
  const run = await git(cwd, ...args);
  if (run.code !== 0) throw new Error(`git ${args.join(' ')} exited ${run.code}:\n${run.output}`);
  return run.output;
};

/** A clone for `user`: its credential helper prints the user's token as the password, for `get` only. */
const cloneAs = async (user: string, token: string): Promise<string> => {
  const helper = join(root, `credential-${user}.sh`);
  writeFileSync(
    helper,
    `#!/bin/sh\ncat >/dev/null\n[ "$1" = get ] && printf 'username=%s\\npassword=%s\\n' '${user}' '${token}'\nexit 0\n`,
  );
  chmodSync(helper, 0o755);
  const clone = join(root, user);
  await ok(root, 'clone', '--quiet', join(root, 'origin.git'), clone);
  for (const [key, value] of [
    ['user.name', user],
    ['user.email', `${user}@example.com`],
    ['lfs.url', lfsUrl],
    ['credential.helper', helper],
  ])
    await ok(clone, 'config', key as string, value as string);
  await ok(clone, 'lfs', 'install', '--local');
  return clone;
};

const file = 'parts/Plate A.mcam';
const first = randomBytes(200_000);

let ana: string;
let bob: string;

test('one pushes an LFS file, the other pulls it: bytes verified by git lfs fsck, stored by their SHA-256', async () => {
  await ok(root, 'init', '--quiet', '--bare', '--initial-branch=main', join(root, 'origin.git'));
  ana = await cloneAs('ana', server.tokenFor('ana'));
  await ok(ana, 'checkout', '--quiet', '-b', 'main');
  await ok(ana, 'lfs', 'track', '--lockable', '*.mcam');
  mkdirSync(join(ana, 'parts'));
  writeFileSync(join(ana, file), first);
  await ok(ana, 'add', '.gitattributes', file);
  await ok(ana, 'commit', '--quiet', '-m', 'first cut');
  const pushed = await git(ana, 'push', 'origin', 'main');
  expect(pushed).toMatchObject({ code: 0 });
  // The bytes went to the vault, by their SHA-256; the bare repository holds only the pointer.
  const pointer = await ok(ana, 'show', `HEAD:${file}`);
  expect(pointer).toContain(`oid sha256:${sha256Hex(first)}`);
  expect(pointer).toContain(`size ${first.length}`);

  bob = await cloneAs('bob', server.tokenFor('bob'));
  // Cloned before LFS was set up in it: the work tree holds the pointer until `git lfs pull`.
  expect(readFileSync(join(bob, file), 'utf8')).toContain('git-lfs.github.com/spec/v1');
  await ok(bob, 'lfs', 'pull');
  expect(readFileSync(join(bob, file)).equals(first)).toBe(true);
  expect(await ok(bob, 'lfs', 'fsck')).toContain('Git LFS fsck OK');
});

test('git lfs lock: the other is refused with the holder named; locks --verify tells ours from theirs; the vault shows and tells it', async () => {
  const queue = await subscribeQueue(server.topicArn as string, { folder: [`lfs/${REPO}/parts/`] });
  expect(await ok(ana, 'lfs', 'lock', file)).toContain(`Locked ${file}`);
  const refused = await git(bob, 'lfs', 'lock', file);
  expect(refused.code).not.toBe(0);
  expect(refused.output).toMatch(/locked by ana/);

  const [lock] = (await server.as('carol').get('/locks')).body.locks.filter(
    (held: any) => held.lfsRepo === REPO,
  );
  expect(lock).toMatchObject({ name: file, lfsRepo: REPO, user: 'ana', message: '' });
  expect(await ok(ana, 'lfs', 'locks', '--verify')).toMatch(
    new RegExp(`^O ${file}\\s+ana\\s+ID:${lock.lockId}$`, 'm'),
  );
  expect(await ok(bob, 'lfs', 'locks', '--verify')).toMatch(
    // git-lfs marks the caller's own with `O` and pads everyone else's with blanks.
    new RegExp(`^  ${file}\\s+ana\\s+ID:${lock.lockId}$`, 'm'),
  );
  expect(await ok(bob, 'lfs', 'locks')).toMatch(new RegExp(`^${file}\\s+ana\\s+ID:${lock.lockId}$`, 'm'));

  const [event] = await queue.receive(1);
  expect(event?.body).toMatchObject({
    type: 'FileCheckedOut',
    name: `lfs/${REPO}/${file}`,
    user: 'ana',
    lockId: lock.lockId,
  });
});

test('with lfs.locksverify true, a push of a file someone else holds is refused, and goes through once the lock is gone', async () => {
  await ok(bob, 'config', `lfs.${lfsUrl}.locksverify`, 'true');
  // A lockable file is read-only in the work tree of anyone who does not hold it.
  chmodSync(join(bob, file), 0o644);
  writeFileSync(join(bob, file), randomBytes(1000));
  await ok(bob, 'commit', '--quiet', '-am', 'bob edits a file ana holds');
  const refused = await git(bob, 'push', 'origin', 'main');
  expect(refused.code).not.toBe(0);
  expect(refused.output).toMatch(/Cannot update locked files|locked by ana/i);
  expect(refused.output).toContain(file);
  // Nothing reached the bare repository either.
  expect((await ok(ana, 'ls-remote', 'origin', 'main')).split('\t')[0]).toBe(
    (await ok(ana, 'rev-parse', 'HEAD')).trim(),
  );
});

test('unlock: refused to another user without --force and to a non-admin with it; the owner and an admin may', async () => {
  const unforced = await git(bob, 'lfs', 'unlock', file);
  expect(unforced.code).not.toBe(0);
  expect(unforced.output).toMatch(/ana/);
  const notAdmin = await git(bob, 'lfs', 'unlock', '--force', file);
  expect(notAdmin.code).not.toBe(0);
  expect(notAdmin.output).toMatch(/admins/);
  expect((await ok(bob, 'lfs', 'locks')).trim()).not.toBe('');

  expect(await ok(ana, 'lfs', 'unlock', file)).toContain(`Unlocked ${file}`);
  expect(await ok(ana, 'lfs', 'lock', file)).toContain(`Locked ${file}`);
  const boss = await cloneAs('boss', server.tokenFor('boss', true));
  expect(await ok(boss, 'lfs', 'unlock', '--force', file)).toContain(`Unlocked ${file}`);
  expect((await ok(bob, 'lfs', 'locks')).trim()).toBe('');
  const entries = (await server.as('boss', { admin: true }).get('/audit?limit=100')).body.entries
    .filter((entry: any) => entry.name === `lfs/${REPO}/${file}`)
    .map((entry: any) => [entry.type, entry.user]);
  expect(entries).toEqual([
    ['LockBroken', 'boss'],
    ['FileCheckedOut', 'ana'],
    ['LockReleased', 'ana'],
    ['FileCheckedOut', 'ana'],
  ]);

  // Nobody holds it now: bob's refused push goes through, and ana pulls his bytes.
  expect(await git(bob, 'push', 'origin', 'main')).toMatchObject({ code: 0 });
  await ok(ana, 'pull', '--quiet', 'origin', 'main');
  expect(readFileSync(join(ana, file)).equals(readFileSync(join(bob, file)))).toBe(true);
  expect(await ok(ana, 'lfs', 'fsck')).toContain('Git LFS fsck OK');
});
