/**
 * 12. Large files in parts: the `camvault` CLI against a direct parallel multipart PUT and a direct
 * parallel ranged GET of the same bytes, with the same part size and parallelism, to the same storage
 * (s3rver behind the local server), each a fresh Node process; the bytes a resumed upload sends after
 * a cut at 60 %; and the CLI's peak RSS, up to a 20 GiB (sparse) file sent to a storage that drops it.
 *
 * The direct PUT is given its part URLs beforehand and does nothing but stream the parts from disk.
 * The CLI hashes the file first (the contract wants the whole file's SHA-256 before the first byte),
 * then stages, asks for part URLs and sends; its check-in request (the server's verification) is
 * timed apart and left out of the ratio, as in section 5. The direct GET writes ranges at their
 * offsets; `camvault get` fetches the same ranges and hashes them in order, then fsyncs and renames.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { devToken } from '#infra/local/jwt';
import { startStallingProxy } from '../../test/cli/support';
import { CLI, generate, type Measured, RSS_HOOK, runCli, runMeasured } from '../cli-transfer';
import { BenchClient } from '../lib/http-client';
import { formatBytes } from '../lib/stats';
import { startTimingProxy } from '../lib/timing-proxy';

const MiB = 1024 ** 2;
export const PART_BYTES = 16 * MiB;
export const PARALLEL = 8;

export interface MultipartResult {
  sizeBytes: number;
  partSizeBytes: number;
  parallel: number;
  /** SHA-256 of the file (and its parts) in a fresh Node.js: the pass the CLI makes before it sends. */
  hashSeconds: number;
  directPut: Measured;
  cliAdd: Measured;
  /** `camvault add` less its check-in request: the CLI's own work (start, hash, stage, part URLs, PUTs). */
  cliAddClientSeconds: number;
  /** `camvault add` less its check-in request and its hash pass: the sending alone. */
  cliSendSeconds: number;
  cliCheckinSeconds: number;
  directGet: Measured;
  cliGet: Measured;
}

export interface ResumeResult {
  sizeBytes: number;
  partCount: number;
  /** Parts storage held when the first run was cut off. */
  partsBeforeCut: number;
  /** Bytes the second run sent. */
  bytesAfterCut: number;
}

export interface PeakRssResult {
  sizeBytes: number;
  seconds: number;
  peakRssMiB: number;
}

export interface MultipartBench {
  transfers: MultipartResult[];
  resume: ResumeResult;
  peakRss: PeakRssResult[];
}

// Parts from disk, PARALLEL at a time, with exactly the headers given; nothing else.
const DIRECT_PARTS = `const http = require('node:http'), fs = require('node:fs');
const [partsFile, path, parallel] = process.argv.slice(1);
const parts = JSON.parse(fs.readFileSync(partsFile, 'utf8'));
const put = (part) => new Promise((resolve, reject) => {
  const request = http.request(part.url, { method: 'PUT', headers: { ...part.headers, 'content-length': String(part.size) } });
  request.on('response', (response) => { response.resume(); response.on('end', () => response.statusCode === 200 ? resolve() : reject(new Error('HTTP ' + response.statusCode))); });
  request.on('error', reject);
  if (part.size === 0) request.end(); else fs.createReadStream(path, { start: part.offset, end: part.offset + part.size - 1, highWaterMark: 1 << 20 }).pipe(request);
});
const queue = [...parts];
const worker = async () => { for (let part = queue.shift(); part; part = queue.shift()) await put(part); };
Promise.all(Array.from({ length: Number(parallel) }, worker)).then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });`;

// Ranges at their offsets, PARALLEL at a time, then fsync: the least a parallel download can do.
const DIRECT_RANGES = `const http = require('node:http'), fs = require('node:fs');
const [url, path, size, partSize, parallel] = process.argv.slice(1).map((value, i) => i >= 2 ? Number(value) : value);
const fd = fs.openSync(path, 'w');
const ranges = []; for (let offset = 0; offset < size; offset += partSize) ranges.push([offset, Math.min(size, offset + partSize) - 1]);
const get = ([start, end]) => new Promise((resolve, reject) => {
  http.get(url, { headers: { range: 'bytes=' + start + '-' + end } }, (response) => {
    if (response.statusCode !== 206) return reject(new Error('HTTP ' + response.statusCode));
    let position = start;
    response.on('data', (chunk) => { fs.writeSync(fd, chunk, 0, chunk.length, position); position += chunk.length; });
    response.on('end', resolve);
  }).on('error', reject);
});
const worker = async () => { for (let range = ranges.shift(); range; range = ranges.shift()) await get(range); };
Promise.all(Array.from({ length: parallel }, worker)).then(() => { fs.fsyncSync(fd); fs.closeSync(fd); process.exit(0); }, (error) => { console.error(error); process.exit(1); });`;

const HASH_PARTS = `const fs = require('node:fs'), crypto = require('node:crypto');
const [path, partSize] = [process.argv[1], Number(process.argv[2])];
const whole = crypto.createHash('sha256'); let part = crypto.createHash('sha256'), inPart = 0; const parts = [];
fs.createReadStream(path, { highWaterMark: 1 << 20 }).on('data', (chunk) => {
  whole.update(chunk);
  for (let rest = chunk; rest.length > 0;) { const take = Math.min(partSize - inPart, rest.length); part.update(rest.subarray(0, take)); inPart += take; rest = rest.subarray(take); if (inPart === partSize) { parts.push(part.digest('hex')); part = crypto.createHash('sha256'); inPart = 0; } }
}).on('end', () => { if (inPart > 0) parts.push(part.digest('hex')); console.log(JSON.stringify({ sha256: whole.digest('hex'), parts })); });`;

const digestOf = (path: string, partSize: number): { sha256: string; parts: string[] } =>
  JSON.parse(
    execFileSync(process.execPath, ['-e', HASH_PARTS, path, String(partSize)], { encoding: 'utf8' }),
  );

const hashFile = async (path: string): Promise<string> => {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
};

/** A CLI run that may fail (the sink holds no bytes, so its check-in is refused): its time and peak RSS. */
const measureCli = async (args: string[], cwd: string, env: Record<string, string>) => {
  const rssFile = join(tmpdir(), `camvault-bench-rss-${randomBytes(4).toString('hex')}`);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', RSS_HOOK, CLI, ...args], {
      cwd,
      env: { ...process.env, ...env, CAMVAULT_BENCH_RSS_FILE: rssFile },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  const seconds = (performance.now() - started) / 1000;
  const peakRssMiB = Number(await readFile(rssFile, 'utf8')) / 1024;
  await rm(rssFile, { force: true });
  return { seconds, peakRssMiB };
};

export const multipart = async (options: {
  url: string;
  secret: string;
  sizes: number[];
  /** Peak RSS is also measured at these sizes, with sparse files sent to a sink. */
  rssSizes: number[];
  rounds: number;
  work: string;
  log: (line: string) => void;
}): Promise<MultipartBench> => {
  const token = devToken('multipart-bench', { admin: false, secret: options.secret, ttlSeconds: 6 * 3600 });
  const api = new BenchClient(options.url, token);
  const timing = await startTimingProxy(options.url);
  const cliEnv = (url: string, config: string) => ({
    CAMVAULT_URL: url,
    CAMVAULT_TOKEN: token,
    CAMVAULT_CONFIG_DIR: join(options.work, config),
    CAMVAULT_PART_SIZE: String(PART_BYTES),
    CAMVAULT_PARALLEL: String(PARALLEL),
  });
  const flushed = <T>(work: () => Promise<T>): Promise<T> => {
    execFileSync('sync');
    return work();
  };
  const best = (runs: Measured[]): Measured =>
    runs.reduce((fastest, run) => (run.seconds < fastest.seconds ? run : fastest));
  const transfers: MultipartResult[] = [];
  let resume: ResumeResult | null = null;
  try {
    for (const size of options.sizes) {
      const label = formatBytes(size).replace(/\s/g, '');
      const directory = join(options.work, `parts-${label}`);
      await mkdir(join(directory, 'down'), { recursive: true });
      const localName = `Parts ${label}.mcam`;
      const source = join(directory, localName);
      try {
        options.log(`  ${label}: generating`);
        generate(source, size);
        const hashed = await runMeasured(
          'hash',
          ['-e', HASH_PARTS, source, String(PART_BYTES)],
          directory,
          {},
        );
        const digest = digestOf(source, PART_BYTES);
        const puts: Measured[] = [];
        const adds: Measured[] = [];
        const checkins: number[] = [];
        const gets: Measured[] = [];
        const cliGets: Measured[] = [];
        for (let round = 0; round < options.rounds; round++) {
          const directName = `parts/direct ${label} ${round}.mcam`;
          const cliName = `parts/cli ${label} ${round}.mcam`;
          const directUp = async () => {
            const staged = await api.stage(directName, size, digest.sha256, PART_BYTES);
            if (staged.status !== 201) throw new Error(`staging ${directName}: ${staged.status}`);
            const links: { url: string; headers: Record<string, string>; offset: number; size: number }[] =
              [];
            for (let first = 1; first <= digest.parts.length; first += 100) {
              const numbers = digest.parts
                .slice(first - 1, first + 99)
                .map((sha256, i) => ({ partNumber: first + i, sha256 }));
              const asked = await api.partUrls(staged.body.uploadId, numbers);
              for (const part of asked.body.parts) {
                const offset = (part.partNumber - 1) * PART_BYTES;
                links.push({ ...part, offset, size: Math.min(PART_BYTES, size - offset) });
              }
            }
            const partsFile = join(directory, 'parts.json');
            await writeFile(partsFile, JSON.stringify(links));
            puts.push(
              await flushed(() =>
                runMeasured(
                  'direct parts',
                  ['-e', DIRECT_PARTS, partsFile, source, String(PARALLEL)],
                  directory,
                  {},
                ),
              ),
            );
            const checkin = await api.checkin(directName, { uploadId: staged.body.uploadId });
            if (checkin.status !== 200) throw new Error(`check-in of ${directName}: ${checkin.status}`);
          };
          const cliUp = async () => {
            timing.take();
            adds.push(
              await flushed(() =>
                runCli(
                  'cli add',
                  ['add', localName, cliName],
                  directory,
                  cliEnv(timing.url, `config-${round}`),
                ),
              ),
            );
            const checkin = timing
              .take()
              .find((call) => call.method === 'POST' && call.path.startsWith('/checkin/'));
            if (checkin?.status !== 200) throw new Error('camvault add made no successful check-in');
            checkins.push(checkin.ms / 1000);
          };
          const directDown = async () => {
            const link = await api.downloadLink(directName);
            const target = join(directory, 'down', 'direct.mcam');
            gets.push(
              await flushed(() =>
                runMeasured(
                  'direct ranges',
                  [
                    '-e',
                    DIRECT_RANGES,
                    link.body.url,
                    target,
                    String(size),
                    String(PART_BYTES),
                    String(PARALLEL),
                  ],
                  directory,
                  {},
                ),
              ),
            );
            if ((await hashFile(target)) !== digest.sha256)
              throw new Error('the ranged GET saved other bytes');
            await rm(target, { force: true });
          };
          const cliDown = async () => {
            cliGets.push(
              await flushed(() =>
                runCli(
                  'cli get',
                  ['get', cliName],
                  join(directory, 'down'),
                  cliEnv(timing.url, `config-${round}`),
                ),
              ),
            );
            await rm(join(directory, 'down', `cli ${label} ${round}.mcam`), { force: true });
          };
          const order =
            round % 2 === 0 ? [directUp, cliUp, directDown, cliDown] : [cliUp, directUp, cliDown, directDown];
          for (const step of order) await step();
          options.log(
            `  ${label} round ${round + 1}: direct parts ${puts[round]?.seconds.toFixed(1)} s, CLI add ${adds[round]?.seconds.toFixed(1)} s (check-in ${checkins[round]?.toFixed(1)} s); direct ranges ${gets[round]?.seconds.toFixed(1)} s, CLI get ${cliGets[round]?.seconds.toFixed(1)} s`,
          );
        }
        const clientSeconds = adds.map((add, round) => add.seconds - (checkins[round] ?? 0));
        transfers.push({
          sizeBytes: size,
          partSizeBytes: PART_BYTES,
          parallel: PARALLEL,
          hashSeconds: hashed.seconds,
          directPut: best(puts),
          cliAdd: best(adds),
          cliAddClientSeconds: Math.min(...clientSeconds),
          cliSendSeconds: Math.min(...clientSeconds) - hashed.seconds,
          cliCheckinSeconds: Math.min(...checkins),
          directGet: best(gets),
          cliGet: best(cliGets),
        });

        if (resume === null) resume = await resumeAfterCut(options.url, source, size, cliEnv, options.log);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    }
  } finally {
    await timing.close();
  }

  // Peak RSS with big files: sparse (no disk behind them), sent to a sink, so only the CLI is measured.
  const peakRss: PeakRssResult[] = [];
  const sink = await startStallingProxy(options.url, { sinkParts: true });
  try {
    for (const size of options.rssSizes) {
      const directory = join(options.work, `rss-${size}`);
      await mkdir(directory, { recursive: true });
      const path = join(directory, 'Sparse.mcam');
      await writeFile(path, '');
      await truncate(path, size);
      const measured = await measureCli(
        ['add', 'Sparse.mcam', `parts/sparse ${size}.mcam`],
        directory,
        cliEnv(sink.url, `rss-${size}`),
      );
      if (sink.parts().storedBytes < size)
        throw new Error(`the sink got ${sink.parts().storedBytes} of ${size} bytes`);
      peakRss.push({ sizeBytes: size, ...measured });
      options.log(
        `  peak RSS sending ${formatBytes(size)}: ${measured.peakRssMiB.toFixed(0)} MiB (${measured.seconds.toFixed(0)} s)`,
      );
      sink.passAllParts();
      await rm(directory, { recursive: true, force: true });
    }
  } finally {
    await sink.close();
  }
  if (!resume) throw new Error('no size to measure a resume with');
  return { transfers, resume, peakRss };
};

/** Cut after 60 % of the parts reached storage (the process killed), then a new process: what does it send? */
const resumeAfterCut = async (
  vaultUrl: string,
  source: string,
  size: number,
  env: (url: string, config: string) => Record<string, string>,
  log: (line: string) => void,
): Promise<ResumeResult> => {
  const partCount = Math.ceil(size / PART_BYTES);
  const partsBeforeCut = Math.ceil(partCount * 0.6);
  const front = await startStallingProxy(vaultUrl, { passParts: partsBeforeCut });
  const name = `parts/resumed ${size}.mcam`;
  const local = basename(source);
  try {
    const first = spawn(process.execPath, [CLI, 'add', local, name], {
      cwd: dirname(source),
      env: { ...process.env, ...env(front.url, 'resume') },
      stdio: 'ignore',
    });
    const stalledAtOnce = Math.min(PARALLEL, partCount - partsBeforeCut);
    for (let waited = 0; ; waited += 50) {
      const { stored, stalled } = front.parts();
      if (stored.length === partsBeforeCut && stalled === stalledAtOnce) break;
      if (waited > 600_000) throw new Error('the first run never reached the cut');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.on('close', resolve));
    front.passAllParts();
    await runCli('resumed', ['add', local, name], dirname(source), env(front.url, 'resume'));
    const bytesAfterCut = front.parts().storedBytes;
    log(
      `  resume: cut after ${partsBeforeCut} of ${partCount} parts; the new process sent ${formatBytes(bytesAfterCut)} of ${formatBytes(size)} (${((100 * bytesAfterCut) / size).toFixed(0)} %)`,
    );
    return { sizeBytes: size, partCount, partsBeforeCut, bytesAfterCut };
  } finally {
    await front.close();
  }
};
