/**
 * 11. Status: `camvault status` of a workspace whose files are all unchanged and current, at two
 * sizes (ten times apart), through the real CLI (a child process: what a programmer waits for) and
 * as the status function in this process (the same work without the CLI's start, which would
 * flatter its growth). The vault and the workspace are seeded straight away: file items written
 * into the table, the local files and the workspace's state written as a sync would have left them.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { devToken } from '#infra/local/jwt';
import { VaultApi } from '../../cli/api';
import { Workspace } from '../../cli/workspace';
import { workspaceStatus } from '../../cli/workspace-status';
import { CLI, runMeasured } from '../cli-transfer';
import { fileRecord, seedTree } from '../lib/environment';
import { median, timed } from '../lib/stats';
import { startTimingProxy } from '../lib/timing-proxy';

const run = promisify(execFile);

/** Files per vault folder: a vault of 20,000 files in 400 folders has 50 a folder. */
const PER_FOLDER = 50;
const CLI_RUNS = 5;
const IN_PROCESS_RUNS = 9;

export interface StatusPoint {
  files: number;
  folders: number;
  /** Medians: the CLI as a child process, and the status function in this process. */
  cliMs: number;
  inProcessMs: number;
  cliRuns: number[];
  inProcessRuns: number[];
  /** Listing requests of one status (pages of 1,000). */
  listings: number;
  seedingMs: number;
}

export interface StatusResult {
  points: StatusPoint[];
  perFolder: number;
  /** `camvault --help`: starting the CLI at all. */
  cliStartMs: number;
}

const G_CODE = (name: string) => Buffer.from(`%\nO1000 (${name})\nG90 G54 G0 X0 Y0\nM30\n%\n`);

/** `files` current files in the vault and in a fresh workspace of their folder, as after a sync. */
const seedWorkspace = async (options: {
  dynamodb: DynamoDBClient;
  table: string;
  url: string;
  files: number;
  root: string;
}) => {
  const prefix = `status-${options.files}/`;
  const at = new Date().toISOString();
  const records = Array.from({ length: options.files }, (_, index) => {
    const name = `${prefix}job-${String(Math.floor(index / PER_FOLDER)).padStart(4, '0')}/op-${String(index % PER_FOLDER).padStart(3, '0')}.mcam`;
    const bytes = G_CODE(name);
    return {
      record: {
        ...fileRecord(name, null, at),
        sizeBytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      },
      bytes,
    };
  });
  await seedTree(
    options.dynamodb,
    options.table,
    records.map(({ record }) => record),
  );
  await mkdir(options.root, { recursive: true });
  const workspace = await Workspace.create(options.root, prefix, options.url);
  const local = (name: string) => join(options.root, ...name.slice(prefix.length).split('/'));
  for (let folder = 0; folder * PER_FOLDER < options.files; folder++)
    await mkdir(join(options.root, `job-${String(folder).padStart(4, '0')}`));
  // A few hundred at a time: enough to keep the disk busy, few enough for the open-files limit.
  for (let next = 0; next < records.length; next += 250) {
    await Promise.all(
      records.slice(next, next + 250).map(async ({ record, bytes }) => {
        const path = local(record.name);
        await writeFile(path, bytes);
        await chmod(path, 0o444);
        workspace.record(record, await stat(path));
      }),
    );
  }
  await workspace.save();
  return { prefix, folders: Math.ceil(options.files / PER_FOLDER) };
};

export const statusBench = async (options: {
  url: string;
  secret: string;
  dynamodb: DynamoDBClient;
  table: string;
  sizes: [number, number];
  work: string;
  log: (line: string) => void;
}): Promise<StatusResult> => {
  const token = devToken('status-bench', { admin: false, secret: options.secret, ttlSeconds: 6 * 3600 });
  const env = {
    CAMVAULT_URL: options.url,
    CAMVAULT_TOKEN: token,
    CAMVAULT_CONFIG_DIR: join(options.work, 'status-cli-config'),
  };
  const signal = new AbortController().signal;
  const api = new VaultApi({ url: options.url, token }, signal);
  // Counts the API requests of one CLI status (it should make only listings, a page per 1,000 files).
  const proxy = await startTimingProxy(options.url);

  const subjects = [];
  try {
    for (const files of options.sizes) {
      const root = join(options.work, `status-${files}`);
      const { result: seeded, ms: seedingMs } = await timed(() =>
        seedWorkspace({ dynamodb: options.dynamodb, table: options.table, url: options.url, files, root }),
      );
      // The CLI must find every file up to date (that it reads none of them, the tests assert).
      proxy.take();
      const { stdout } = await run(process.execPath, [CLI, 'status', '--json'], {
        cwd: root,
        env: { ...process.env, ...env, CAMVAULT_URL: proxy.url },
      });
      const shown = (JSON.parse(stdout) as { entries: unknown[] }).entries;
      if (shown.length !== 0) throw new Error(`status of ${files} files showed ${shown.length} entries`);
      const requests = proxy.take();
      if (requests.some((call) => !call.path.startsWith('/files?')))
        throw new Error(`status made other requests than listings: ${requests.map((call) => call.path)}`);
      options.log(
        `  ${files} files in ${seeded.folders} folders seeded in ${(seedingMs / 1000).toFixed(1)} s`,
      );
      const inProcess = async () => {
        const { ms, result } = await timed(async () => {
          const workspace = (await Workspace.find(root)) as Workspace;
          const status = await workspaceStatus(api, workspace, { folder: seeded.prefix }, signal);
          await workspace.save();
          return status;
        });
        const unchanged = result.entries.filter(
          (entry) => entry.local === 'unchanged' && entry.vault === 'current',
        ).length;
        if (unchanged !== files) throw new Error(`status found ${unchanged} of ${files} files unchanged`);
        return ms;
      };
      const cli = async () => (await runMeasured('cli status', [CLI, 'status'], root, env)).seconds * 1000;
      subjects.push({ files, folders: seeded.folders, listings: requests.length, seedingMs, inProcess, cli });
    }
  } finally {
    await proxy.close();
  }
  const starts: number[] = [];
  for (let i = 0; i < 3; i++)
    starts.push((await runMeasured('cli start', [CLI, '--help'], options.work, env)).seconds * 1000);
  const cliStartMs = median(starts);

  // Alternating sizes run by run, after a warm-up of each, so drift falls on both alike.
  const times = subjects.map(() => ({ cli: [] as number[], inProcess: [] as number[] }));
  for (const subject of subjects) await subject.inProcess();
  for (let runIndex = 0; runIndex < IN_PROCESS_RUNS; runIndex++)
    for (const [i, subject] of subjects.entries()) times[i]?.inProcess.push(await subject.inProcess());
  for (let runIndex = 0; runIndex < CLI_RUNS; runIndex++)
    for (const [i, subject] of subjects.entries()) times[i]?.cli.push(await subject.cli());

  const points = subjects.map((subject, i): StatusPoint => {
    const measured = times[i] ?? { cli: [], inProcess: [] };
    return {
      files: subject.files,
      folders: subject.folders,
      cliMs: median(measured.cli),
      inProcessMs: median(measured.inProcess),
      cliRuns: measured.cli,
      inProcessRuns: measured.inProcess,
      listings: subject.listings,
      seedingMs: subject.seedingMs,
    };
  });
  for (const point of points)
    options.log(
      `  ${point.files} files: camvault status ${point.cliMs.toFixed(0)} ms, in process ${point.inProcessMs.toFixed(0)} ms`,
    );
  return { points, perFolder: PER_FOLDER, cliStartMs };
};
