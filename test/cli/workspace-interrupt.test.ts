import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { encodeName, startTestServer, type TestServer } from '../support/http';
import {
  type CliResult,
  type CliUser,
  isReadOnly,
  loggedInUser,
  removeUsers,
  startStallingProxy,
  waitFor,
} from './support';

const names: string[] = [];
for (let folder = 0; folder < 4; folder++)
  for (let part = 0; part < 5; part++) names.push(`batch${folder}/blank-${part}.mcam`);
const original = new Map<string, Buffer>();
/** Downloads the proxy lets through whole (the first files a sync takes); it stalls the rest half-way. */
const COMPLETE = 6;
/**
 * By name, not by arrival: sync asks for each worker's next link while the current file downloads,
 * so links reach the proxy in no fixed order, and a link asked ahead by a stalled worker is never used.
 */
/** Six downloads, up to twenty link requests through the proxy and seven or eight stalls: slow on a busy machine. */
const SETTLE_MS = 60_000;
/** Each test: a settle of up to SETTLE_MS, then a rerun of the whole sync. */
const TEST_TIMEOUT_MS = 150_000;
const passFirstFiles = (path: string) =>
  names.slice(0, COMPLETE).some((name) => path.split('?')[0] === `/download/${encodeName(name)}`);

let server: TestServer;
let dave: CliUser;
let erin: CliUser;

/** Every file under the workspace (not its state), as `/`-separated paths. */
const filesOnDisk = async (user: CliUser = dave) =>
  (await readdir(user.workDir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => `${entry.parentPath.slice(user.workDir.length + 1)}/${entry.name}`.replace(/\\/g, '/'))
    .filter((path) => !path.startsWith('.camvault-workspace/'));
const isPartial = (path: string) => path.endsWith('.camvault-part');

/**
 * The sync's 8 workers each take two files at first (one to download, one to ask the link of ahead),
 * the first 16; the six that pass are the first three workers' (the other five stall on their first
 * file), and those three share the last four files as they go on. A worker takes at most two of those
 * (it stalls on the first), so two or three of them stall, depending on which gets there first:
 * seven or eight half-written files.
 */
const STALLED_AT_LEAST = 7;

/**
 * Until the sync is stuck as planned: six whole files, and at least seven workers stuck half-way into
 * a temporary file. A sync that ends first, or a wait that times out, says what it saw (the CLI's
 * output, the files on disk).
 */
const settled = async (user: CliUser, done: Promise<CliResult>) => {
  let ended: CliResult | null = null;
  void done.then((result) => {
    ended = result;
  });
  let files: string[] = [];
  await waitFor(
    'six whole files and seven or eight half-written ones',
    async () => {
      if (ended) throw new Error(`the sync ended before it stalled: ${JSON.stringify(ended)}`);
      files = await filesOnDisk(user);
      return (
        files.filter((path) => !isPartial(path)).length === COMPLETE &&
        files.filter(isPartial).length >= STALLED_AT_LEAST
      );
    },
    SETTLE_MS,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; on disk: ${JSON.stringify(files)}`);
  });
};

beforeAll(async () => {
  server = await startTestServer();
  dave = await loggedInUser(server, 'dave');
  erin = await loggedInUser(server, 'erin');
  const carol = server.as('carol');
  await Promise.all(
    names.map((name, index) => {
      const bytes = randomBytes(16 * 1024 + index);
      original.set(name, bytes);
      return carol.commit(name, bytes);
    }),
  );
});
afterAll(async () => {
  await removeUsers([dave, erin]);
  await server.close();
});

test(
  'a sync killed with SIGKILL leaves no partial file under a vault name; the rerun completes and every file verifies',
  async () => {
    expect((await dave.run(['init'])).code).toBe(0);
    const proxy = await startStallingProxy(server.url, { passes: passFirstFiles });
    try {
      const { child, done } = dave.spawn(['sync'], { env: { CAMVAULT_URL: proxy.url } });
      await proxy.stalled;
      // The first downloads are in place; every worker is stuck half-way into a temporary file.
      await settled(dave, done);
      child.kill('SIGKILL');
      expect((await done).signal).toBe('SIGKILL');
    } finally {
      await proxy.close();
    }

    // Under its own name a file is whole, with the vault's bytes, or not there at all.
    const afterKill = await filesOnDisk();
    const placed = afterKill.filter((path) => !isPartial(path));
    expect(placed).toHaveLength(COMPLETE);
    for (const path of placed) expect(await readFile(dave.path(path))).toEqual(original.get(path));
    // The temporaries are hidden, beside their targets, and never taken for local files.
    for (const path of afterKill.filter(isPartial))
      expect(path).toMatch(/(^|\/)\.blank-\d\.mcam\.[0-9a-f]{8}\.camvault-part$/);
    const status = await dave.json<{ entries: { name: string; code: string }[] }>(['status']);
    const missing = names.filter((name) => !placed.includes(name)).sort();
    expect(status.entries.map(({ name, code }) => `${code} ${name}`)).toEqual(
      missing.map((name) => ` +  ${name}`),
    );

    // The rerun fetches exactly what is missing, clears the leftovers, and everything verifies.
    const rerun = await dave.json<{ downloaded: string[] }>(['sync']);
    expect([...rerun.downloaded].sort()).toEqual(missing);
    expect((await filesOnDisk()).sort()).toEqual([...names].sort());
    for (const name of names) {
      expect(await readFile(dave.path(name))).toEqual(original.get(name));
      expect(await isReadOnly(dave.path(name))).toBe(true);
    }
    expect((await dave.run(['status'])).stdout).toContain(`up to date: ${names.length} files`);
    expect((await dave.json(['sync'])).downloaded).toEqual([]);
  },
  TEST_TIMEOUT_MS,
);

test(
  'Ctrl-C during a sync removes its temporary files and keeps what was placed; the rerun fetches only the rest',
  async () => {
    expect((await erin.run(['init'])).code).toBe(0);
    const proxy = await startStallingProxy(server.url, { passes: passFirstFiles });
    let interrupted: Awaited<ReturnType<typeof erin.run>>;
    try {
      const { child, done } = erin.spawn(['sync'], { env: { CAMVAULT_URL: proxy.url } });
      await proxy.stalled;
      await settled(erin, done);
      child.kill('SIGINT');
      interrupted = await done;
    } finally {
      await proxy.close();
    }
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('interrupted');
    const left = await filesOnDisk(erin);
    expect(left.filter(isPartial)).toEqual([]);
    expect(left).toHaveLength(COMPLETE);
    for (const path of left) expect(await readFile(erin.path(path))).toEqual(original.get(path));

    const rerun = await erin.json<{ downloaded: string[] }>(['sync']);
    expect([...rerun.downloaded].sort()).toEqual(names.filter((name) => !left.includes(name)).sort());
    for (const name of names) expect(await readFile(erin.path(name))).toEqual(original.get(name));
    expect((await erin.run(['status'])).stdout).toContain(`up to date: ${names.length} files`);
  },
  TEST_TIMEOUT_MS,
);
