/**
 * 5. Bytes: a big file up and down through the `camvault` CLI against a direct presigned PUT/GET of
 * the same bytes to the same storage (s3rver behind the local server), each a fresh Node process
 * streaming 1 MiB chunks with node:http; wall time and peak RSS of every process.
 *
 * Up, the CLI (`camvault add`) hashes the file, stages, PUTs and checks in; the check-in makes the
 * server verify the bytes, which on the emulators means reading them back to hash them (S3 reports
 * the checksum it enforced instead). So the fair comparison for "up" is the CLI against a direct PUT
 * plus the same check-in request; the PUT alone is shown too. Down, `camvault get` fetches the link,
 * streams to a temporary file while hashing, fsyncs and renames; the direct GET only streams to disk.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { devToken } from '#infra/local/jwt';
import { CLI, generate, type Measured, runCli, runMeasured } from '../cli-transfer';
import { BenchClient } from '../lib/http-client';
import { formatBytes, median } from '../lib/stats';
import { startTimingProxy } from '../lib/timing-proxy';

export interface BytesResult {
  sizeBytes: number;
  /** `camvault --help`: the CLI's fixed cost of starting (TypeScript loaded through tsx). */
  cliStartSeconds: number;
  /** Peak RSS of `camvault --help`: what starting the CLI costs before any byte moves. */
  cliStartPeakRssMiB: number;
  /** SHA-256 of the file in a fresh Node.js: the pass the CLI makes before it uploads. */
  hashSeconds: number;
  /** How often each transfer ran; the fastest run of each counts. */
  rounds: number;
  directPut: Measured;
  /** The check-in of the directly PUT bytes: the server's verification (a full read on the emulators). */
  directCheckinSeconds: number;
  cliAdd: Measured;
  /** `camvault add` less its check-in request: the CLI's own work (start, hash, stage, PUT); fastest run. */
  cliAddClientSeconds: number;
  /** The check-in request of each `camvault add` and of each direct upload, as timed. */
  cliCheckinSeconds: number[];
  directCheckinRuns: number[];
  /** Every `camvault get`, in seconds. */
  cliGetRuns: number[];
  /** The highest peak RSS of any CLI process of this size, over every round. */
  cliPeakRssMiB: number;
  /** 5xx answers met so far (each retried once). */
  serverErrors: string[];
  directGet: Measured;
  /** The direct GET, then fsync: the durability `camvault get` gives before it renames the file. */
  directGetFsync: Measured;
  cliGet: Measured;
}

// Plain node:http, 1 MiB chunks, no hashing: the least a client can do to move the bytes.
const DIRECT_PUT = `const http = require('node:http'), fs = require('node:fs');
const [url, headers, path, size] = process.argv.slice(1);
const request = http.request(url, { method: 'PUT', headers: { ...JSON.parse(headers), 'content-length': size } });
request.on('response', (response) => { response.resume(); response.on('end', () => process.exit(response.statusCode === 200 ? 0 : 1)); });
request.on('error', (error) => { console.error(error); process.exit(1); });
fs.createReadStream(path, { highWaterMark: 1 << 20 }).pipe(request);`;

const DIRECT_GET = `const http = require('node:http'), fs = require('node:fs');
const [url, path] = process.argv.slice(1);
http.get(url, (response) => {
  if (response.statusCode !== 200) { console.error('HTTP ' + response.statusCode); process.exit(1); }
  const file = fs.createWriteStream(path, { highWaterMark: 1 << 20 });
  response.pipe(file);
  file.on('finish', () => process.exit(0));
}).on('error', (error) => { console.error(error); process.exit(1); });`;

const DIRECT_GET_FSYNC = DIRECT_GET.replace(
  "file.on('finish', () => process.exit(0));",
  "file.on('finish', () => { const fd = fs.openSync(path, 'r+'); fs.fsyncSync(fd); fs.closeSync(fd); process.exit(0); });",
);

const HASH = `const fs = require('node:fs'), crypto = require('node:crypto');
const hash = crypto.createHash('sha256');
fs.createReadStream(process.argv[1], { highWaterMark: 1 << 20 }).on('data', (chunk) => hash.update(chunk)).on('end', () => console.log(hash.digest('hex')));`;

const hashFile = async (path: string): Promise<string> => {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
};

export const bytes = async (options: {
  url: string;
  secret: string;
  sizes: number[];
  rounds: number;
  work: string;
  log: (line: string) => void;
}): Promise<BytesResult[]> => {
  const token = devToken('bytes-bench', { admin: false, secret: options.secret, ttlSeconds: 6 * 3600 });
  const api = new BenchClient(options.url, token);
  // The CLI talks to the server through this proxy, which times its API requests (not its bytes).
  const proxy = await startTimingProxy(options.url);
  const cliEnv = {
    CAMVAULT_URL: proxy.url,
    CAMVAULT_TOKEN: token,
    CAMVAULT_CONFIG_DIR: join(options.work, 'cli-config'),
    // One PUT, like the direct one (the bench server's threshold is 5 GiB): parts are section 10's.
    CAMVAULT_PART_SIZE: String(5 * 1024 ** 3),
  };
  const results: BytesResult[] = [];
  const serverErrors: string[] = [];
  const starts: Measured[] = [];
  for (let run = 0; run < 3; run++)
    starts.push(await runMeasured('cli start', [CLI, '--help'], options.work, cliEnv));
  const cliStartSeconds = median(starts.map((start) => start.seconds));
  const cliStartPeakRssMiB = median(starts.map((start) => start.peakRssMiB));
  options.log(`  camvault --help: ${cliStartSeconds.toFixed(2)} s`);
  for (const size of options.sizes) {
    const label = formatBytes(size).replace(/\s/g, '');
    const directory = join(options.work, `bytes-${label}`);
    const dirs = {
      source: join(directory, 'source'),
      direct: join(directory, 'direct'),
      cli: join(directory, 'cli'),
    };
    for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
    const localName = `Part ${label}.mcam`;
    const source = join(dirs.source, localName);
    try {
      options.log(`  ${label}: generating`);
      generate(source, size);
      const sha256 = await hashFile(source);
      const hashed = await runMeasured('hash', ['-e', HASH, source], directory, {});

      // Each transfer twice, in alternating order, keeping the faster: one run can be slowed by the
      // kernel writing back what the run before it wrote. Dirty pages are flushed (sync) before each.
      const best = (runs: Measured[]): Measured =>
        runs.reduce((fastest, run) => (run.seconds < fastest.seconds ? run : fastest));
      const flushed = <T>(work: () => Promise<T>): Promise<T> => {
        execFileSync('sync');
        return work();
      };
      const puts: Measured[] = [];
      const checkins: number[] = [];
      const adds: Measured[] = [];
      /** The check-in request inside each `camvault add`, timed by the proxy: the server's share of it. */
      const cliCheckins: number[] = [];
      const gets: Measured[] = [];
      const getsFsync: Measured[] = [];
      const cliGets: Measured[] = [];
      for (let round = 0; round < options.rounds; round++) {
        const directName = `bytes/direct ${label} ${round}.mcam`;
        const cliName = `bytes/cli ${label} ${round}.mcam`;
        const directUp = async () => {
          // Up, directly: stage (not timed), PUT (timed), check in (timed separately).
          const staged = await api.stage(directName, size, sha256);
          if (staged.status !== 201) throw new Error(`staging ${directName}: ${staged.status}`);
          puts.push(
            await flushed(() =>
              runMeasured(
                'direct PUT',
                [
                  '-e',
                  DIRECT_PUT,
                  staged.body.url,
                  JSON.stringify(staged.body.headers),
                  source,
                  String(size),
                ],
                directory,
                {},
              ),
            ),
          );
          // A check-in is safe to repeat; a 5xx is noted (it is a finding) and the check-in retried once.
          let checkin = await api.checkin(directName, { uploadId: staged.body.uploadId });
          if (checkin.status >= 500) {
            serverErrors.push(`check-in of ${directName}: ${checkin.status} ${JSON.stringify(checkin.body)}`);
            checkin = await api.checkin(directName, { uploadId: staged.body.uploadId });
          }
          if (checkin.status !== 200) throw new Error(`check-in of ${directName}: ${checkin.status}`);
          checkins.push(checkin.ms / 1000);
        };
        // Up, through the CLI: hash, stage, PUT, check in.
        const cliUp = async () => {
          proxy.take();
          adds.push(await flushed(() => runCli('cli add', ['add', localName, cliName], dirs.source, cliEnv)));
          const checkin = proxy
            .take()
            .find((call) => call.method === 'POST' && call.path.startsWith('/checkin/'));
          if (checkin?.status !== 200) throw new Error('camvault add made no successful check-in');
          cliCheckins.push(checkin.ms / 1000);
        };
        const directDown = async () => {
          const link = await api.downloadLink(directName);
          if (link.status !== 200) throw new Error(`download link of ${directName}: ${link.status}`);
          const target = join(dirs.direct, localName);
          gets.push(
            await flushed(() =>
              runMeasured('direct GET', ['-e', DIRECT_GET, link.body.url, target], directory, {}),
            ),
          );
          await rm(target, { force: true });
          getsFsync.push(
            await flushed(() =>
              runMeasured(
                'direct GET + fsync',
                ['-e', DIRECT_GET_FSYNC, link.body.url, target],
                directory,
                {},
              ),
            ),
          );
          await rm(target, { force: true });
        };
        // Down, through the CLI: link, GET while hashing, fsync, rename.
        const cliDown = async () => {
          cliGets.push(await flushed(() => runCli('cli get', ['get', cliName], dirs.cli, cliEnv)));
          const saved = join(dirs.cli, `cli ${label} ${round}.mcam`);
          if ((await hashFile(saved)) !== sha256)
            throw new Error(`camvault get of ${cliName} saved other bytes`);
          await rm(saved, { force: true });
        };
        if (round % 2 === 0) {
          await directUp();
          await cliUp();
          await directDown();
          await cliDown();
        } else {
          await cliUp();
          await directUp();
          await cliDown();
          await directDown();
        }
        options.log(
          `  ${label} round ${round + 1}: direct PUT ${puts[round]?.seconds.toFixed(1)} s + check-in ${checkins[round]?.toFixed(1)} s, CLI add ${adds[round]?.seconds.toFixed(1)} s; direct GET ${gets[round]?.seconds.toFixed(1)} s (+fsync ${getsFsync[round]?.seconds.toFixed(1)} s), CLI get ${cliGets[round]?.seconds.toFixed(1)} s`,
        );
      }
      const directPut = best(puts);
      // The CLI's own side of an upload: the command's time less its check-in request (the server's work).
      const cliAddClientSeconds = Math.min(
        ...adds.map((add, round) => add.seconds - (cliCheckins[round] ?? 0)),
      );
      const cliAdd = best(adds);
      const directGet = best(gets);
      const directGetFsync = best(getsFsync);
      const cliGet = best(cliGets);

      results.push({
        sizeBytes: size,
        cliStartSeconds,
        cliStartPeakRssMiB,
        hashSeconds: hashed.seconds,
        directPut,
        directCheckinSeconds: Math.min(...checkins),
        cliAddClientSeconds,
        cliCheckinSeconds: cliCheckins,
        cliGetRuns: cliGets.map((run) => run.seconds),
        cliPeakRssMiB: Math.max(
          ...adds.map((run) => run.peakRssMiB),
          ...cliGets.map((run) => run.peakRssMiB),
        ),
        serverErrors: [...serverErrors],
        directCheckinRuns: checkins,
        rounds: options.rounds,
        cliAdd,
        directGet,
        directGetFsync,
        cliGet,
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }
  await proxy.close();
  return results;
};
