/** Creates the vault's table and bucket on the emulators when they are missing (the CDK stack does this on AWS). */
import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  BucketAlreadyOwnedByYou,
  type CORSRule,
  CreateBucketCommand,
  PutBucketCorsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { tableSchema } from '#shared/aws/table-schema';

export const ensureTable = async (dynamodb: DynamoDBClient, table: string): Promise<void> => {
  const { partitionKey, sortKey, filesIndex, locksIndex, timeToLiveAttribute } = tableSchema;
  const index = (definition: typeof filesIndex | typeof locksIndex) => ({
    IndexName: definition.name,
    KeySchema: [
      { AttributeName: definition.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: definition.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          partitionKey,
          sortKey,
          filesIndex.partitionKey,
          filesIndex.sortKey,
          locksIndex.partitionKey,
        ]
          .filter((name, i, all) => all.indexOf(name) === i)
          .map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [index(filesIndex), index(locksIndex)],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
  } catch (error) {
    if (error instanceof ResourceInUseException) return;
    throw error;
  }
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: table });
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true },
    }),
  );
};

/** s3rver signs bucket-level paths without the trailing slash the SDK sends. */
const stripBucketSlash = (s3: S3Client): void => {
  s3.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: string };
      if (request.path && /^\/[^/]+\/$/.test(request.path)) request.path = request.path.slice(0, -1);
      return next(args);
    },
    { step: 'build', name: 'stripBucketSlash' },
  );
};

/**
 * The web page PUTs and GETs blobs straight from the emulator, another origin than the page's: the
 * bucket's CORS lets a page on this machine (any port) do what the stack lets the web origin do on AWS.
 */
export const LOCAL_BROWSER_CORS: CORSRule = {
  AllowedOrigins: ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'],
  AllowedMethods: ['GET', 'PUT', 'HEAD'],
  AllowedHeaders: ['content-type', 'x-amz-checksum-sha256'],
  ExposeHeaders: ['ETag'],
  MaxAgeSeconds: 3600,
};

const createBucket = async (s3: S3Client, bucket: string): Promise<void> => {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (
      error instanceof BucketAlreadyOwnedByYou ||
      (error as { name?: string }).name === 'BucketAlreadyExists'
    )
      return;
    throw error;
  }
};

export const ensureBucket = async (s3: S3Client, bucket: string): Promise<void> => {
  stripBucketSlash(s3);
  try {
    await createBucket(s3, bucket);
    await s3.send(
      new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [LOCAL_BROWSER_CORS] } }),
    );
  } finally {
    s3.middlewareStack.remove('stripBucketSlash');
  }
};
