/** What every capability of the core is built on: configuration, the ports, a clock and an id source. */
import type { VaultConfig } from '../config';
import type { FileStore, VaultStore } from './ports';

export interface CoreContext {
  config: VaultConfig;
  store: VaultStore;
  blobs: FileStore;
  clock: () => Date;
  newId: () => string;
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
