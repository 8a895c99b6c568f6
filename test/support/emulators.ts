/** The emulators the global setup started, and fresh resources on them for one test file. */
import { randomBytes } from 'node:crypto';
import { type EmulatorEndpoints, emulatorClients } from '#infra/local/local-vault';
import { ensureBucket, ensureTable } from '#infra/local/provision';
import { DynamoDbNoticeStore } from '#shared/aws/dynamodb/notice-store';
import { DynamoDbVaultStore } from '#shared/aws/dynamodb/vault-store';
import { S3FileStore } from '#shared/aws/s3-file-store';
import type { VaultConfig } from '#shared/config';
import { Vault, type VaultDependencies } from '#shared/core/vault';

export const testEndpoints = (): Required<EmulatorEndpoints> => {
  const dynamodb = process.env.CAMVAULT_TEST_DYNAMODB;
  const s3 = process.env.CAMVAULT_TEST_S3;
  const sns = process.env.CAMVAULT_TEST_SNS;
  if (!dynamodb || !s3 || !sns)
    throw new Error('the emulators are started by jest globalSetup; run the tests with jest');
  return { dynamodb, s3, sns };
};

/** A name no other test file uses: valid as a table and as a bucket name. */
export const uniqueResourceName = (prefix: string): string => `${prefix}-${randomBytes(6).toString('hex')}`;

export const testConfig = (overrides: Partial<VaultConfig> = {}): VaultConfig => ({
  table: uniqueResourceName('table'),
  bucket: uniqueResourceName('bucket'),
  extensions: ['.mcam'],
  urlTtlSeconds: 900,
  lockTtlSeconds: null,
  maxUploadBytes: 50 * 1024 ** 3,
  multipartThresholdBytes: 100 * 1024 ** 2,
  uploadTtlSeconds: 7 * 24 * 3600,
  defaultRole: 'programmers',
  releaseFourEyes: false,
  emailNotifications: false,
  ...overrides,
});

/** The core on a fresh table and bucket of the emulators, with the real adapters. */
export const createTestVault = async (
  configOverrides: Partial<VaultConfig> = {},
  dependencies: Partial<Pick<VaultDependencies, 'clock' | 'newId' | 'blobGraceMs'>> = {},
) => {
  const config = testConfig(configOverrides);
  const clients = emulatorClients(testEndpoints());
  await ensureTable(clients.dynamodb, config.table);
  await ensureBucket(clients.s3, config.bucket);
  const store = new DynamoDbVaultStore(clients.dynamodb, config.table);
  const notices = new DynamoDbNoticeStore(clients.dynamodb, config.table);
  const blobs = new S3FileStore(clients.s3, config.bucket);
  return {
    vault: new Vault({ config, store, notices, blobs, ...dependencies }),
    config,
    clients,
    store,
    notices,
    blobs,
  };
};
