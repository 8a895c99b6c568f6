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
import { ApiClient, type ApiResponse, encodeName, sha256Hex } from '../support/http';
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
        CAMVAULT_LOG_LEVEL: 'SILENT',
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

export type Operation = 'checkin' | 'move' | 'delete' | 'restore';

type Phase = 'checkout' | 'stage' | 'put' | 'checkin' | 'move' | 'delete' | 'restore' | 'after';

export interface PlannedKill {
  operation: number;
  /** Waits for this phase, then kills at a random moment of its request's usual length. */
  phase?: Phase;
}

export interface CrashParameters {
  operations: number;
  files: number;
  /** Chance that an operation gets a kill at a random moment; the small run plans its kills instead. */
  killChance: number;
  /** The small run: the operations in order (else drawn at random), and its planned kills. */
  script?: Operation[];
  killAt?: PlannedKill[];
}

/** What the client knows of one file: where it is, every version's SHA-256, and its lock. */
interface FileModel {
  fileId: string;
  name: string;
  trashed: boolean;
  versions: string[];
  lockId: string | null;
}

/** The file an operation is changing: after a kill it must be at `before` or at `after`, nothing else. */
interface Target {
  operation: Operation;
  before: FileModel;
  after: FileModel;
  /** The audit entry the operation writes when it commits. */
  entry: string;
  /** A checkout is under way on a file without a lock: the lock may be absent or newly taken. */
  lockUnsettled: boolean;
  /** A lock the audit found that the client had not been told of yet (a checkout that committed). */
  observedLock: string | null;
}

export interface CrashReport {
  parameters: CrashParameters;
  seconds: number;
  operations: Record<string, number>;
  kills: number;
  /** `operation/phase`: what the client was doing when the server was killed. */
  killsByPhase: Record<string, number>;
  /** `operation/phase: answer` of the client's retry after a kill: completed, already done, or an error code. */
  retries: Record<string, number>;
  /** Of the kills during an operation's own request: `operation: committed | not committed` before the kill. */
  killedRequests: Record<string, number>;
  auditEntries: number;
  /** `operation/phase`: its usual length in ms, from the phases no kill cut short. */
  phaseMs: Record<string, number>;
  serverStartSeconds: number[];
  audits: number;
  violations: string[];
}

interface Listed {
  fileId: string;
  name: string;
  version: number;
  sha256: string;
  lock: { lockId: string; user: string } | null;
}

interface Trashed {
  fileId: string;
  name: string;
  version: number;
}

interface AuditEntry {
  type: string;
  user: string;
  name: string;
  fileId: string | null;
  details: Record<string, unknown>;
}

const FOLDERS = ['crash', 'crash/moved', 'elsewhere/deep'];

/** What an audit entry says, as the client can predict it: type, file, names, version, lock. */
const signature = (entry: AuditEntry): string => {
  const details = entry.details;
  switch (entry.type) {
    case 'FileCheckedOut':
      return `FileCheckedOut ${entry.fileId} ${entry.name} lock ${details.lockId}`;
    case 'FileCheckedIn':
      return `FileCheckedIn ${entry.fileId} ${entry.name} v${details.version} ${details.sha256} lock ${details.lockId}`;
    case 'FileMoved':
      return `FileMoved ${entry.fileId} ${details.from} -> ${entry.name}`;
    case 'FileDeleted':
      return `FileDeleted ${entry.fileId} ${entry.name} v${details.version}`;
    case 'FileRestored':
      return `FileRestored ${entry.fileId} ${entry.name} v${details.version}`;
    default:
      return `${entry.type} ${entry.fileId} ${entry.name} ${JSON.stringify(details)}`;
  }
};

/** The entries of `expected` missing from `actual`, and those of `actual` not expected (duplicates count). */
const multisetDifference = (expected: string[], actual: string[]) => {
  const counts = new Map<string, number>();
  for (const item of expected) counts.set(item, (counts.get(item) ?? 0) + 1);
  const unexpected: string[] = [];
  for (const item of actual) {
    const left = counts.get(item) ?? 0;
    if (left > 0) counts.set(item, left - 1);
    else unexpected.push(item);
  }
  const missing = [...counts].flatMap(([item, count]) => Array.from({ length: count }, () => item));
  return { missing, unexpected };
};

/** Every folder prefix a name is under, lowercased: `a/b/c.mcam` → `a/`, `a/b/`. */
const foldersOf = (name: string): string[] => {
  const segments = name.toLowerCase().split('/').slice(0, -1);
  return segments.map((_, i) => `${segments.slice(0, i + 1).join('/')}/`);
};

/** Knows which phase the client is in, and lets a planned kill wait for one. */
class PhaseTracker {
  current: Phase = 'after';
  private waiters: { phase: Phase; resolve: () => void }[] = [];
  private enteredAt = performance.now();
  /** The current phase was cut short by a kill: its length says nothing of a usual one. */
  private cut = false;
  readonly lengths = new Map<string, number[]>();

  set(phase: Phase, operation: Operation): void {
    const now = performance.now();
    if (this.current !== 'after' && !this.cut) {
      const key = `${operation}/${this.current}`;
      this.lengths.set(key, [...(this.lengths.get(key) ?? []), now - this.enteredAt]);
    }
    this.current = phase;
    this.enteredAt = now;
    this.cut = false;
    for (const waiter of this.waiters.filter((w) => w.phase === phase || phase === 'after')) waiter.resolve();
    this.waiters = this.waiters.filter((w) => w.phase !== phase && phase !== 'after');
  }

  killed(): void {
    this.cut = true;
  }

  reached(phase: Phase): Promise<void> {
    if (this.current === phase) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ phase, resolve }));
  }

  /** The shortest length seen of a phase of an operation (the first ones run on a cold server). */
  shortest(operation: Operation, phase: Phase): number {
    const seen = this.lengths.get(`${operation}/${phase}`) ?? [];
    return seen.length > 0 ? Math.min(...seen) : 30;
  }
}

/** Runs the operations with kills; audits the whole vault after every restart and at the end. */
export const runCrash = async (parameters: CrashParameters): Promise<CrashReport> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'camvault-crash-'));
  const server = new LocalServerProcess(dataDir, await freePort());
  const client = new ApiClient(
    server.url,
    devToken('crasher', { admin: false, secret: SECRET, ttlSeconds: 6 * 3600 }),
  );
  const admin = new ApiClient(
    server.url,
    devToken('auditor', { admin: true, secret: SECRET, ttlSeconds: 6 * 3600 }),
  );
  const violations: string[] = [];
  const operations = new Tally();
  const killsByPhase = new Tally();
  const retries = new Tally();
  const killedRequests = new Tally();
  let audits = 0;
  let auditEntries = 0;
  const files: FileModel[] = [];
  /** The audit entries of every change that committed, as `signature` writes them. */
  const committed: string[] = [];
  /** Every lock the client took (or the audit found taken): lockId → its FileCheckedOut entry. */
  const acquired = new Map<string, string>();
  let nameCounter = 0;
  const started = performance.now();

  /** All pages of a list route. */
  const all = async <T>(as: ApiClient, path: string, key: string): Promise<T[]> => {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page: ApiResponse = await as.get(
        `${path}${separator}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      if (page.status !== 200) throw new Error(`${path}: ${page.status} ${JSON.stringify(page.body)}`);
      items.push(...(page.body[key] as T[]));
      cursor = page.body.nextCursor;
    } while (cursor);
    return items;
  };

  const sameState = (observed: { name: string; trashed: boolean; versions: string[] }, model: FileModel) =>
    observed.name === model.name &&
    observed.trashed === model.trashed &&
    JSON.stringify(observed.versions) === JSON.stringify(model.versions);

  /**
   * Everything the vault shows must agree with the model, `target` at its `before` or its `after` state:
   * where each file is (exactly one live name or the trash), its versions and bytes, its lock, the
   * folder counts and the audit trail. Returns where the target was found.
   */
  const audit = async (label: string, target: Target | null, allVersions = false) => {
    audits++;
    const fail = (message: string) => violations.push(`${label}: ${message}`);
    const locks = await all<{ name: string; user: string; lockId: string }>(client, '/locks', 'locks');
    const live = await all<Listed>(client, '/files', 'files');
    const trash = await all<Trashed>(client, '/trash', 'trashed');
    const entries = await all<AuditEntry>(admin, '/audit', 'entries');
    auditEntries = entries.length;
    if (new Set(locks.map((lock) => lock.name.toLowerCase())).size !== locks.length)
      fail(`a lock is listed twice: ${JSON.stringify(locks)}`);

    let targetAt: 'before' | 'after' | null = null;
    const expectedLocks = new Map<string, string>();
    for (const file of live)
      if (!files.some((model) => model.fileId === file.fileId))
        fail(`an unknown file ${file.fileId} is live as ${file.name}`);
    for (const item of trash)
      if (!files.some((model) => model.fileId === item.fileId))
        fail(`an unknown file ${item.fileId} is in the trash as ${item.name}`);

    for (const model of files) {
      const asLive = live.filter((file) => file.fileId === model.fileId);
      const inTrash = trash.filter((item) => item.fileId === model.fileId);
      if (asLive.length + inTrash.length !== 1) {
        fail(
          `file ${model.fileId} (${model.name}) is live as [${asLive.map((f) => f.name).join(', ')}] and ${inTrash.length} time(s) in the trash: not exactly one place`,
        );
        continue;
      }
      const listed = asLive[0];
      const trashed = inTrash[0];
      let versions: string[];
      if (listed) {
        const direct = await client.get(`/files/${encodeName(listed.name)}`);
        if (direct.status !== 200 || direct.body.fileId !== model.fileId || direct.body.name !== listed.name)
          fail(
            `${listed.name} is listed but GET /files of it answers ${direct.status} ${JSON.stringify(direct.body)}`,
          );
        const history = await all<{ version: number; sha256: string }>(
          client,
          `/versions/${encodeName(listed.name)}`,
          'versions',
        );
        const numbers = history.map((version) => version.version);
        if (
          JSON.stringify(numbers) !==
          JSON.stringify(Array.from({ length: listed.version }, (_, i) => listed.version - i))
        )
          fail(`${listed.name} has versions ${numbers.join(',')} for version ${listed.version}`);
        versions = history.map((version) => version.sha256).reverse();
        if (versions[versions.length - 1] !== listed.sha256)
          fail(`${listed.name}'s SHA-256 is not its latest version's`);
        const versionsToRead = allVersions ? numbers : [listed.version];
        for (const version of versionsToRead) {
          const bytes = await client.downloadBytes(listed.name, version);
          if (sha256Hex(bytes) !== versions[version - 1])
            fail(`${listed.name} v${version}: bytes do not match the SHA-256`);
        }
        const lock = locks.find((entry) => entry.name.toLowerCase() === listed.name.toLowerCase());
        if ((listed.lock?.lockId ?? null) !== (lock?.lockId ?? null))
          fail(`${listed.name}: the file and /locks show different locks`);
      } else {
        const item = trashed as Trashed;
        versions = model.versions.slice(0, item.version);
        if (item.version !== model.versions.length)
          fail(
            `${item.name} is in the trash at v${item.version}, the client knows v${model.versions.length}`,
          );
        const direct = await client.get(`/files/${encodeName(item.name)}`);
        if (direct.status !== 404)
          fail(`${item.name} is in the trash but GET /files of it answers ${direct.status}`);
      }
      const observed = { name: listed?.name ?? (trashed as Trashed).name, trashed: !listed, versions };
      const lockId = listed?.lock?.lockId ?? null;
      const lockUser = listed?.lock?.user ?? null;
      if (lockUser !== null && lockUser !== 'crasher') fail(`${observed.name} is locked by ${lockUser}`);

      let expected: FileModel;
      if (target?.before.fileId === model.fileId) {
        const at = sameState(observed, target.after)
          ? 'after'
          : sameState(observed, target.before)
            ? 'before'
            : null;
        targetAt = at;
        if (!at) {
          fail(
            `${target.operation} of ${model.fileId}: it is ${observed.trashed ? 'in the trash' : 'live'} as ${observed.name} with ${observed.versions.length} version(s), neither its old state (${target.before.trashed ? 'trash' : 'live'} ${target.before.name}, ${target.before.versions.length}) nor its new one (${target.after.trashed ? 'trash' : 'live'} ${target.after.name}, ${target.after.versions.length})`,
          );
          continue;
        }
        expected = at === 'after' ? target.after : target.before;
        if (at === 'before' && target.lockUnsettled && lockId !== null) {
          // A checkout that committed before the kill: the lock the client is about to be told of.
          target.observedLock = lockId;
          acquired.set(lockId, `FileCheckedOut ${model.fileId} ${model.name} lock ${lockId}`);
          expected = { ...expected, lockId };
        }
        if (at === 'before' && target.lockUnsettled && lockId === null)
          expected = { ...expected, lockId: null };
      } else {
        expected = model;
        if (!sameState(observed, model))
          fail(
            `${model.fileId} changed while nobody changed it: ${observed.trashed ? 'trash' : 'live'} ${observed.name} with ${observed.versions.length} version(s), expected ${model.trashed ? 'trash' : 'live'} ${model.name} with ${model.versions.length}`,
          );
      }
      if (lockId !== expected.lockId)
        fail(
          `${observed.name}: lock ${lockId ?? 'none'}, expected ${expected.lockId ?? 'none'}${expected.lockId && !lockId ? ' (the lock was lost)' : ''}`,
        );
      if (expected.lockId && !expected.trashed)
        expectedLocks.set(expected.name.toLowerCase(), expected.lockId);
    }
    for (const lock of locks)
      if (expectedLocks.get(lock.name.toLowerCase()) !== lock.lockId)
        fail(`/locks holds ${lock.name} (${lock.lockId}, ${lock.user}), which no file should hold`);
    if (locks.length !== expectedLocks.size)
      fail(`${locks.length} lock(s) listed, ${expectedLocks.size} expected`);

    // Folder counts: every folder of a live file with the number of files under it, and no other folder.
    const expectedFolders = new Tally();
    for (const file of live) for (const folder of foldersOf(file.name)) expectedFolders.add(folder);
    const observedFolders = new Tally();
    const walk = async (prefix: string): Promise<void> => {
      const folders = await all<{ prefix: string; files: number }>(
        client,
        `/folders?prefix=${encodeURIComponent(prefix)}`,
        'folders',
      );
      for (const folder of folders) {
        observedFolders.add(folder.prefix.toLowerCase(), folder.files);
        await walk(folder.prefix);
      }
    };
    await walk('');
    if (JSON.stringify(observedFolders.toJSON()) !== JSON.stringify(expectedFolders.toJSON()))
      fail(
        `folders ${JSON.stringify(observedFolders.toJSON())}, expected ${JSON.stringify(expectedFolders.toJSON())}`,
      );

    // The audit trail: exactly the entries of what committed, each once.
    for (const entry of entries) {
      if (entry.user !== 'crasher') fail(`an audit entry by ${entry.user}: ${signature(entry)}`);
      if (entry.details.fileId !== entry.fileId || entry.details.name !== entry.name)
        fail(`an audit entry whose details disagree with it: ${JSON.stringify(entry)}`);
    }
    const expectedEntries = [
      ...committed,
      ...acquired.values(),
      ...(targetAt === 'after' && target ? [target.entry] : []),
    ];
    const { missing, unexpected } = multisetDifference(expectedEntries, entries.map(signature));
    for (const entry of missing) fail(`no audit entry for a change that committed: ${entry}`);
    for (const entry of unexpected)
      fail(`an audit entry for no committed change (or a second one): ${entry}`);
    return targetAt;
  };

  const phases = new PhaseTracker();
  const estimates = new Map<Operation, number[]>();
  let owedKill = false;
  try {
    await server.start();
    for (let i = 0; i < parameters.files; i++) {
      const name = `crash/Part ${i}.mcam`;
      const bytes = randomBytes(4096);
      const answer = await client.commit(name, bytes, 'v1');
      if (answer.status !== 200)
        throw new Error(`seeding ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
      const file: FileModel = {
        fileId: answer.body.file.fileId,
        name,
        trashed: false,
        versions: [sha256Hex(bytes)],
        lockId: null,
      };
      files.push(file);
      committed.push(`FileCheckedIn ${file.fileId} ${name} v1 ${file.versions[0]} lock null`);
    }

    for (let i = 0; i < parameters.operations; i++) {
      const live = files.filter((file) => !file.trashed);
      const trashed = files.filter((file) => file.trashed);
      let operation: Operation;
      const scripted = parameters.script?.[i];
      if (scripted) operation = scripted === 'restore' && trashed.length === 0 ? 'checkin' : scripted;
      else if (trashed.length > 0 && (live.length === 0 || Math.random() < 0.35)) operation = 'restore';
      else {
        const draw = Math.random();
        operation = draw < 0.45 ? 'checkin' : draw < 0.8 ? 'move' : 'delete';
      }
      const pool = operation === 'restore' ? trashed : live;
      const model = (
        scripted ? pool[i % pool.length] : pool[Math.floor(Math.random() * pool.length)]
      ) as FileModel;
      const before: FileModel = { ...model, versions: [...model.versions] };
      const label = `${operation} ${i + 1} (${model.name})`;
      operations.add(operation);

      // The state it goes to, and the audit entry it writes.
      let after: FileModel;
      let entry: string;
      let bytes: Buffer | null = null;
      let caseOnly = false;
      if (operation === 'checkin') {
        // 64 KiB – 4 MiB: long enough that a kill can land in the PUT or in the server's hashing.
        bytes = randomBytes(64 * 1024 + Math.floor(Math.random() * 4 * 1024 * 1024));
        after = { ...before, versions: [...before.versions, sha256Hex(bytes)], lockId: null };
        entry = ''; // set once the lock is known
      } else if (operation === 'move') {
        caseOnly = Math.random() < 0.15;
        const base = `Part ${model.fileId.slice(0, 4)} m${++nameCounter}.mcam`;
        const to = caseOnly
          ? model.name === model.name.toUpperCase()
            ? model.name.toLowerCase()
            : model.name.toUpperCase()
          : `${FOLDERS[Math.floor(Math.random() * FOLDERS.length)]}/${base}`;
        after = { ...before, name: to };
        entry = `FileMoved ${model.fileId} ${model.name} -> ${to}`;
      } else if (operation === 'delete') {
        after = { ...before, trashed: true, lockId: null };
        entry = `FileDeleted ${model.fileId} ${model.name} v${model.versions.length}`;
      } else {
        const as = Math.random() < 0.4 ? `crash/Part restored r${++nameCounter}.mcam` : null;
        after = { ...before, trashed: false, name: as ?? model.name, lockId: null };
        entry = `FileRestored ${model.fileId} ${after.name} v${model.versions.length}`;
      }
      const target: Target = {
        operation,
        before,
        after,
        entry,
        lockUnsettled: false,
        observedLock: null,
      };
      const setPhase = (phase: Phase) => phases.set(phase, operation);

      let killed = false;
      /** What the audit after this operation's kill found it at. */
      let observedAt: 'before' | 'after' | null = null;
      const plan = parameters.killAt?.find((kill) => kill.operation === i);
      const planned =
        parameters.killAt !== undefined ? plan !== undefined : Math.random() < parameters.killChance;
      const seen = estimates.get(operation) ?? [];
      const typical = seen.length > 0 ? seen.reduce((a, b) => a + b, 0) / seen.length : 400;
      const killing =
        planned || owedKill
          ? (async () => {
              if (plan?.phase) {
                await phases.reached(plan.phase);
                await sleep(Math.random() * phases.shortest(operation, plan.phase));
              } else await sleep(Math.random() * typical);
              // The operation was quicker than the moment drawn: the kill falls on the next one instead.
              if (phases.current === 'after') {
                owedKill = true;
                return;
              }
              owedKill = false;
              killed = true;
              const killedIn = phases.current;
              phases.killed();
              killsByPhase.add(`${operation}/${killedIn}`);
              await server.kill();
              await server.start();
              observedAt = await audit(`after a kill during ${killedIn} of ${label}`, target);
              if (killedIn === operation)
                killedRequests.add(`${operation}: ${observedAt === 'after' ? 'committed' : 'not committed'}`);
              server.resume();
            })()
          : Promise.resolve();

      /** One request, retried after the server comes back; notes how the retry went. */
      const call = async <T extends { status: number; body: any }>(
        request: () => Promise<T>,
      ): Promise<{ answer: T; retried: boolean }> => {
        for (let attempt = 1; ; attempt++) {
          try {
            const answer = await request();
            if (
              answer.status >= 500 ||
              (answer.status >= 400 && typeof answer.body?.error?.code !== 'string')
            )
              violations.push(
                `${label}, ${phases.current}: not a clear answer: ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 200)}`,
              );
            return { answer, retried: attempt > 1 };
          } catch (error) {
            if (!isNetworkError(error) || attempt > 5) throw error;
            await server.whenUp();
          }
        }
      };
      const noteRetry = (answer: { status: number; body: any }, outcome?: string) =>
        retries.add(
          `${operation}/${phases.current}: ${outcome ?? (answer.status < 300 ? 'completed' : `${answer.status} ${answer.body?.error?.code ?? '?'}`)}`,
        );

      /** Takes the caller's lock (or finds it held: 200); a lock taken by a killed checkout is the one answered. */
      const lockFile = async (): Promise<string | null> => {
        setPhase('checkout');
        target.lockUnsettled = before.lockId === null;
        const { answer, retried } = await call(() => client.checkout(before.name, `crash ${i + 1}`));
        if (retried) noteRetry(answer);
        target.lockUnsettled = false;
        const lockId: string | null = answer.body?.lock?.lockId ?? null;
        if ((answer.status !== 201 && answer.status !== 200) || !lockId) {
          violations.push(`${label}: checkout answered ${answer.status} ${JSON.stringify(answer.body)}`);
          return null;
        }
        const expectedStatus = before.lockId !== null || target.observedLock !== null ? 200 : 201;
        if (answer.status !== expectedStatus)
          violations.push(`${label}: checkout answered ${answer.status}, expected ${expectedStatus}`);
        const held = before.lockId ?? target.observedLock;
        if (held && held !== lockId) violations.push(`${label}: the lock changed from ${held} to ${lockId}`);
        if (!before.lockId)
          acquired.set(lockId, `FileCheckedOut ${model.fileId} ${before.name} lock ${lockId}`);
        before.lockId = lockId;
        if (operation === 'move') after.lockId = lockId;
        return lockId;
      };

      /** A move, delete or restore request: done now (200), or, retried after a kill that found it committed, already done. */
      const settle = (
        answer: { status: number; body: any },
        retried: boolean,
        alreadyDone: number[],
      ): boolean => {
        if (retried && observedAt === 'after') {
          if (alreadyDone.includes(answer.status)) {
            noteRetry(answer, `already done (${answer.status} ${answer.body?.error?.code})`);
            return true;
          }
          violations.push(
            `${label}: committed before the kill, but its retry answered ${answer.status} ${JSON.stringify(answer.body)}`,
          );
          return false;
        }
        if (retried) noteRetry(answer);
        if (answer.status !== 200) {
          violations.push(`${label}: answered ${answer.status} ${JSON.stringify(answer.body)}`);
          return false;
        }
        return true;
      };

      const operationStarted = performance.now();
      if (operation === 'checkin') {
        const content = bytes as Buffer;
        let done = false;
        for (let round = 1; !done; round++) {
          if (round > 5) throw new Error(`${label} did not complete in 5 rounds`);
          const lockId = await lockFile();
          target.entry = `FileCheckedIn ${model.fileId} ${before.name} v${after.versions.length} ${after.versions[after.versions.length - 1]} lock ${lockId}`;
          setPhase('stage');
          const { answer: staged, retried: restaged } = await call(() => client.stage(before.name, content));
          if (restaged) noteRetry(staged);
          if (staged.status !== 201) {
            violations.push(`${label}: staging answered ${staged.status} ${JSON.stringify(staged.body)}`);
            continue;
          }
          setPhase('put');
          let stored: Response;
          try {
            stored = await fetch(staged.body.url, {
              method: 'PUT',
              headers: staged.body.headers,
              body: content,
            });
          } catch (error) {
            if (!isNetworkError(error)) throw error;
            // Storage went down with the server; its URL had its port: stage again.
            await server.whenUp();
            retries.add('checkin/put: PUT lost, staged again');
            continue;
          }
          if (stored.status !== 200) {
            violations.push(`${label}: storage answered ${stored.status}`);
            continue;
          }
          setPhase('checkin');
          const { answer: checkedIn, retried } = await call(() =>
            client.checkin(before.name, { uploadId: staged.body.uploadId, message: `crash ${i + 1}` }),
          );
          if (retried) noteRetry(checkedIn);
          if (checkedIn.status === 200) {
            if (
              checkedIn.body.version?.version !== after.versions.length ||
              checkedIn.body.version?.sha256 !== after.versions[after.versions.length - 1]
            )
              violations.push(
                `${label}: committed ${JSON.stringify(checkedIn.body.version)}, expected v${after.versions.length}`,
              );
            done = true;
          } else if (checkedIn.status !== 412) {
            violations.push(
              `${label}: check-in answered ${checkedIn.status} ${JSON.stringify(checkedIn.body)}`,
            );
          }
        }
      } else if (operation === 'move') {
        const lockId = await lockFile();
        setPhase('move');
        const { answer, retried } = await call(() =>
          client.request('POST', `/move/${encodeName(before.name)}`, {
            json: { to: after.name, message: `crash ${i + 1}` },
          }),
        );
        // A retried case-only rename finds the file under its new spelling already: 400, nothing to move.
        if (settle(answer, retried, caseOnly ? [400] : [404]) && answer.status === 200) {
          const file = answer.body.file;
          if (file?.fileId !== model.fileId || file?.name !== after.name || file?.lock?.lockId !== lockId)
            violations.push(`${label}: the move answered ${JSON.stringify(file)}`);
        }
      } else if (operation === 'delete') {
        await lockFile();
        setPhase('delete');
        const { answer, retried } = await call(() =>
          client.request('DELETE', `/files/${encodeName(before.name)}`, {
            json: { message: `crash ${i + 1}` },
          }),
        );
        if (settle(answer, retried, [404]) && answer.status === 200) {
          const item = answer.body.trashed;
          if (
            item?.fileId !== model.fileId ||
            item?.name !== before.name ||
            item?.version !== before.versions.length
          )
            violations.push(`${label}: the delete answered ${JSON.stringify(item)}`);
        }
      } else {
        setPhase('restore');
        const as = after.name === before.name ? {} : { as: after.name };
        const { answer, retried } = await call(() =>
          client.request('POST', `/restore/${encodeURIComponent(model.fileId)}`, { json: as }),
        );
        if (settle(answer, retried, [404]) && answer.status === 200) {
          const file = answer.body.file;
          if (
            file?.fileId !== model.fileId ||
            file?.name !== after.name ||
            file?.version !== before.versions.length ||
            file?.lock !== null
          )
            violations.push(`${label}: the restore answered ${JSON.stringify(file)}`);
        }
      }
      setPhase('after');
      await killing;
      if (!killed) estimates.set(operation, [...seen, performance.now() - operationStarted]);
      Object.assign(model, after);
      committed.push(target.entry);
    }
    await audit('at the end', null, true);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    parameters,
    seconds: (performance.now() - started) / 1000,
    operations: operations.toJSON(),
    kills: killsByPhase.total(),
    killsByPhase: killsByPhase.toJSON(),
    retries: retries.toJSON(),
    killedRequests: killedRequests.toJSON(),
    auditEntries,
    phaseMs: Object.fromEntries(
      [...phases.lengths].map(([key, lengths]) => [
        key,
        Math.round(lengths.reduce((a, b) => a + b, 0) / lengths.length),
      ]),
    ),
    serverStartSeconds: server.startMs.map((ms) => Math.round(ms / 100) / 10),
    audits,
    violations,
  };
};
