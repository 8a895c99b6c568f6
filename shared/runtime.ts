/**
 * The vault as a deployed function builds it: configuration and SDK clients from the environment, once
 * per process, and only the capabilities its handler reaches (`vaultFromEnvironment({ lifecycle:
 * Lifecycle })`), so its bundle holds no other capability's code. Blob storage (S3) is built only by
 * the functions whose route is granted S3 actions: they pass `blobs` (`s3Blobs` from
 * `#shared/runtime-s3`), so the bundle of every other function holds no S3 client and its cold start
 * loads none.
 */
import { createDynamoDbClient } from './aws/clients/dynamodb';
import { DynamoDbNoticeStore } from './aws/dynamodb/notice-store';
import { DynamoDbVaultStore } from './aws/dynamodb/vault-store';
import { loadConfig, type VaultConfig } from './config';
import { type Capability, type CoreContext, coreContext, type VaultPart, vaultPart } from './core/context';
import type { FileStore } from './core/ports';

type Env = Record<string, string | undefined>;

/** Builds the blob store of a function that may use one. */
export type BlobStorage = (config: VaultConfig, env: Env) => FileStore;

/** What the core reaches for bytes: the store a function built, or a refusal in a function that built none. */
class FunctionBlobs implements FileStore {
  private store: FileStore | null = null;

  attach(build: () => FileStore): void {
    this.store ??= build();
  }

  private get attached(): FileStore {
    if (!this.store) {
      throw new Error(
        'this function has no blob storage: its route is granted no S3 action (infra/routes.ts)',
      );
    }
    return this.store;
  }

  presignStagedPart: FileStore['presignStagedPart'] = (...args) => this.attached.presignStagedPart(...args);
  describeStagedPart: FileStore['describeStagedPart'] = (...args) =>
    this.attached.describeStagedPart(...args);
  readStagedPart: FileStore['readStagedPart'] = (...args) => this.attached.readStagedPart(...args);
  listStagedParts: FileStore['listStagedParts'] = (...args) => this.attached.listStagedParts(...args);
  stagedUploads: FileStore['stagedUploads'] = () => this.attached.stagedUploads();
  deleteBlob: FileStore['deleteBlob'] = (...args) => this.attached.deleteBlob(...args);
  discardStaged: FileStore['discardStaged'] = (...args) => this.attached.discardStaged(...args);
  placeStagedPut: FileStore['placeStagedPut'] = (...args) => this.attached.placeStagedPut(...args);
  startAssembly: FileStore['startAssembly'] = (...args) => this.attached.startAssembly(...args);
  copyIntoAssembly: FileStore['copyIntoAssembly'] = (...args) => this.attached.copyIntoAssembly(...args);
  completeAssembly: FileStore['completeAssembly'] = (...args) => this.attached.completeAssembly(...args);
  presignDownload: FileStore['presignDownload'] = (...args) => this.attached.presignDownload(...args);
  describeBlob: FileStore['describeBlob'] = (...args) => this.attached.describeBlob(...args);
  readBlob: FileStore['readBlob'] = (...args) => this.attached.readBlob(...args);
}

let core: CoreContext | undefined;
const blobStore = new FunctionBlobs();

const buildCore = (env: Env): CoreContext => {
  const config = loadConfig(env);
  const dynamodb = createDynamoDbClient(env);
  return coreContext({
    config,
    store: new DynamoDbVaultStore(dynamodb, config.table),
    notices: new DynamoDbNoticeStore(dynamodb, config.table),
    blobs: blobStore,
  });
};

/**
 * The capabilities named, over the process's one core: its configuration, stores and rule cache (the
 * local server loads every handler into one process, and they share it, as the handlers of one vault).
 * `blobs` gives the core blob storage, built once; without it, any use of storage fails loudly.
 */
export const vaultFromEnvironment = <Capabilities extends object>(
  capabilities: { [Name in keyof Capabilities]: Capability<Capabilities[Name]> },
  options: { blobs?: BlobStorage; env?: Env } = {},
): VaultPart<Capabilities> => {
  const env = options.env ?? process.env;
  core ??= buildCore(env);
  const { blobs } = options;
  const { config } = core;
  if (blobs) blobStore.attach(() => blobs(config, env));
  return vaultPart(core, capabilities);
};
