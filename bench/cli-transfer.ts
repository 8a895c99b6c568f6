/**
 * How the `camvault` command copes with a big file: time and peak memory of each CLI process.
 *
 *   node --import tsx bench/cli-transfer.ts        # 2 GiB (needs ~12 GB of free disk)
 *   node --import tsx bench/cli-transfer.ts 200M   # any size: 500K, 200M, 2G (binary units)
 *
 * `npm run bench` (bench/run.ts) reuses its helpers to compare the CLI with direct presigned transfers.
 *
 * Starts the emulators and the local server in this process, like the tests do, generates the file
 * by streaming (never holding it), then runs the real CLI as child processes: add (hash + upload),
 * get (download + verify), checkout (download into a fresh working directory), and checkin after
 * changing one byte (hash + upload). The server verifies every upload by hashing it, inside `add`
 * and `checkin` times. Peak RSS is the CLI process's own high-water mark, VmHWM of /proc/self/status,
 * written by a tiny hook loaded with `node --import`. Not getrusage's maxRSS: Linux carries that across
 * fork and exec, so a child reports its parent's peak when the parent was bigger (a bench process that
 * listed 100,000 files made every child "use" 220 MiB).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devToken } from '../infra/local/jwt';
import { parseSize } from './lib/stats';

export const CLI = join(__dirname, '..', 'cli', 'bin.js');
const SECRET = 'bench-secret';
const NAME = 'bench/Big Part.mcam';
const LOCAL_NAME = 'Big Part.mcam';
const BLOCK = 1024 * 1024;

const mib = (bytes: number) => bytes / 1024 / 1024;

/** Writes `size` bytes of pseudo-random data, one reused 1 MiB block stamped with its index. */
export const generate = (path: string, size: number): void => {
  const block = randomBytes(BLOCK);
  const fd = openSync(path, 'wx');
  try {
    for (let offset = 0, index = 0; offset < size; offset += BLOCK, index++) {
      block.writeBigUInt64LE(BigInt(index), 0);
      writeSync(fd, block, 0, Math.min(BLOCK, size - offset));
    }
  } finally {
    closeSync(fd);
  }
};

/** Overwrites one byte in the middle: a "change" that still needs the whole file hashed and sent. */
const touch = (path: string, size: number): void => {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.from([0x42]), 0, 1, Math.floor(size / 2));
  } finally {
    closeSync(fd);
  }
};

// Loaded into each CLI process: on exit, write its peak RSS (KiB) where the bench says (VmHWM where
// /proc has it, else maxRSS).
export const RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  "import { readFileSync, writeFileSync } from 'node:fs';" +
    'const peak = () => { try { return Number(/VmHWM:\\s*(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]); } catch { return process.resourceUsage().maxRSS; } };' +
    'process.on("exit", () => writeFileSync(process.env.CAMVAULT_BENCH_RSS_FILE, String(peak())));',
)}`;

export interface Measured {
  step: string;
  seconds: number;
  peakRssMiB: number;
}

/** Runs `node --import RSS_HOOK <script> ...args` and measures its wall time and peak RSS. */
export const runMeasured = async (
  step: string,
  script: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Measured> => {
  const rssFile = join(tmpdir(), `camvault-bench-rss-${randomBytes(4).toString('hex')}`);
  const started = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', RSS_HOOK, ...script], {
      cwd,
      env: { ...process.env, ...env, CAMVAULT_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk) => {
      errors += chunk;
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, stderr: errors }));
  });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${step} (${script.join(' ')}) exited ${code}: ${stderr}`);
  const peakRssKiB = Number(await readFile(rssFile, 'utf8'));
  await rm(rssFile, { force: true });
  return { step, seconds, peakRssMiB: peakRssKiB / 1024 };
};

/** Runs the real `camvault` command as a child process. */
export const runCli = async (step: string, args: string[], cwd: string, env: Record<string, string>) => {
  const measured = await runMeasured(step, [CLI, ...args], cwd, env);
  console.log(
    `${step.padEnd(9)} ${measured.seconds.toFixed(1).padStart(7)} s  ${measured.peakRssMiB.toFixed(0).padStart(5)} MiB peak RSS`,
  );
  return measured;
};

const main = async () => {
  // Before the server's modules load (so imported here, not at the top): no per-request logs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.CAMVAULT_LOG_LEVEL ??= 'SILENT';
  const { serveVault, startEmulators } = await import('../infra/local/local-vault');
  const size = parseSize(process.argv[2] ?? process.env.CAMVAULT_BENCH_SIZE ?? '2G');
  const work = await mkdtemp(join(tmpdir(), 'camvault-bench-'));
  const directories = Object.fromEntries(
    ['source', 'get', 'checkout'].map((name) => [name, join(work, name)]),
  ) as Record<'source' | 'get' | 'checkout', string>;
  for (const directory of Object.values(directories)) await mkdir(directory);

  console.log(
    `camvault CLI transfer bench: ${mib(size).toFixed(0)} MiB, Node ${process.version}, in ${work}`,
  );
  const emulators = await startEmulators({ dataDir: null, s3Directory: join(work, 's3') });
  let closeServer = async (): Promise<void> => undefined;
  try {
    const served = await serveVault({
      endpoints: emulators.endpoints,
      table: 'camvault-bench',
      bucket: 'camvault-bench',
      jwtSecret: SECRET,
      environment: { CAMVAULT_MAX_UPLOAD_BYTES: String(Math.max(size, 5 * 1024 ** 3)) },
    });
    closeServer = served.close;
    const env = {
      CAMVAULT_URL: served.url,
      CAMVAULT_TOKEN: devToken('bench', { admin: false, secret: SECRET, ttlSeconds: 6 * 3600 }),
      CAMVAULT_CONFIG_DIR: join(work, 'config'),
    };

    const started = performance.now();
    generate(join(directories.source, LOCAL_NAME), size);
    console.log(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const results: Measured[] = [];
    results.push(await runCli('add', ['add', LOCAL_NAME, NAME], directories.source, env));
    results.push(await runCli('get', ['get', NAME], directories.get, env));
    results.push(await runCli('checkout', ['checkout', NAME], directories.checkout, env));
    touch(join(directories.checkout, LOCAL_NAME), size);
    results.push(await runCli('checkin', ['checkin', NAME, '-m', 'one byte'], directories.checkout, env));

    for (const directory of [directories.get, directories.checkout]) {
      const copy = await stat(join(directory, LOCAL_NAME));
      if (copy.size !== size) throw new Error(`${directory}: ${copy.size} bytes, expected ${size}`);
    }
    const peak = Math.max(...results.map((result) => result.peakRssMiB));
    console.log(`peak RSS of any CLI process: ${peak.toFixed(0)} MiB for a ${mib(size).toFixed(0)} MiB file`);
    console.log(JSON.stringify({ sizeBytes: size, node: process.version, results }));
  } finally {
    await closeServer();
    await emulators.stop();
    await rm(work, { recursive: true, force: true });
  }
};

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`bench failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  });
}
