/**
 * The vault's core: one capability per module, each over the same ports. A handler reaches the
 * capability it needs (`vault.locks.checkout`, `vault.lifecycle.move`, ...).
 */
import { randomUUID } from 'node:crypto';
import type { VaultConfig } from '../config';
import { Audit } from './audit';
import { CheckIns } from './checkins';
import type { CoreContext } from './context';
import { Files } from './files';
import { Lifecycle } from './lifecycle';
import { Locks } from './locks';
import type { FileStore, VaultStore } from './ports';

export interface VaultDependencies {
  config: VaultConfig;
  store: VaultStore;
  blobs: FileStore;
  clock?: () => Date;
  newId?: () => string;
}

export class Vault {
  readonly config: VaultConfig;
  readonly files: Files;
  readonly locks: Locks;
  readonly checkins: CheckIns;
  readonly lifecycle: Lifecycle;
  readonly audit: Audit;

  constructor(dependencies: VaultDependencies) {
    const context: CoreContext = {
      config: dependencies.config,
      store: dependencies.store,
      blobs: dependencies.blobs,
      clock: dependencies.clock ?? (() => new Date()),
      newId: dependencies.newId ?? randomUUID,
    };
    this.config = context.config;
    this.files = new Files(context);
    this.locks = new Locks(context);
    this.checkins = new CheckIns(context);
    this.lifecycle = new Lifecycle(context);
    this.audit = new Audit(context);
  }

  get extensions(): readonly string[] {
    return this.config.extensions;
  }
}
