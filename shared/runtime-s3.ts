/** Blob storage for the runtime's vault (`vaultFromEnvironment({ blobs: s3Blobs })`): S3, for the functions granted S3 actions. */
import { createS3Client } from './aws/clients/s3';
import { S3FileStore } from './aws/s3-file-store';
import type { BlobStorage } from './runtime';

export const s3Blobs: BlobStorage = (config, env) =>
  new S3FileStore(createS3Client(env), config.bucket, {
    unsignableFileNameCharacters: env.CAMVAULT_UNSIGNABLE_FILENAME_CHARACTERS,
  });
