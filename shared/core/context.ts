/** What every capability of the core is built on: configuration, the ports, a clock and an id source. */
import { randomUUID } from 'node:crypto';
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
  /** How long the sweeper leaves an unreferenced blob to the check-in that placed it. */
  blobGraceMs: number;
}

/** How long an unreferenced blob is left to the check-in that placed it, by default (one takes seconds to minutes). */
export const BLOB_GRACE_MS = 3600 * 1000;

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

export interface VaultDependencies {
  config: VaultConfig;
  store: VaultStore;
  notices: NoticeStore;
  blobs: FileStore;
  clock?: () => Date;
  newId?: () => string;
  /** How long the sweeper leaves an unreferenced blob to the check-in that placed it (default an hour). */
  blobGraceMs?: number;
}

/** The context the capabilities of one vault share (its rule cache among them). */
export const coreContext = (dependencies: VaultDependencies): CoreContext => ({
  config: dependencies.config,
  store: dependencies.store,
  notices: dependencies.notices,
  blobs: dependencies.blobs,
  clock: dependencies.clock ?? (() => new Date()),
  newId: dependencies.newId ?? randomUUID,
  blobGraceMs: dependencies.blobGraceMs ?? BLOB_GRACE_MS,
  rules: new RuleCache(() => dependencies.store.getRules()),
});

/** A capability of the core (`Lifecycle`, `Locks`, ...): a class built over the context. */
export type Capability<T> = new (context: CoreContext) => T;

/** Some of a vault's capabilities, with its configuration: what one function reaches (see `vaultPart`). */
export type VaultPart<Capabilities> = Capabilities & {
  readonly config: VaultConfig;
  readonly extensions: readonly string[];
};

/**
 * The capabilities named, built over `context`: a function builds only those its handler reaches, so
 * its bundle holds their code and no other's. They keep no state of their own, so capabilities built
 * apart over one context behave as one vault's.
 */
export const vaultPart = <Capabilities extends object>(
  context: CoreContext,
  capabilities: { [Name in keyof Capabilities]: Capability<Capabilities[Name]> },
): VaultPart<Capabilities> => {
  const built = Object.fromEntries(
    Object.entries(capabilities).map(([name, capability]) => [
      name,
      new (capability as Capability<unknown>)(context),
    ]),
  ) as Capabilities;
  return { ...built, config: context.config, extensions: context.config.extensions };
};
