/**
 * The SDK clients, made once per process. Endpoints come from `AWS_ENDPOINT_URL_*` so the same code
 * talks to AWS or to the local emulators; on AWS those variables are unset.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';

type Env = Record<string, string | undefined>;

export const createDynamoDbClient = (env: Env = process.env): DynamoDBClient =>
  new DynamoDBClient({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB || undefined });

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

export const createSnsClient = (env: Env = process.env): SNSClient =>
  new SNSClient({ endpoint: env.AWS_ENDPOINT_URL_SNS || undefined });

export const createSecretsManagerClient = (env: Env = process.env): SecretsManagerClient =>
  new SecretsManagerClient({ endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER || undefined });
