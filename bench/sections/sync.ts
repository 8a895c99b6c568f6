/**
 * 10. Sync: `camvault sync` of a workspace folder of many 1 MiB files through the real CLI (a child
 * process, as a programmer runs it) against the same bytes fetched by one `curl --parallel` of the
 * presigned download URLs, with the same parallelism as sync; the links are made before curl starts,
 * so its time is the bytes alone. Beside them, the least a Node.js client can do with the same links
 * (node:http, the same parallelism, no hash, no fsync): what the runtime costs against curl, apart
 * from the CLI's own work. Each writes into a fresh, empty folder; dirty pages are flushed before
 * each run. One more sync through a timing proxy shows where the CLI's time goes.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { devToken } from '#infra/local/jwt';
import { CLI, type Measured, runMeasured } from '../cli-transfer';
import { BenchClient, encodeName } from '../lib/http-client';
import { MiB, median } from '../lib/stats';
import { startTimingProxy } from '../lib/timing-proxy';

const run = promisify(execFile);

/** What cli/sync.ts runs at once; curl gets the same. */
export const SYNC_PARALLEL = 8;
const PREFIX = 'sync/';
const FOLDERS = 10;

export interface SyncResult {
  files: number;
  fileBytes: number;
  parallel: number;
  /** Every timed run, in seconds (the CLI's and curl's alternate which goes first). */
  cliSeconds: number[];
  curlSeconds: number[];
  bareNodeSeconds: number[];
  /** `camvault --help`: starting the CLI at all. */
  cliStartSeconds: number;
  cliPeakRssMiB: number;
  /** The sync through a timing proxy: the API requests it made and the time they took, summed. */
  profile: { seconds: number; listings: number; links: number; other: number; apiMs: number };
  seedingSeconds: number;
  curlVersion: string;
}

// The same links, SYNC_PARALLEL at a time, straight to files: node:http and fs streams, nothing else.
const BARE_NODE = `const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const links = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
let next = 0;
const one = ({ url, output }) => new Promise((resolve, reject) => {
  fs.mkdirSync(path.dirname(output), { recursive: true });
  http.get(url, (response) => {
    if (response.statusCode !== 200) return reject(new Error('HTTP ' + response.statusCode));
    response.pipe(fs.createWriteStream(output)).on('finish', resolve).on('error', reject);
  }).on('error', reject);
});
const worker = async () => { while (next < links.length) await one(links[next++]); };
Promise.all(Array.from({ length: Number(process.argv[2]) }, worker)).then(
  () => process.exit(0), (error) => { console.error(error); process.exit(1); });`;

const nameOf = (index: number) =>
  `${PREFIX}lot-${String(index % FOLDERS).padStart(2, '0')}/part-${String(index).padStart(4, '0')}.mcam`;

/** Runs `work` over `items`, `parallel` at a time. */
const eachBounded = async <T>(items: T[], parallel: number, work: (item: T) => Promise<void>) => {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
};

/** Every regular file under `folder`, with its size: what a run left there. */
const filesUnder = async (folder: string): Promise<Map<string, number>> => {
  const found = new Map<string, number>();
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    found.set(full.slice(folder.length + 1), (await stat(full)).size);
  }
  return found;
};

export const syncBench = async (options: {
  url: string;
  secret: string;
  files: number;
  rounds: number;
  work: string;
  log: (line: string) => void;
}): Promise<SyncResult> => {
  const token = devToken('sync-bench', { admin: false, secret: options.secret, ttlSeconds: 6 * 3600 });
  const api = new BenchClient(options.url, token);
  const names = Array.from({ length: options.files }, (_, index) => nameOf(index));
  const fileBytes = 1 * MiB;

  const seedingStarted = performance.now();
  await eachBounded(names, SYNC_PARALLEL, async (name) => {
    const committed = await api.commit(name, randomBytes(fileBytes));
    if (committed.status !== 200) throw new Error(`seeding ${name}: ${committed.status}`);
  });
  const seedingSeconds = (performance.now() - seedingStarted) / 1000;
  options.log(`  seeded ${names.length} files of 1 MiB in ${seedingSeconds.toFixed(1)} s`);

  const directory = join(options.work, 'sync');
  const cliEnv = (url: string) => ({
    CAMVAULT_URL: url,
    CAMVAULT_TOKEN: token,
    CAMVAULT_CONFIG_DIR: join(directory, 'cli-config'),
  });
  const starts: Measured[] = [];
  for (let i = 0; i < 3; i++)
    starts.push(await runMeasured('cli start', [CLI, '--help'], options.work, cliEnv(options.url)));
  const cliStartSeconds = median(starts.map((start) => start.seconds));

  /** A whole, fresh copy of the folder: the same files, each 1 MiB. */
  const expectWhole = async (folder: string, what: string) => {
    const found = await filesUnder(folder);
    const expected = names.map((name) => join(...name.slice(PREFIX.length).split('/')));
    const missing = expected.filter((path) => found.get(path) !== fileBytes);
    if (missing.length > 0) throw new Error(`${what} left ${missing.length} files missing or short`);
  };

  /** A fresh workspace of the folder, then `camvault sync` timed. */
  const cliSync = async (round: number, url: string): Promise<Measured> => {
    const root = join(directory, `cli-${round}`);
    await mkdir(root, { recursive: true });
    await runMeasured('init', [CLI, 'init', PREFIX], root, cliEnv(url));
    execFileSync('sync');
    const measured = await runMeasured('cli sync', [CLI, 'sync'], root, cliEnv(url));
    await expectWhole(root, 'camvault sync');
    await rm(root, { recursive: true, force: true });
    return measured;
  };

  /** A fresh link for every file, into `root`: asked for before a baseline's clock starts. */
  const links = async (root: string) => {
    const made: { url: string; output: string }[] = [];
    await eachBounded(names, SYNC_PARALLEL, async (name) => {
      const link = await api.request('GET', `/download/${encodeName(name)}`);
      if (link.status !== 200) throw new Error(`download link of ${name}: ${link.status}`);
      made.push({ url: link.body.url, output: join(root, name.slice(PREFIX.length)) });
    });
    return made;
  };

  /** One curl with at most SYNC_PARALLEL transfers at once. */
  const curl = async (round: number): Promise<number> => {
    const root = join(directory, `curl-${round}`);
    const config = join(directory, `curl-${round}.txt`);
    const lines = (await links(root)).flatMap(({ url, output }) => [
      `url = "${url}"`,
      `output = "${output}"`,
    ]);
    await writeFile(config, `${lines.join('\n')}\n`);
    execFileSync('sync');
    const started = performance.now();
    await run('curl', [
      '--parallel',
      '--parallel-max',
      String(SYNC_PARALLEL),
      '--create-dirs',
      '--fail',
      '--no-progress-meter',
      '--config',
      config,
    ]);
    const seconds = (performance.now() - started) / 1000;
    await expectWhole(root, 'curl');
    await rm(root, { recursive: true, force: true });
    return seconds;
  };

  /** The bare Node.js client of the same links. */
  const bareNode = async (round: number): Promise<number> => {
    const root = join(directory, `node-${round}`);
    const list = join(directory, `node-${round}.json`);
    await writeFile(list, JSON.stringify(await links(root)));
    execFileSync('sync');
    const started = performance.now();
    await run(process.execPath, ['-e', BARE_NODE, list, String(SYNC_PARALLEL)]);
    const seconds = (performance.now() - started) / 1000;
    await expectWhole(root, 'the bare Node.js client');
    await rm(root, { recursive: true, force: true });
    return seconds;
  };

  await mkdir(directory, { recursive: true });
  const cliRuns: Measured[] = [];
  const curlSeconds: number[] = [];
  const bareNodeSeconds: number[] = [];
  try {
    for (let round = 0; round < options.rounds; round++) {
      // Each round in another order, so that no one of them always runs first (or last).
      const steps = [
        async () => cliRuns.push(await cliSync(round, options.url)),
        async () => curlSeconds.push(await curl(round)),
        async () => bareNodeSeconds.push(await bareNode(round)),
      ];
      for (let step = 0; step < steps.length; step++) await steps[(round + step) % steps.length]?.();
      options.log(
        `  round ${round + 1}: camvault sync ${cliRuns[round]?.seconds.toFixed(2)} s, curl ${curlSeconds[round]?.toFixed(2)} s, bare Node.js ${bareNodeSeconds[round]?.toFixed(2)} s`,
      );
    }

    const proxy = await startTimingProxy(options.url);
    let profiled: Measured;
    try {
      proxy.take();
      profiled = await cliSync(options.rounds, proxy.url);
    } finally {
      await proxy.close();
    }
    const requests = proxy.take();
    const listings = requests.filter((call) => call.path.startsWith('/files?')).length;
    const links = requests.filter((call) => call.path.startsWith('/download/')).length;
    const profile = {
      seconds: profiled.seconds,
      listings,
      links,
      other: requests.length - listings - links,
      apiMs: requests.reduce((sum, call) => sum + call.ms, 0),
    };
    options.log(
      `  through a timing proxy: ${profile.seconds.toFixed(2)} s, ${listings} listing + ${links} link requests (${(profile.apiMs / 1000).toFixed(2)} s of requests, summed)`,
    );
    const { stdout: curlVersion } = await run('curl', ['--version']);
    return {
      files: names.length,
      fileBytes,
      parallel: SYNC_PARALLEL,
      cliSeconds: cliRuns.map((measured) => measured.seconds),
      curlSeconds,
      bareNodeSeconds,
      cliStartSeconds,
      cliPeakRssMiB: Math.max(...cliRuns.map((measured) => measured.peakRssMiB)),
      profile,
      seedingSeconds,
      curlVersion: curlVersion.split('\n')[0]?.split(' ').slice(0, 2).join(' ') ?? 'curl',
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
};
