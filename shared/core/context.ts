/** What every capability of the core is built on: configuration, the ports, a clock and an id source. */
import type { VaultConfig } from '../config';
import type { RuleBook } from './permissions';
import type { FileStore, NoticeStore, VaultStore } from './ports';

export interface CoreContext {
  config: VaultConfig;
  store: VaultStore;
  notices: NoticeStore;
  blobs: FileStore;
  clock: () => Date;
  newId: () => string;
  rules: RuleCache;
}

/** A conditional write that lost to a change it did not see is retried this often before giving up. */
export const MAX_ATTEMPTS = 5;

export const secondsLater = (from: Date, seconds: number): string =>
  new Date(from.getTime() + seconds * 1000).toISOString();

/** A new lock for `user`, expiring as the deployment says. */
export const newLock = (context: CoreContext, user: string, message: string, issuedAt: Date) => ({
  user,
  lockId: context.newId(),
  acquiredAt: issuedAt.toISOString(),
  message,
  expiresAt:
    context.config.lockTtlSeconds === null ? null : secondsLater(issuedAt, context.config.lockTtlSeconds),
});

/** How long a listing may use rules read earlier: a changed rule shows in lists within this. */
export const RULES_CACHE_MS = 5_000;

/**
 * The folder rules as listings see them: read once and kept for RULES_CACHE_MS. Changes and reads of
 * one file never use this: they read the rules with the file, in the same round trip, fresh.
 */
export class RuleCache {
  private cached: { book: RuleBook; readAt: number } | null = null;

  constructor(
    private readonly load: () => Promise<RuleBook>,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<RuleBook> {
    if (!this.cached || this.now() - this.cached.readAt > RULES_CACHE_MS) {
      this.cached = { book: await this.load(), readAt: this.now() };
    }
    return this.cached.book;
  }

  /** A fresher read (with a file, or after a change): listings may use it too. */
  remember(book: RuleBook): void {
    if (!this.cached || book.version >= this.cached.book.version) this.cached = { book, readAt: this.now() };
  }
}
