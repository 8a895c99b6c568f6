/**
 * The design camvault replaces, ported faithfully from the Python seed so the bench can measure it
 * beside the vault: every lock in one JSON file, read whole and rewritten whole under an exclusive
 * file lock for every operation (`LockManager`); files on a disk listed by walking the folder
 * (`FileRepository`); both merged into a listing with a status (`FileService`).
 *
 * Kept from the seed: lock info is user / UTC timestamp / message, keys are case-insensitive, acquire
 * names the holder on conflict, release only by the owner, checkout needs the file to exist.
 * Not kept: the seed read a corrupt or missing lock file as "no locks"; this port refuses a corrupt
 * one (a missing one is empty). It is generous to the seed where that changes no curve: compact JSON
 * (no indent), no fsync, synchronous calls with nothing else in flight.
 */
import { closeSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface SeedLockInfo {
  user: string;
  /** UTC, ISO-8601, as the seed's `datetime.utcnow().isoformat()`. */
  timestamp: string;
  message: string;
}

export class SeedLockError extends Error {
  constructor(
    message: string,
    readonly holder: SeedLockInfo | null,
  ) {
    super(message);
    this.name = 'SeedLockError';
  }
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/** All locks in one JSON file; each operation takes `<file>.lock` with O_EXCL, reads, maybe rewrites, unlinks. */
export class SeedLockManager {
  private readonly guardPath: string;

  constructor(
    readonly lockFile: string,
    private readonly lockTimeoutMs = 10_000,
  ) {
    this.guardPath = `${lockFile}.lock`;
  }

  isLocked(fileName: string): boolean {
    return this.getLockInfo(fileName) !== null;
  }

  getLockInfo(fileName: string): SeedLockInfo | null {
    return this.exclusive(() => this.load()[fileName.toLowerCase()] ?? null);
  }

  getAllLocks(): Record<string, SeedLockInfo> {
    return this.exclusive(() => this.load());
  }

  /** Takes the lock, or throws naming the holder. Taking a lock one already holds refreshes it (as the seed did). */
  acquireLock(fileName: string, user: string, message = ''): SeedLockInfo {
    return this.exclusive(() => {
      const locks = this.load();
      const key = fileName.toLowerCase();
      const held = locks[key];
      if (held && held.user !== user) {
        throw new SeedLockError(`${fileName} is locked by ${held.user} since ${held.timestamp}`, held);
      }
      const info: SeedLockInfo = { user, timestamp: new Date().toISOString(), message };
      locks[key] = info;
      this.save(locks);
      return info;
    });
  }

  /** Releases the caller's own lock; false when the file was not locked. */
  releaseLock(fileName: string, user: string): boolean {
    return this.exclusive(() => {
      const locks = this.load();
      const key = fileName.toLowerCase();
      const held = locks[key];
      if (!held) return false;
      if (held.user !== user)
        throw new SeedLockError(`${fileName} is locked by ${held.user}, not ${user}`, held);
      delete locks[key];
      this.save(locks);
      return true;
    });
  }

  /** Writes many locks at once (bench setup only: one rewrite instead of one per lock). */
  seed(entries: Iterable<[string, SeedLockInfo]>): void {
    this.exclusive(() => {
      const locks = this.load();
      for (const [name, info] of entries) locks[name.toLowerCase()] = info;
      this.save(locks);
    });
  }

  private load(): Record<string, SeedLockInfo> {
    let text: string;
    try {
      text = readFileSync(this.lockFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error(`${this.lockFile} is not a JSON object of locks`);
    return parsed as Record<string, SeedLockInfo>;
  }

  private save(locks: Record<string, SeedLockInfo>): void {
    writeFileSync(this.lockFile, JSON.stringify(locks));
  }

  /** The seed's critical section: create the guard file exclusively (O_CREAT | O_EXCL), run, remove it. */
  private exclusive<T>(work: () => T): T {
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      try {
        closeSync(openSync(this.guardPath, 'wx'));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${this.guardPath}`);
        sleepSync(1);
      }
    }
    try {
      return work();
    } finally {
      unlinkSync(this.guardPath);
    }
  }
}

export interface SeedFileInfo {
  name: string;
  size: number;
  modified: string;
}

/** The folder of `.mcam` files: listed by walking it and stat-ing each match. */
export class SeedFileRepository {
  constructor(
    readonly root: string,
    private readonly extension = '.mcam',
  ) {}

  listFiles(): SeedFileInfo[] {
    const entries = readdirSync(this.root, { recursive: true, withFileTypes: true });
    const files: SeedFileInfo[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.toLowerCase().endsWith(this.extension)) continue;
      const path = join(entry.parentPath, entry.name);
      const stats = statSync(path);
      files.push({
        name: relative(this.root, path).split(sep).join('/'),
        size: stats.size,
        modified: stats.mtime.toISOString(),
      });
    }
    return files;
  }

  exists(name: string): boolean {
    try {
      return statSync(join(this.root, name)).isFile();
    } catch {
      return false;
    }
  }
}

export interface SeedListedFile extends SeedFileInfo {
  status: 'available' | 'checked_out';
  lockedBy: string | null;
}

/** Files with their status: the whole folder and the whole lock file, merged and sorted, on every call. */
export class SeedFileService {
  constructor(
    readonly repository: SeedFileRepository,
    readonly locks: SeedLockManager,
  ) {}

  listFiles(): SeedListedFile[] {
    const files = this.repository.listFiles();
    const locks = this.locks.getAllLocks();
    return files
      .map((file) => {
        const lock = locks[file.name.toLowerCase()];
        return {
          ...file,
          status: lock ? ('checked_out' as const) : ('available' as const),
          lockedBy: lock?.user ?? null,
        };
      })
      .sort((a, b) => {
        const left = a.name.toLowerCase();
        const right = b.name.toLowerCase();
        return left < right ? -1 : left > right ? 1 : 0;
      });
  }

  checkout(name: string, user: string, message = ''): SeedLockInfo {
    if (!this.repository.exists(name)) throw new Error(`${name} does not exist`);
    return this.locks.acquireLock(name, user, message);
  }

  checkin(name: string, user: string): boolean {
    return this.locks.releaseLock(name, user);
  }
}
