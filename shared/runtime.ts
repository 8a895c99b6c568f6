/** The vault as a deployed function builds it: configuration and SDK clients from the environment, once. */
import { createDynamoDbClient } from './aws/clients/dynamodb';
import { createS3Client } from './aws/clients/s3';
import { DynamoDbNoticeStore } from './aws/dynamodb/notice-store';
import { DynamoDbVaultStore } from './aws/dynamodb/vault-store';
import { S3FileStore } from './aws/s3-file-store';
import { loadConfig } from './config';
import { Vault } from './core/vault';

let vault: Vault | undefined;

export const vaultFromEnvironment = (env: Record<string, string | undefined> = process.env): Vault => {
  if (!vault) {
    const config = loadConfig(env);
    const dynamodb = createDynamoDbClient(env);
    vault = new Vault({
      config,
      store: new DynamoDbVaultStore(dynamodb, config.table),
      notices: new DynamoDbNoticeStore(dynamodb, config.table),
      blobs: new S3FileStore(createS3Client(env), config.bucket, {
        unsignableFileNameCharacters: env.CAMVAULT_UNSIGNABLE_FILENAME_CHARACTERS,
      }),
    });
  }
  return vault;
};
