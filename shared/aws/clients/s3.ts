import { S3Client } from '@aws-sdk/client-s3';

type Env = Record<string, string | undefined>;

export const createS3Client = (env: Env = process.env): S3Client => {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || undefined;
  return new S3Client({
    endpoint,
    // Emulators serve buckets by path, not by host name.
    forcePathStyle: endpoint !== undefined,
    // Checksums only where the request asks for one: the presigned PUT signs its own.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
};
