/** (v2) Watches: a programmer is told of every event under a folder, or of one file. */
import { createHash } from 'node:crypto';
import { notFound } from '../errors';
import type { EventType } from '../events';
import type { Caller, Watch } from '../model';
import type { CoreContext } from './context';
import { listingAccess, requireRole } from './guard';
import type { WatchRecord } from './records';

/** What is watched: a folder prefix ("" for the whole vault, else ending in "/") or one file's name. */
export interface Watched {
  prefix: string;
  key: string;
}

export const watchView = (record: WatchRecord): Watch => ({
  watchId: record.watchId,
  prefix: record.prefix,
  types: record.types,
  createdAt: record.createdAt,
});

/** One watch per user and prefix: asked again, the same watch with the new types. */
const watchIdOf = (user: string, key: string): string =>
  createHash('sha256').update(`${user}\u0000${key}`).digest('base64url').slice(0, 22);

export class Watches {
  constructor(private readonly context: CoreContext) {}

  /**
   * Watches `watched`. A folder the caller may not read can be watched and tells them nothing: the
   * notifier checks each event against the rules, so a watch reveals nothing of what it may not see.
   */
  async watch(caller: Caller, watched: Watched, types: EventType[] | null): Promise<Watch> {
    requireRole(await listingAccess(this.context, caller), 'programmers', 'watching');
    const record: WatchRecord = {
      user: caller.user,
      watchId: watchIdOf(caller.user, watched.key),
      prefix: watched.prefix,
      key: watched.key,
      types,
      groups: caller.groups,
      createdAt: this.context.clock().toISOString(),
    };
    return watchView(await this.context.notices.putWatch(record));
  }

  async list(caller: Caller): Promise<Watch[]> {
    requireRole(await listingAccess(this.context, caller), 'programmers', 'watching');
    const records = await this.context.notices.listWatches(caller.user);
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(watchView);
  }

  /** Ends one of the caller's watches; another user's watchId is as unknown as a made-up one. */
  async unwatch(caller: Caller, watchId: string): Promise<Watch> {
    requireRole(await listingAccess(this.context, caller), 'programmers', 'watching');
    const removed = await this.context.notices.deleteWatch(caller.user, watchId);
    if (!removed) throw notFound(`you have no watch ${watchId}`);
    return watchView(removed);
  }
}
