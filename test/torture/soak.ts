/**
 * Soak: many clients doing random work on a few files for a while, through the local HTTP server, each
 * answer checked against what the contract allows; afterwards the whole vault is audited.
 */
import { randomBytes } from 'node:crypto';
import { type ApiClient, encodeName, sha256Hex, type TestServer } from '../support/http';
import { isNetworkError, Tally } from './support';

export interface SoakParameters {
  clients: number;
  files: number;
  durationMs: number;
}

type Operation = 'checkout' | 'checkin' | 'release' | 'undo' | 'break' | 'download' | 'retry';

/** What the contract allows each step to answer in a soak (anything else is a finding). */
const ALLOWED: Record<string, Set<string>> = {
  checkout: new Set(['201', '200', '409 LOCKED']),
  stage: new Set(['201', '409 NOT_LOCKED', '409 LOCKED']),
  put: new Set(['200']),
  checkin: new Set(['200', '409 LOCK_LOST', '409 NOT_LOCKED', '409 LOCKED']),
  retry: new Set(['200']),
  release: new Set(['200', '409 NOT_LOCKED', '409 LOCKED']),
  undo: new Set(['200', '409 NOT_LOCKED', '403 FORBIDDEN']),
  break: new Set(['200', '409 NOT_LOCKED']),
  download: new Set(['200']),
};

const WEIGHTS: [Operation, number][] = [
  ['checkout', 25],
  ['checkin', 30],
  ['release', 5],
  ['undo', 12],
  ['break', 5],
  ['download', 20],
  ['retry', 3],
];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const pickOperation = (): Operation => {
  let roll = Math.random() * WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [operation, weight] of WEIGHTS) {
    roll -= weight;
    if (roll < 0) return operation;
  }
  return 'download';
};

export interface Committed {
  name: string;
  version: number;
  sha256: string;
  uploadId: string;
}

export interface SoakReport {
  parameters: SoakParameters;
  seconds: number;
  requests: number;
  answers: Record<string, number>;
  committed: number;
  failedCheckins: number;
  downloadsVerified: number;
  versionsAudited: number;
  violations: string[];
}

export const runSoak = async (server: TestServer, parameters: SoakParameters): Promise<SoakReport> => {
  const names = Array.from(
    { length: parameters.files },
    (_, i) => `soak/Part ${String(i).padStart(2, '0')}.mcam`,
  );
  const seeder = server.as('soak-seeder');
  const committed = new Map<string, Committed>(); // by sha256: every upload's bytes are unique
  const failed = new Set<string>(); // sha256 of check-ins answered with an error
  const unknown = new Set<string>(); // sha256 of check-ins that got no answer
  const answers = new Tally();
  const violations: string[] = [];
  let downloadsVerified = 0;

  for (const name of names) {
    const bytes = randomBytes(1024);
    const answer = await seeder.commit(name, bytes, 'seed');
    if (answer.status !== 200) throw new Error(`seeding ${name}: ${answer.status}`);
    committed.set(sha256Hex(bytes), { name, version: 1, sha256: sha256Hex(bytes), uploadId: 'seed' });
  }

  const note = (step: string, status: number, body: any): string => {
    const key = status >= 400 ? `${status} ${body?.error?.code ?? '?'}` : String(status);
    answers.add(`${step} ${key}`);
    if (!ALLOWED[step]?.has(key))
      violations.push(`${step} answered ${key}: ${JSON.stringify(body)?.slice(0, 300)}`);
    return key;
  };

  const checkIn = async (client: ApiClient, name: string, clientIndex: number, serial: number) => {
    // Unique bytes, 1–16 KiB: their SHA-256 names this check-in everywhere.
    const bytes = Buffer.concat([
      Buffer.from(`client ${clientIndex} upload ${serial}\n`),
      randomBytes(1024 + Math.floor(Math.random() * 15 * 1024)),
    ]);
    const sha256 = sha256Hex(bytes);
    const staged = await client.stage(name, bytes);
    if (note('stage', staged.status, staged.body) !== '201') return null;
    const put = await fetch(staged.body.url, { method: 'PUT', headers: staged.body.headers, body: bytes });
    note('put', put.status, put.status === 200 ? undefined : { error: { code: await put.text() } });
    if (put.status !== 200) return null;
    const keepLock = Math.random() < 0.2;
    let answer: Awaited<ReturnType<ApiClient['checkin']>>;
    try {
      answer = await client.checkin(name, {
        uploadId: staged.body.uploadId,
        message: `soak ${serial}`,
        keepLock,
      });
    } catch (error) {
      unknown.add(sha256);
      throw error;
    }
    if (note('checkin', answer.status, answer.body) === '200') {
      const version = answer.body.version;
      if (version?.sha256 !== sha256 || answer.body.file?.version !== version?.version) {
        violations.push(`check-in of ${name} answered ${JSON.stringify(answer.body).slice(0, 300)}`);
      }
      if (answer.body.file?.status !== (keepLock ? 'checked_out' : 'available'))
        violations.push(
          `check-in of ${name} (keepLock ${keepLock}) left the file ${answer.body.file?.status}`,
        );
      committed.set(sha256, { name, version: version.version, sha256, uploadId: staged.body.uploadId });
      return { uploadId: staged.body.uploadId as string, version: version.version as number };
    }
    failed.add(sha256);
    return null;
  };

  const started = performance.now();
  const deadline = Date.now() + parameters.durationMs;
  const lastCommit = new Map<number, { name: string; uploadId: string; version: number }>();
  await Promise.all(
    Array.from({ length: parameters.clients }, async (_, clientIndex) => {
      const client = server.as(`soak${clientIndex}`);
      const admin = server.as(`soak-admin${clientIndex}`, { admin: true });
      let serial = 0;
      while (Date.now() < deadline) {
        const name = pick(names);
        const operation = pickOperation();
        try {
          switch (operation) {
            case 'checkout': {
              const answer = await client.checkout(name, `soak ${clientIndex}`);
              note('checkout', answer.status, answer.body);
              break;
            }
            case 'checkin': {
              // As a programmer works: take the lock (or find it taken), then upload and check in.
              const taken = await client.checkout(name, `soak ${clientIndex}`);
              if (note('checkout', taken.status, taken.body) === '409 LOCKED') break;
              const done = await checkIn(client, name, clientIndex, serial++);
              if (done) lastCommit.set(clientIndex, { name, ...done });
              break;
            }
            case 'retry': {
              // A check-in repeated after its answer was lost: the same version, not a second one.
              const last = lastCommit.get(clientIndex);
              if (!last) break;
              const answer = await client.checkin(last.name, { uploadId: last.uploadId, message: 'retry' });
              if (
                note('retry', answer.status, answer.body) === '200' &&
                answer.body.version?.version !== last.version
              )
                violations.push(
                  `retried check-in of ${last.name} answered version ${answer.body.version?.version}, not ${last.version}`,
                );
              break;
            }
            case 'release': {
              const answer = await client.checkin(name, { message: 'nothing changed' });
              note('release', answer.status, answer.body);
              break;
            }
            case 'undo': {
              const answer = await client.release(name);
              note('undo', answer.status, answer.body);
              break;
            }
            case 'break': {
              const answer = await admin.release(name, true);
              note('break', answer.status, answer.body);
              break;
            }
            case 'download': {
              const link = await client.get(`/download/${encodeName(name)}`);
              if (note('download', link.status, link.body) !== '200') break;
              const response = await fetch(link.body.url);
              const bytes = Buffer.from(await response.arrayBuffer());
              if (response.status !== 200 || sha256Hex(bytes) !== link.body.sha256)
                violations.push(
                  `download of ${name} v${link.body.version}: ${response.status}, bytes do not match its SHA-256`,
                );
              else downloadsVerified++;
              break;
            }
          }
        } catch (error) {
          answers.add(`${operation} no answer`);
          violations.push(
            `${operation} on ${name}: ${isNetworkError(error) ? 'no answer' : (error as Error).message}`,
          );
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  const audit = await auditVault(server.as('soak-auditor'), names, { committed, failed, unknown });
  return {
    parameters,
    seconds,
    requests: answers.total(),
    answers: answers.toJSON(),
    committed: committed.size - names.length,
    failedCheckins: failed.size,
    downloadsVerified,
    versionsAudited: audit.versions,
    violations: [...violations, ...audit.violations],
  };
};

const allPages = async (client: ApiClient, path: string, key: string): Promise<any[]> => {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: { status: number; body: any } = await client.get(
      `${path}${separator}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (page.status !== 200) throw new Error(`${path}: ${page.status}`);
    items.push(...page.body[key]);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
};

/** Every invariant the vault promises, checked over its whole state once the clients stopped. */
export const auditVault = async (
  reader: ApiClient,
  names: string[],
  known: { committed: Map<string, Committed>; failed: Set<string>; unknown: Set<string> },
): Promise<{ versions: number; violations: string[] }> => {
  const violations: string[] = [];
  let versions = 0;
  const files = await allPages(reader, '/files?prefix=soak/', 'files');
  const locks = await allPages(reader, '/locks', 'locks');
  const locksByName = new Map<string, any>();
  for (const lock of locks) {
    if (!lock.name.startsWith('soak/')) continue;
    if (locksByName.has(lock.name)) violations.push(`${lock.name} is listed twice in /locks`);
    locksByName.set(lock.name, lock);
    if (
      typeof lock.user !== 'string' ||
      lock.user === '' ||
      typeof lock.lockId !== 'string' ||
      lock.lockId === ''
    )
      violations.push(`a lock without an owner: ${JSON.stringify(lock)}`);
  }
  if (files.length !== names.length)
    violations.push(`${files.length} files listed, expected ${names.length}`);
  const seen = new Set<string>();
  for (const file of files) {
    // The listing, the file itself, its lock and its history must all tell the same story.
    const single = await reader.get(`/files/${encodeName(file.name)}`);
    if (JSON.stringify(single.body) !== JSON.stringify(file))
      violations.push(`${file.name}: the listing and GET /files disagree`);
    const lock = locksByName.get(file.name);
    if ((file.status === 'checked_out') !== Boolean(file.lock) || Boolean(file.lock) !== Boolean(lock))
      violations.push(
        `${file.name}: status ${file.status}, lock ${JSON.stringify(file.lock)}, in /locks: ${Boolean(lock)}`,
      );
    if (file.lock && (!file.lock.user || !file.lock.lockId))
      violations.push(`${file.name}: a lock without an owner`);
    if (file.lock && lock && file.lock.lockId !== lock.lockId)
      violations.push(`${file.name}: two different locks`);

    const history = await allPages(reader, `/versions/${encodeName(file.name)}`, 'versions');
    const numbers = history.map((version) => version.version);
    const expected = Array.from({ length: file.version }, (_, i) => file.version - i);
    if (JSON.stringify(numbers) !== JSON.stringify(expected))
      violations.push(`${file.name}: versions ${numbers.join(',')} are not ${file.version}..1 without a gap`);
    if (history[0]?.sha256 !== file.sha256)
      violations.push(`${file.name}: its SHA-256 is not its latest version's`);
    for (const version of history) {
      versions++;
      seen.add(version.sha256);
      const bytes = await reader.downloadBytes(file.name, version.version);
      if (sha256Hex(bytes) !== version.sha256)
        violations.push(`${file.name} v${version.version}: the stored bytes do not match its SHA-256`);
      const origin = known.committed.get(version.sha256);
      if (known.failed.has(version.sha256))
        violations.push(`${file.name} v${version.version}: a check-in that was refused is visible`);
      else if (!origin && !known.unknown.has(version.sha256))
        violations.push(`${file.name} v${version.version}: a version no client committed`);
      else if (origin && (origin.name !== file.name || origin.version !== version.version))
        violations.push(`${file.name} v${version.version}: committed as ${origin.name} v${origin.version}`);
    }
  }
  for (const commit of known.committed.values()) {
    if (!seen.has(commit.sha256)) violations.push(`${commit.name} v${commit.version}: committed, then gone`);
  }
  return { versions, violations };
};
