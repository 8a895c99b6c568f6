/** The bench's driver: options, the shared emulators and server, each section in turn, then the report. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { emulatorClients, serveVault, startEmulators } from '#infra/local/local-vault';
import {
  type BenchResults,
  type EarlierRun,
  machineDescription,
  type RunInfo,
  writeReport,
} from './lib/report';
import { GiB, MiB, parseSize } from './lib/stats';
import { awsCalls } from './sections/aws-calls';
import { bytes } from './sections/bytes';
import { coldStart } from './sections/cold-start';
import { contention } from './sections/contention';
import { fanOut } from './sections/fan-out';
import { fileLife } from './sections/file-life';
import { listing } from './sections/listing';
import { lockScale } from './sections/lock-scale';
import { multipart } from './sections/multipart';
import { folderRules } from './sections/rules';
import { statusBench } from './sections/status';
import { syncBench } from './sections/sync';

export const SECTIONS = [
  'cold-start',
  'calls',
  'contention',
  'locks',
  'listing',
  'rules',
  'life',
  'fanout',
  'bytes',
  'sync',
  'status',
  'multipart',
] as const;
export type SectionName = (typeof SECTIONS)[number];

/** Where each section keeps its figures in results.json. */
const RESULT_KEYS: Record<SectionName, keyof BenchResults> = {
  'cold-start': 'coldStart',
  calls: 'calls',
  contention: 'contention',
  locks: 'locks',
  listing: 'listing',
  rules: 'rules',
  life: 'life',
  fanout: 'fanOut',
  bytes: 'bytes',
  sync: 'sync',
  status: 'status',
  multipart: 'multipart',
};

/** Sections that need the local HTTP server (the others call the core directly). */
const SERVED: SectionName[] = ['contention', 'bytes', 'sync', 'status', 'multipart'];

export interface BenchOptions {
  quick: boolean;
  only: Set<SectionName>;
  lockCounts: number[];
  fileCounts: number[];
  contentionUsers: number;
  contentionRounds: number;
  byteSizes: number[];
  /** Section 10: transfers in parts of these sizes, and peak RSS at these (sparse files). */
  partSizes: number[];
  rssSizes: number[];
  coldStartRuns: number;
  /** `camvault sync` of this many 1 MiB files, this many times. */
  syncFiles: number;
  syncRounds: number;
  /** `camvault status` of workspaces of these two sizes. */
  statusSizes: [number, number];
  outDir: string;
  /** Keep the figures of the sections not run from the results.json already in outDir. */
  merge: boolean;
  /** Write the report again from a run's results.json, measuring nothing. */
  from: string | null;
}

const BENCH_DIR = __dirname;
const SECRET = 'camvault-bench-secret';
/** The table (and bucket) of the local server that some sections share, each under its own prefix. */
const SERVED_TABLE = 'camvault-bench';

export const parseOptions = (argv: string[]): BenchOptions => {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1])
      throw new Error(`unknown argument "${arg}" (try --quick, --only=locks,calls, --sizes=256M)`);
    flags.set(match[1], match[2] ?? 'true');
  }
  for (const flag of flags.keys()) {
    if (!['quick', 'only', 'sizes', 'part-sizes', 'out', 'from', 'merge'].includes(flag))
      throw new Error(`unknown flag --${flag}`);
  }
  const quick = flags.get('quick') === 'true';
  const only = new Set<SectionName>();
  for (const name of (flags.get('only') ?? SECTIONS.join(',')).split(',')) {
    if (!SECTIONS.includes(name as SectionName))
      throw new Error(`unknown section "${name}"; sections: ${SECTIONS.join(', ')}`);
    only.add(name as SectionName);
  }
  return {
    quick,
    only,
    lockCounts: quick ? [100, 1000, 10_000] : [100, 1000, 10_000, 100_000],
    fileCounts: quick ? [100, 1000, 10_000] : [1000, 10_000, 100_000],
    contentionUsers: quick ? 200 : 1000,
    contentionRounds: quick ? 1 : 3,
    byteSizes: flags.has('sizes')
      ? (flags.get('sizes') as string).split(',').map(parseSize)
      : quick
        ? [64 * MiB, 256 * MiB]
        : [1 * GiB, 2 * GiB],
    partSizes: flags.has('part-sizes')
      ? (flags.get('part-sizes') as string).split(',').map(parseSize)
      : quick
        ? [64 * MiB]
        : [1 * GiB, 4 * GiB],
    rssSizes: quick ? [1 * GiB] : [4 * GiB, 20 * GiB],
    coldStartRuns: quick ? 3 : 11,
    syncFiles: quick ? 50 : 200,
    syncRounds: quick ? 1 : 3,
    statusSizes: quick ? [200, 2000] : [500, 5000],
    merge: flags.get('merge') === 'true',
    from: flags.has('from') ? resolve(flags.get('from') as string) : null,
    outDir: resolve(
      flags.get('out') ?? (quick ? join(BENCH_DIR, '..', 'test-artifacts', 'bench-quick') : BENCH_DIR),
    ),
  };
};

/**
 * `--merge`: the figures of every section this run did not measure are taken from the results.json
 * already in the output directory (itself perhaps a merge), each with the run that measured it.
 */
const keepEarlierFigures = (options: BenchOptions, saved: SavedRun, results: BenchResults): EarlierRun[] => {
  const runs = new Map<string, EarlierRun>();
  for (const section of SECTIONS) {
    const key = RESULT_KEYS[section];
    if (options.only.has(section) || saved.results[key] === undefined) continue;
    (results as Record<string, unknown>)[key] = saved.results[key];
    const from = saved.info.earlier?.find((run) => run.sections.includes(section)) ?? {
      startedAt: saved.info.startedAt,
      mode: saved.info.mode,
      commit: saved.info.machine.commit ?? '?',
      sections: [],
    };
    const run = runs.get(from.startedAt) ?? { ...from, sections: [] };
    run.sections.push(section);
    runs.set(from.startedAt, run);
  }
  return [...runs.values()];
};

interface SavedRun {
  info: RunInfo;
  results: BenchResults;
}

const readSaved = async (file: string): Promise<SavedRun> => JSON.parse(await readFile(file, 'utf8'));

export const main = async (argv: string[]): Promise<void> => {
  const options = parseOptions(argv);
  if (options.from) {
    // The same figures, written again (after a change to the report's wording or charts).
    const saved = await readSaved(options.from);
    await mkdir(options.outDir, { recursive: true });
    const written = await writeReport(options.outDir, saved.info, saved.results);
    console.log(`wrote ${written.join(', ')} from ${options.from}`);
    return;
  }
  // Read first: a missing or broken results.json fails the run before it measures anything.
  const earlierRun = options.merge ? await readSaved(join(options.outDir, 'results.json')) : null;
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? 0;
  const started = performance.now();
  const log = (line: string) => console.log(line);
  const work = await mkdtemp(join(tmpdir(), 'camvault-bench-'));
  const results: BenchResults = {};
  const sectionSeconds: Partial<Record<SectionName, number>> = {};
  log(
    `camvault bench (${options.quick ? 'quick' : 'full'}): ${[...options.only].join(', ')}; work in ${work}`,
  );

  const failures: Partial<Record<SectionName, string>> = {};
  /** Runs one section; a section that fails is reported as failed, and the others still run. */
  const run = async <T>(name: SectionName, work: () => Promise<T>, store: (result: T) => void) => {
    if (!options.only.has(name)) return;
    log(`\n== ${name}`);
    const sectionStarted = performance.now();
    try {
      store(await work());
    } catch (error) {
      failures[name] = (error as Error).stack ?? String(error);
      log(`   FAILED: ${failures[name]}`);
    }
    sectionSeconds[name] = (performance.now() - sectionStarted) / 1000;
    log(`   (${sectionSeconds[name]?.toFixed(0)} s)`);
  };

  let stopEmulators = async (): Promise<void> => undefined;
  let closeServer = async (): Promise<void> => undefined;
  try {
    // First, while nothing else runs: fresh Node processes loading bundles are sensitive to a busy machine.
    await run(
      'cold-start',
      () => coldStart({ runs: options.coldStartRuns, log }),
      (rows) => {
        results.coldStart = rows;
      },
    );

    const needsEmulators = SECTIONS.some((name) => name !== 'cold-start' && options.only.has(name));
    if (needsEmulators) {
      const emulators = await startEmulators({ dataDir: null, s3Directory: join(work, 's3') });
      stopEmulators = emulators.stop;
      const endpoints = emulators.endpoints;
      let url = '';
      if (SERVED.some((name) => options.only.has(name))) {
        const served = await serveVault({
          endpoints,
          table: SERVED_TABLE,
          bucket: 'camvault-bench',
          jwtSecret: SECRET,
          environment: {
            CAMVAULT_MAX_UPLOAD_BYTES: String(Math.max(...options.byteSizes, 50 * GiB)),
            // Section 5 compares one PUT with one PUT; section 12 asks for parts itself.
            CAMVAULT_MULTIPART_THRESHOLD_BYTES: String(5 * GiB),
          },
          // As on AWS, where storage's events start the verifier: parts are verified as they arrive.
          verifyEveryMs: 500,
        });
        closeServer = served.close;
        url = served.url;
      }
      await run(
        'calls',
        () => awsCalls(endpoints),
        (rows) => {
          results.calls = rows;
        },
      );
      await run(
        'contention',
        () =>
          contention({
            url,
            secret: SECRET,
            users: options.contentionUsers,
            rounds: options.contentionRounds,
            log,
          }),
        (result) => {
          results.contention = result;
        },
      );
      await run(
        'locks',
        () => lockScale(endpoints, { counts: options.lockCounts, work, warmupMs: 3000, log }),
        (points) => {
          results.locks = points;
        },
      );
      await run(
        'listing',
        () => listing(endpoints, { counts: options.fileCounts, work, log }),
        (points) => {
          results.listing = points;
        },
      );
      await run(
        'rules',
        () => folderRules(endpoints, { log }),
        (result) => {
          results.rules = result;
        },
      );
      await run(
        'life',
        () => fileLife(endpoints, { quick: options.quick, log }),
        (result) => {
          results.life = result;
        },
      );
      await run(
        'fanout',
        () => fanOut(endpoints, { log }),
        (points) => {
          results.fanOut = points;
        },
      );
      await run(
        'bytes',
        () =>
          bytes({ url, secret: SECRET, sizes: options.byteSizes, rounds: options.quick ? 1 : 2, work, log }),
        (rows) => {
          results.bytes = rows;
        },
      );
      await run(
        'sync',
        () =>
          syncBench({
            url,
            secret: SECRET,
            files: options.syncFiles,
            rounds: options.syncRounds,
            work,
            log,
          }),
        (result) => {
          results.sync = result;
        },
      );
      await run(
        'status',
        () =>
          statusBench({
            url,
            secret: SECRET,
            dynamodb: emulatorClients(endpoints).dynamodb,
            table: SERVED_TABLE,
            sizes: options.statusSizes,
            work,
            log,
          }),
        (result) => {
          results.status = result;
        },
      );
      await run(
        'multipart',
        () =>
          multipart({
            url,
            secret: SECRET,
            sizes: options.partSizes,
            rssSizes: options.rssSizes,
            rounds: options.quick ? 1 : 2,
            work,
            log,
          }),
        (result) => {
          results.multipart = result;
        },
      );
    }
  } finally {
    await closeServer();
    await stopEmulators();
    await rm(work, { recursive: true, force: true });
  }

  const earlier = earlierRun ? keepEarlierFigures(options, earlierRun, results) : [];
  const info: RunInfo = {
    mode: options.quick ? 'quick' : 'full',
    startedAt: startedAt.toISOString(),
    totalSeconds: (performance.now() - started) / 1000,
    sectionSeconds,
    failures,
    machine: machineDescription(),
    loadAverage: [loadAtStart, loadavg()[0] ?? 0],
    earlier,
    options: {
      lockCounts: options.lockCounts,
      fileCounts: options.fileCounts,
      contentionUsers: options.contentionUsers,
      contentionRounds: options.contentionRounds,
      byteSizes: options.byteSizes,
      coldStartRuns: options.coldStartRuns,
      syncFiles: options.syncFiles,
      syncRounds: options.syncRounds,
      statusSizes: options.statusSizes,
    },
  };
  await mkdir(options.outDir, { recursive: true });
  const written = await writeReport(options.outDir, info, results);
  await writeFile(join(options.outDir, 'results.json'), `${JSON.stringify({ info, results }, null, 2)}\n`);
  log(`\nwrote ${written.join(', ')} in ${info.totalSeconds.toFixed(0)} s`);
  if (Object.keys(failures).length > 0) {
    log(`failed: ${Object.keys(failures).join(', ')}`);
    process.exitCode = 1;
  }
};
