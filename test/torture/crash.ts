/**
 * Crash: the local server (`npm start`: node --import tsx infra/local/main.ts, its own data directory
 * and port) is killed with SIGKILL at random moments of a run of check-ins and started again each time.
 * Right after each restart, before the client retries, the whole vault is audited: every file at its
 * old or its new version and never between, no lock lost or duplicated. Then the client retries what
 * it was doing: the retry must complete, or get a clear error from the contract.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '#infra/local/emulators';
import { devToken } from '#infra/local/jwt';
import { ApiClient, encodeName, sha256Hex } from '../support/http';
import { isNetworkError, sleep, Tally } from './support';

const MAIN = join(__dirname, '..', '..', 'infra', 'local', 'main.ts');
const SECRET = 'crash-torture-secret';

/** DynamoDB Local processes still running on this data directory (they stop shortly after their server). */
const javaProcessesOn = (dataDir: string): number =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.startsWith('java') && line.includes(dataDir)).length;

/** This process's environment without any camvault or AWS setting an earlier test may have left in it. */
const cleanEnvironment = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(CAMVAULT_|AWS_)/.test(name)));

/** `npm start` as a child process, which this test alone kills and restarts. */
export class LocalServerProcess {
  private child: ChildProcess | null = null;
  private up: Promise<void> = Promise.resolve();
  private markUp: () => void = () => undefined;
  readonly url: string;
  starts = 0;
  startMs: number[] = [];

  constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        ...cleanEnvironment(),
        PORT: String(this.port),
        CAMVAULT_DATA_DIR: this.dataDir,
        CAMVAULT_JWT_SECRET: SECRET,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the server did not start in 90 s:\n${output}`)),
        90_000,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/running at http/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code ?? signal}) while starting:\n${output}`));
      });
    });
    child.stdout?.removeAllListeners('data');
    child.stdout?.resume();
    child.stderr?.resume();
    this.starts++;
    this.startMs.push(performance.now() - started);
  }

  /** Resolves once the server answers again (at once when it was never killed). */
  whenUp(): Promise<void> {
    return this.up;
  }

  /** SIGKILL, then wait for its DynamoDB Local to let go of the data directory. */
  async kill(): Promise<void> {
    this.up = new Promise((resolve) => {
      this.markUp = resolve;
    });
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    for (let i = 0; i < 300 && javaProcessesOn(this.dataDir) > 0; i++) await sleep(100);
    if (javaProcessesOn(this.dataDir) > 0)
      throw new Error('DynamoDB Local outlived its killed server by 30 s');
  }

  /** Started again after a kill: lets the waiting client go on. */
  resume(): void {
    this.markUp();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

export interface CrashParameters {
  checkins: number;
  files: number;
  /** Chance that a check-in gets a kill; the small run names the check-ins instead. */
  killChance: number;
  killAt?: number[];
}

type Phase = 'checkout' | 'stage' | 'put' | 'checkin' | 'after';

interface FileState {
  version: number;
  sha256: string;
}

export interface CrashReport {
  parameters: CrashParameters;
  seconds: number;
  checkins: number;
  kills: number;
  killsByPhase: Record<string, number>;
  /** What the client's retry got after a kill: completed, or the contract's error code. */
  retries: Record<string, number>;
  /** Of the kills during a check-in request: whether it had committed before the kill. */
  committedBeforeKill: number;
  serverStartSeconds: number[];
  audits: number;
  violations: string[];
}

/** Runs the check-ins with kills; audits after every restart and at the end. */
export const runCrash = async (parameters: CrashParameters): Promise<CrashReport> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'camvault-crash-'));
  const server = new LocalServerProcess(dataDir, await freePort());
  const client = new ApiClient(
    server.url,
    devToken('crasher', { admin: false, secret: SECRET, ttlSeconds: 6 * 3600 }),
  );
  const violations: string[] = [];
  const killsByPhase = new Tally();
  const retries = new Tally();
  let committedBeforeKill = 0;
  let audits = 0;
  const names = Array.from({ length: parameters.files }, (_, i) => `crash/Part ${i}.mcam`);
  const model = new Map<string, FileState>();
  const started = performance.now();

  /** Everything the vault shows must agree with the model; `target` may be at `before` or at `next`. */
  const audit = async (
    label: string,
    target: {
      name: string;
      before: FileState;
      next: FileState;
      lockId: string | null;
      lockMayBeAbsent: boolean;
    } | null,
    allVersions = false,
  ): Promise<'before' | 'next' | null> => {
    audits++;
    let targetAt: 'before' | 'next' | null = null;
    const locks = (await client.get('/locks?limit=1000')).body.locks as {
      name: string;
      user: string;
      lockId: string;
    }[];
    if (new Set(locks.map((lock) => lock.name)).size !== locks.length)
      violations.push(`${label}: a lock is listed twice: ${JSON.stringify(locks)}`);
    for (const name of names) {
      const file = (await client.get(`/files/${encodeName(name)}`)).body;
      const history = (await client.get(`/versions/${encodeName(name)}?limit=1000`)).body
        .versions as FileState[];
      const numbers = history.map((version) => version.version);
      if (
        JSON.stringify(numbers) !==
        JSON.stringify(Array.from({ length: file.version }, (_, i) => file.version - i))
      )
        violations.push(`${label}: ${name} has versions ${numbers.join(',')} for version ${file.version}`);
      if (history[0]?.sha256 !== file.sha256)
        violations.push(`${label}: ${name}'s SHA-256 is not its latest version's`);
      const versionsToRead = allVersions ? history.map((version) => version.version) : [file.version];
      for (const version of versionsToRead) {
        const bytes = await client.downloadBytes(name, version);
        const expected = history.find((entry) => entry.version === version)?.sha256;
        if (sha256Hex(bytes) !== expected)
          violations.push(`${label}: ${name} v${version}: bytes do not match the SHA-256`);
      }
      const lock = locks.find((entry) => entry.name === name);
      if ((file.lock?.lockId ?? null) !== (lock?.lockId ?? null))
        violations.push(`${label}: ${name}: the file and /locks show different locks`);
      if (target?.name === name) {
        const at = file.version === target.next.version && file.sha256 === target.next.sha256 ? 'next' : null;
        targetAt =
          at ??
          (file.version === target.before.version && file.sha256 === target.before.sha256 ? 'before' : null);
        if (!targetAt)
          violations.push(
            `${label}: ${name} is at v${file.version} (${file.sha256}), neither its old v${target.before.version} nor its new v${target.next.version}`,
          );
        if (targetAt === 'next' && lock)
          violations.push(`${label}: ${name} was checked in but is still locked`);
        if (targetAt === 'before') {
          if (lock && lock.user !== 'crasher') violations.push(`${label}: ${name} is locked by ${lock.user}`);
          if (!lock && !target.lockMayBeAbsent)
            violations.push(`${label}: ${name}: the client's lock was lost`);
          if (lock && target.lockId && lock.lockId !== target.lockId)
            violations.push(`${label}: ${name}: the lock changed from ${target.lockId} to ${lock.lockId}`);
        }
      } else {
        const expected = model.get(name);
        if (file.version !== expected?.version || file.sha256 !== expected?.sha256)
          violations.push(`${label}: ${name} moved to v${file.version} while nobody checked it in`);
        if (lock) violations.push(`${label}: ${name} is locked while nobody checked it out`);
      }
    }
    return targetAt;
  };

  const estimates: number[] = [];
  let owedKill = false;
  try {
    await server.start();
    for (const name of names) {
      const bytes = randomBytes(4096);
      const answer = await client.commit(name, bytes, 'v1');
      if (answer.status !== 200)
        throw new Error(`seeding ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
      model.set(name, { version: 1, sha256: sha256Hex(bytes) });
    }

    for (let i = 0; i < parameters.checkins; i++) {
      const name = names[i % names.length] as string;
      const before = model.get(name) as FileState;
      // 64 KiB – 4 MiB: long enough that a kill can land in the PUT or in the server's hashing.
      const bytes = randomBytes(64 * 1024 + Math.floor(Math.random() * 4 * 1024 * 1024));
      const next: FileState = { version: before.version + 1, sha256: sha256Hex(bytes) };
      let phase = 'checkout' as Phase;
      let lockId: string | null = null;
      let lockMayBeAbsent = true;
      let killed = false;
      const planned =
        parameters.killAt !== undefined
          ? parameters.killAt.includes(i)
          : Math.random() < parameters.killChance;
      const kill = planned || owedKill;
      const typical = estimates.length > 0 ? estimates.reduce((a, b) => a + b, 0) / estimates.length : 400;
      const killing = kill
        ? (async () => {
            await sleep(Math.random() * typical);
            // The check-in was quicker than the moment drawn: the kill falls on the next one instead.
            if (phase === 'after') {
              owedKill = true;
              return;
            }
            owedKill = false;
            killed = true;
            killsByPhase.add(phase);
            const killedIn = phase;
            await server.kill();
            await server.start();
            const at = await audit(`after a kill during ${killedIn} of check-in ${i + 1}`, {
              name,
              before,
              next,
              lockId,
              lockMayBeAbsent,
            });
            if (killedIn === 'checkin' && at === 'next') committedBeforeKill++;
            server.resume();
          })()
        : Promise.resolve();

      /** One request, retried after the server comes back; `afterKill` notes how the retry went. */
      const call = async <T extends { status: number; body: any }>(request: () => Promise<T>): Promise<T> => {
        for (let attempt = 1; ; attempt++) {
          try {
            const answer = await request();
            if (attempt > 1)
              retries.add(
                answer.status < 300 ? 'completed' : `${answer.status} ${answer.body?.error?.code ?? '?'}`,
              );
            if (
              answer.status >= 500 ||
              (answer.status >= 400 && typeof answer.body?.error?.code !== 'string')
            )
              violations.push(
                `check-in ${i + 1}, ${phase}: not a clear answer: ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 200)}`,
              );
            return answer;
          } catch (error) {
            if (!isNetworkError(error) || attempt > 5) throw error;
            await server.whenUp();
          }
        }
      };

      const cycleStarted = performance.now();
      let done = false;
      for (let round = 1; !done; round++) {
        if (round > 5) throw new Error(`check-in ${i + 1} of ${name} did not complete in 5 rounds`);
        phase = 'checkout';
        const taken = await call(() => client.checkout(name, `crash ${i + 1}`));
        if (taken.status !== 201 && taken.status !== 200)
          violations.push(
            `check-in ${i + 1}: checkout answered ${taken.status} ${JSON.stringify(taken.body)}`,
          );
        lockId = taken.body.lock?.lockId ?? null;
        lockMayBeAbsent = false;
        phase = 'stage';
        const staged = await call(() => client.stage(name, bytes));
        if (staged.status !== 201) {
          violations.push(
            `check-in ${i + 1}: staging answered ${staged.status} ${JSON.stringify(staged.body)}`,
          );
          continue;
        }
        phase = 'put';
        let stored: Response;
        try {
          stored = await fetch(staged.body.url, { method: 'PUT', headers: staged.body.headers, body: bytes });
        } catch (error) {
          if (!isNetworkError(error)) throw error;
          // Storage went down with the server; its URL had its port: stage again.
          await server.whenUp();
          retries.add('PUT lost: staged again');
          continue;
        }
        if (stored.status !== 200) {
          violations.push(`check-in ${i + 1}: storage answered ${stored.status}`);
          continue;
        }
        phase = 'checkin';
        const checkedIn = await call(() =>
          client.checkin(name, { uploadId: staged.body.uploadId, message: `crash ${i + 1}` }),
        );
        if (checkedIn.status === 200) {
          if (
            checkedIn.body.version?.version !== next.version ||
            checkedIn.body.version?.sha256 !== next.sha256
          )
            violations.push(
              `check-in ${i + 1}: committed ${JSON.stringify(checkedIn.body.version)}, expected v${next.version}`,
            );
          done = true;
        } else if (checkedIn.status !== 412) {
          violations.push(
            `check-in ${i + 1}: check-in answered ${checkedIn.status} ${JSON.stringify(checkedIn.body)}`,
          );
        }
      }
      phase = 'after';
      await killing;
      if (!killed) estimates.push(performance.now() - cycleStarted);
      model.set(name, next);
    }
    await audit('at the end', null, true);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    parameters,
    seconds: (performance.now() - started) / 1000,
    checkins: parameters.checkins,
    kills: Object.values(killsByPhase.toJSON()).reduce((a, b) => a + b, 0),
    killsByPhase: killsByPhase.toJSON(),
    retries: retries.toJSON(),
    committedBeforeKill,
    serverStartSeconds: server.startMs.map((ms) => Math.round(ms / 100) / 10),
    audits,
    violations,
  };
};
