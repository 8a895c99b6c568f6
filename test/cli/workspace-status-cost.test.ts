import { randomBytes } from 'node:crypto';
import { readFile, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/http';
import {
  type CliResult,
  type CliUser,
  loggedInUser,
  removeUsers,
  startStallingProxy,
  temporaryDirectory,
} from './support';

/** 500 files in 20 vault folders: lot0/ … lot9/ and a sub-folder ops/ in each. */
const LOTS = 10;
const PER_FOLDER = 25;
const FOLDERS = LOTS * 2;
const names: string[] = [];
for (let lot = 0; lot < LOTS; lot++)
  for (let part = 0; part < PER_FOLDER; part++)
    names.push(`lot${lot}/part-${part}.mcam`, `lot${lot}/ops/op-${part}.mcam`);

let server: TestServer;
let alice: CliUser;
let traceDir: string;

const TRACER = join(__dirname, 'read-tracer.js');

/**
 * `camvault ARGS` through a counting front, with every workspace file the process opens recorded by
 * a preload outside the CLI: the exit, the API requests it made and the files it read.
 */
const traced = async (args: string[]) => {
  const proxy = await startStallingProxy(server.url, { passes: () => true });
  const out = join(traceDir, `${randomBytes(4).toString('hex')}.json`);
  let result: CliResult;
  try {
    result = await alice.run(args, {
      env: {
        CAMVAULT_URL: proxy.url,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${TRACER}`.trim(),
        CAMVAULT_TEST_TRACE_ROOT: alice.workDir,
        CAMVAULT_TEST_TRACE_OUT: out,
      },
    });
  } finally {
    await proxy.close();
  }
  const opened = JSON.parse(await readFile(out, 'utf8')) as string[];
  return { result, requests: [...proxy.requests], opened };
};

beforeAll(async () => {
  server = await startTestServer();
  alice = await loggedInUser(server, 'alice');
  traceDir = await temporaryDirectory('trace');
  const carol = server.as('carol');
  // A few at a time: the emulators share two cores with everything else.
  for (let next = 0; next < names.length; next += 25)
    await Promise.all(
      names.slice(next, next + 25).map((name) => carol.commit(name, randomBytes(64 + (name.length % 7)))),
    );
  expect((await alice.run(['init'])).code).toBe(0);
  const synced = await alice.json<{ downloaded: string[] }>(['sync']);
  expect(synced.downloaded).toHaveLength(names.length);
}, 180_000);
afterAll(async () => {
  await removeUsers([alice]);
  await server.close();
});

test('status of 500 unchanged files reads no file and makes at most one listing call per folder', async () => {
  const { result, requests, opened } = await traced(['status']);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`up to date: ${names.length} files`);
  expect(opened).toEqual([]);
  // Only listings, nothing per file (no GET /files/{name}, no download), and no more than one a folder.
  for (const request of requests) expect(request).toMatch(/^GET \/files\?/);
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.length).toBeLessThanOrEqual(FOLDERS);

  // One folder's status: its listing only.
  const lot = await traced(['status', 'lot3']);
  expect(lot.result.stdout).toContain(`up to date: ${PER_FOLDER * 2} files`);
  expect(lot.opened).toEqual([]);
  expect(lot.requests).toHaveLength(1);
  expect(lot.requests[0]).toMatch(/^GET \/files\?prefix=lot3%2F&/);
});

test('the trace sees a read: a file whose mtime moved is hashed once, then known again by size and mtime', async () => {
  const touched = 'lot7/ops/op-4.mcam';
  const later = new Date((await stat(alice.path(touched))).mtimeMs + 60_000);
  await utimes(alice.path(touched), later, later);

  const first = await traced(['status']);
  expect(first.result.stdout).toContain(`up to date: ${names.length} files`);
  expect(first.opened).toEqual([join('lot7', 'ops', 'op-4.mcam')]);

  const second = await traced(['status']);
  expect(second.result.code).toBe(0);
  expect(second.opened).toEqual([]);
});

test('checking in a checked-out copy nobody touched reads no file: it releases the lock, no upload', async () => {
  const name = 'lot2/part-9.mcam';
  expect((await alice.run(['checkout', name])).code).toBe(0);
  const { result, requests, opened } = await traced(['checkin', name]);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('no changes');
  expect(opened).toEqual([]);
  expect(requests.filter((request) => request.startsWith('POST /uploads'))).toEqual([]);
  expect(await alice.json(['info', name])).toMatchObject({ version: 1, lock: null });
});
