import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/http';
import {
  CliUser,
  isOwnerWritable,
  isReadOnly,
  loggedInUser,
  oneErrorLine,
  removeUsers,
  temporaryDirectory,
} from './support';

let server: TestServer;
let alice: CliUser;
let bob: CliUser;
let carol: CliUser;
let stranger: CliUser;

beforeAll(async () => {
  server = await startTestServer();
  alice = await loggedInUser(server, 'alice');
  bob = await loggedInUser(server, 'bob');
  carol = await loggedInUser(server, 'carol', true);
  // Never logged in: an empty config directory.
  stranger = new CliUser(
    'stranger',
    '',
    await temporaryDirectory('stranger-config'),
    await temporaryDirectory('stranger'),
  );
});
afterAll(async () => {
  await removeUsers([alice, bob, carol, stranger]);
  await server.close();
});

/** A new file in the vault, added by `user` through the CLI from a file in their working directory. */
const addFile = async (user: CliUser, name: string, bytes = randomBytes(4096)) => {
  const source = `source-${randomBytes(4).toString('hex')}.mcam`;
  await writeFile(user.path(source), bytes);
  const added = await user.run(['add', source, name]);
  if (added.code !== 0) throw new Error(`add ${name}: ${added.stderr}`);
  return bytes;
};

describe('login and configuration', () => {
  test('login stores the URL and token owner-only; a bad token is refused and not stored', async () => {
    const config = await stat(alice.configDir);
    expect(config.mode & 0o777).toBe(0o700);
    const file = join(alice.configDir, 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ url: server.url, token: alice.token });

    const refused = await stranger.run(['login', '--url', server.url, '--token', 'not-a-token']);
    expect(refused.code).toBe(5);
    expect(oneErrorLine(refused)).toContain('refused your token');
    await expect(stat(join(stranger.configDir, 'config.json'))).rejects.toThrow('ENOENT');
  });

  test('login reads the token from standard input and reports who you are', async () => {
    const user = new CliUser(
      'dave',
      '',
      await temporaryDirectory('dave-config'),
      await temporaryDirectory('dave'),
    );
    try {
      const login = await user.run(['login', '--url', `${server.url}/`, '--json'], {
        input: `${server.tokenFor('dave')}\n`,
      });
      expect(login.code).toBe(0);
      expect(JSON.parse(login.stdout)).toEqual({
        url: server.url,
        user: 'dave',
        configFile: join(user.configDir, 'config.json'),
      });
      expect((await user.run(['locks'])).code).toBe(0);
    } finally {
      await removeUsers([user]);
    }
  });

  test('CAMVAULT_URL and CAMVAULT_TOKEN work without a login and override it; --token overrides both', async () => {
    const fromEnvironment = await stranger.run(['locks', '--json'], {
      env: { CAMVAULT_URL: server.url, CAMVAULT_TOKEN: server.tokenFor('erin') },
    });
    expect(fromEnvironment.code).toBe(0);
    expect(JSON.parse(fromEnvironment.stdout)).toEqual([]);

    const overridden = await alice.run(['ls'], { env: { CAMVAULT_TOKEN: 'bad.token.here' } });
    expect(overridden.code).toBe(5);
    const flag = await alice.run(['ls', '--token', server.tokenFor('alice')], {
      env: { CAMVAULT_TOKEN: 'bad.token.here' },
    });
    expect(flag.code).toBe(0);
    const wrongUrl = await alice.run(['ls'], { env: { CAMVAULT_URL: 'http://127.0.0.1:1' } });
    expect(wrongUrl.code).toBe(1);
    expect(oneErrorLine(wrongUrl)).toContain('cannot reach the vault at http://127.0.0.1:1');
  });
});

describe('checkin', () => {
  test('with no local change releases the lock without a new version', async () => {
    const name = 'unchanged/Bracket.mcam';
    const bytes = await addFile(alice, name);
    expect((await alice.run(['checkout', name])).code).toBe(0);

    // --keep with nothing changed: nothing to do, the lock stays.
    expect(await alice.json(['checkin', name, '--keep'])).toMatchObject({ changed: false, version: null });
    expect(await alice.json(['info', name])).toMatchObject({ version: 1, lock: { user: 'alice' } });

    const released = await alice.run(['checkin', name, '-m', 'looked, no change']);
    expect(released.code).toBe(0);
    expect(released.stdout).toContain('without a new version');
    expect(await alice.json(['info', name])).toMatchObject({ version: 1, status: 'available', lock: null });
    expect(await alice.json(['history', name])).toHaveLength(1);
    expect(await isReadOnly(alice.path('Bracket.mcam'))).toBe(true);
    expect(await readFile(alice.path('Bracket.mcam'))).toEqual(bytes);
  });

  test('takes the local file from PATH when given', async () => {
    const name = 'paths/Vise Jaw.mcam';
    await addFile(alice, name);
    expect((await alice.run(['checkout', name, '-o', 'elsewhere.mcam'])).code).toBe(0);
    await writeFile(alice.path('elsewhere.mcam'), 'new jaw profile');
    const result = await alice.json(['checkin', name, 'elsewhere.mcam']);
    expect(result).toMatchObject({ changed: true, version: { version: 2, sizeBytes: 15 } });
  });
});

describe('local changes are never thrown away', () => {
  test('checkout keeps the edits of a copy you already hold; get refuses to overwrite them without --force', async () => {
    const name = 'edits/Fixture Plate.mcam';
    const original = await addFile(alice, name);
    expect((await alice.run(['checkout', name])).code).toBe(0);
    await writeFile(alice.path('Fixture Plate.mcam'), 'half-done edits');

    const again = await alice.json(['checkout', name]);
    expect(again).toMatchObject({ created: false, keptLocalChanges: true, downloaded: false });
    const get = await alice.run(['get', name]);
    expect(get.code).toBe(3);
    expect(oneErrorLine(get)).toContain('has local changes');
    expect(await readFile(alice.path('Fixture Plate.mcam'), 'utf8')).toBe('half-done edits');

    expect((await alice.run(['get', name, '--force'])).code).toBe(0);
    expect(await readFile(alice.path('Fixture Plate.mcam'))).toEqual(original);
    expect(await isOwnerWritable(alice.path('Fixture Plate.mcam'))).toBe(true);
  });
});

describe('undo and break', () => {
  test('the owner undoes a checkout; only an admin breaks a lock', async () => {
    const name = 'locks/Spindle Adapter.mcam';
    await addFile(alice, name);
    expect((await alice.run(['checkout', name])).code).toBe(0);

    const notAdmin = await bob.run(['break', name]);
    expect(notAdmin.code).toBe(5);
    expect(oneErrorLine(notAdmin)).toContain('admins');
    const notOwner = await bob.run(['undo', name]);
    expect(notOwner.code).toBe(5);
    expect(oneErrorLine(notOwner)).toContain('checked out by alice');

    const broken = await carol.json(['break', name]);
    expect(broken).toMatchObject({ released: { name, user: 'alice' } });
    expect((await bob.json(['locks'])).map((lock: { name: string }) => lock.name)).not.toContain(name);

    const nothingToUndo = await alice.run(['undo', name]);
    expect(nothingToUndo.code).toBe(3);
    expect(oneErrorLine(nothingToUndo)).toContain('not checked out');

    expect((await alice.run(['checkout', name])).code).toBe(0);
    expect(await isOwnerWritable(alice.path('Spindle Adapter.mcam'))).toBe(true);
    const undone = await alice.run(['undo', name]);
    expect(undone.code).toBe(0);
    expect(undone.stdout).toContain('released your lock');
    expect(await isReadOnly(alice.path('Spindle Adapter.mcam'))).toBe(true);
  });
});

describe('exit codes, each with one line naming the cause', () => {
  beforeAll(async () => {
    await addFile(alice, 'codes/Held.mcam');
    const checkout = await alice.run(['checkout', 'codes/Held.mcam', '-m', 'probing']);
    if (checkout.code !== 0) throw new Error(checkout.stderr);
  });

  test.each([
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['a missing argument', ['get'], /missing required argument 'name'/],
    ['a bad --status', ['ls', '--status', 'lost'], /Allowed choices are available, checked_out/],
    ['a version that is not a number', ['get', 'codes/Held.mcam', '--version', 'two'], /at least 1/],
    ['a name the vault refuses', ['info', 'notes.txt'], /must end in one of: \.mcam/],
    // A URL would resolve these to codes/Held.mcam (held by alice: a 3) before anything is sent.
    [
      'a name with a .. segment',
      ['checkout', 'codes/x/../Held.mcam'],
      /must not contain a \. or \.\. segment/,
    ],
    ['a name with a . segment', ['undo', 'codes/./Held.mcam'], /must not contain a \. or \.\. segment/],
  ])('2 for %s', async (_case, args, message) => {
    const result = await bob.run(args);
    expect(result.code).toBe(2);
    expect(oneErrorLine(result)).toMatch(message);
  });

  test('2 for an add of a new name Windows cannot hold', async () => {
    await writeFile(bob.path('plate.mcam'), 'x');
    const result = await bob.run(['add', 'plate.mcam', 'codes/Plate #2.mcam', '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr.trim())).toMatchObject({
      error: { code: 'BAD_REQUEST', message: 'name must not contain "#" (a URL cannot address it)' },
    });
  });

  test.each([
    ['checkout of a file someone holds', ['checkout', 'codes/Held.mcam'], /checked out by alice/],
    ['checkin of a file someone holds', ['checkin', 'codes/Held.mcam', 'x.mcam'], /checked out by alice/],
    ['add of a name that exists', ['add', 'x.mcam', 'CODES/held.MCAM'], /already exists/],
  ])('3 for %s', async (_case, args, message) => {
    await writeFile(bob.path('x.mcam'), 'x');
    const result = await bob.run(args);
    expect(result.code).toBe(3);
    expect(oneErrorLine(result)).toMatch(message);
  });

  test.each([
    ['info of no such file', ['info', 'codes/Missing.mcam'], /no file named codes\/Missing\.mcam/],
    ['get of no such file', ['get', 'codes/Missing.mcam'], /no file named/],
    ['get of no such version', ['get', 'codes/Held.mcam', '--version', '9'], /has no version 9/],
    ['history of no such file', ['history', 'codes/Missing.mcam'], /no file named/],
    ['add of no such local file', ['add', 'nowhere.mcam'], /no such file: .*nowhere\.mcam/],
  ])('4 for %s', async (_case, args, message) => {
    const result = await bob.run(args);
    expect(result.code).toBe(4);
    expect(oneErrorLine(result)).toMatch(message);
  });

  test('4 for checkin without the local file', async () => {
    const result = await alice.run(['checkin', 'codes/Held.mcam', 'not-here.mcam']);
    expect(result.code).toBe(4);
    expect(oneErrorLine(result)).toMatch(/no such file: .*not-here\.mcam/);
  });

  test('5 when not logged in, or the token is refused', async () => {
    const notLoggedIn = await stranger.run(['ls']);
    expect(notLoggedIn.code).toBe(5);
    expect(oneErrorLine(notLoggedIn)).toContain('not logged in');
    const expired = await bob.run(['ls', '--token', 'e30.e30.c2ln']);
    expect(expired.code).toBe(5);
    expect(oneErrorLine(expired)).toContain('log in again');
  });

  test('0 for --help and --version', async () => {
    const help = await bob.run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 ok');
    expect((await bob.run(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('0 and no stack trace when the reader of its output goes away (camvault --help | head -1)', async () => {
    const { child, done } = bob.spawn(['--help']);
    // Closed before the CLI writes a byte: its first write meets EPIPE.
    child.stdout?.destroy();
    const result = await done;
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('--json', () => {
  test('every command prints one JSON document on stdout', async () => {
    const name = 'json/Probe Plate.mcam';
    await writeFile(alice.path('probe.mcam'), 'probe');
    const added = await alice.json(['add', 'probe.mcam', name, '-m', 'v1']);
    expect(added).toMatchObject({ file: { name, version: 1 }, version: { version: 1, message: 'v1' } });
    expect(await alice.json(['ls', 'json/'])).toEqual([expect.objectContaining({ name })]);
    expect(await alice.json(['info', name])).toMatchObject({ name, version: 1, sha256: expect.any(String) });
    expect(await alice.json(['history', name])).toEqual([expect.objectContaining({ version: 1 })]);
    const checkout = await alice.json(['checkout', name, '-m', 'json']);
    expect(checkout).toMatchObject({
      lock: { user: 'alice', message: 'json' },
      file: { name },
      created: true,
    });
    expect(await alice.json(['locks', '--user', 'alice'])).toEqual(
      expect.arrayContaining([expect.objectContaining({ name })]),
    );
    await writeFile(alice.path('Probe Plate.mcam'), 'probe, second pass');
    expect(await alice.json(['checkin', name, '--keep'])).toMatchObject({
      file: { version: 2, status: 'checked_out' },
      version: { version: 2 },
      changed: true,
    });
    expect(await alice.json(['undo', name])).toMatchObject({ released: { name, user: 'alice' } });
    expect(await bob.json(['get', name, '--version', '1'])).toMatchObject({
      name,
      version: 1,
      downloaded: true,
    });
  });

  test('errors are one JSON line on stderr, with the lock for LOCKED', async () => {
    const name = 'json/Held Probe.mcam';
    await addFile(alice, name);
    expect((await alice.run(['checkout', name, '-m', 'mine now'])).code).toBe(0);
    const refused = await bob.run(['checkout', name, '--json']);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(refused.stderr)).toEqual({
      error: expect.objectContaining({
        code: 'LOCKED',
        exitCode: 3,
        status: 409,
        lock: expect.objectContaining({ name, user: 'alice', message: 'mine now' }),
        message: expect.stringContaining('checked out by alice'),
      }),
    });
    const usage = await bob.run(['ls', '--status', 'lost', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toMatchObject({ error: { code: 'USAGE' } });
  });
});
