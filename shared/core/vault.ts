/**
 * The vault's core: one capability per module, each over the same ports. A handler reaches the
 * capability it needs (`vault.locks.checkout`, `vault.lifecycle.move`, ...). A deployed function
 * builds only the capabilities its handler reaches (`vaultPart` in ./context, `#shared/runtime`);
 * the whole vault is for the tests, the local tools and the bench.
 */
import type { VaultConfig } from '../config';
import { Audit } from './audit';
import { CheckIns } from './checkins';
import { coreContext, type VaultDependencies } from './context';
import { FanOut } from './fan-out';
import { Feed } from './feed';
import { Files } from './files';
import { LfsLocks } from './lfs-locks';
import { LfsObjects } from './lfs-objects';
import { Lifecycle } from './lifecycle';
import { Locks } from './locks';
import { Releases } from './releases';
import { Requests } from './requests';
import { Rules } from './rules';
import { StagedBytes } from './staged-bytes';
import { Sweeper } from './sweeper';
import { Uploads } from './uploads';
import { Watches } from './watches';

export type { VaultDependencies } from './context';

export class Vault {
  readonly config: VaultConfig;
  readonly files: Files;
  readonly locks: Locks;
  readonly checkins: CheckIns;
  /** (v2) Uploads in progress: part URLs, what storage holds, giving one up. */
  readonly uploads: Uploads;
  /** (v2) Verifying staged parts ahead of the check-in: run off storage's events, never by a route. */
  readonly stagedBytes: StagedBytes;
  /** (v2) Removing what no version and no live upload refers to: run on a schedule, never by a route. */
  readonly sweeper: Sweeper;
  readonly lifecycle: Lifecycle;
  readonly audit: Audit;
  readonly releases: Releases;
  /** (v2) Git LFS's File Locking API. */
  readonly lfsLocks: LfsLocks;
  /** (v2) Git LFS's Batch API: objects kept with the vault's own bytes. */
  readonly lfsObjects: LfsObjects;
  readonly rules: Rules;
  readonly watches: Watches;
  readonly requests: Requests;
  readonly feed: Feed;
  /** The notifier's side: run off the table's stream, never by a route. */
  readonly fanOut: FanOut;

  constructor(dependencies: VaultDependencies) {
    const context = coreContext(dependencies);
    this.config = context.config;
    this.files = new Files(context);
    this.locks = new Locks(context);
    this.checkins = new CheckIns(context);
    this.uploads = new Uploads(context);
    this.stagedBytes = new StagedBytes(context);
    this.sweeper = new Sweeper(context);
    this.lifecycle = new Lifecycle(context);
    this.audit = new Audit(context);
    this.releases = new Releases(context);
    this.lfsLocks = new LfsLocks(context);
    this.lfsObjects = new LfsObjects(context);
    this.rules = new Rules(context);
    this.watches = new Watches(context);
    this.requests = new Requests(context);
    this.feed = new Feed(context);
    this.fanOut = new FanOut(context);
  }

  get extensions(): readonly string[] {
    return this.config.extensions;
  }
}
