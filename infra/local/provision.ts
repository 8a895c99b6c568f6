/** Creates the vault's table and bucket on the emulators when they are missing (the CDK stack does this on AWS). */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  ResourceInUseException,
  UpdateTableCommand,
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
import { signBucketPathsLikeTheEmulator } from '#shared/aws/clients/s3';
import { TABLE_INDEXES, tableSchema } from '#shared/aws/dynamodb/table-schema';

const indexOf = (definition: (typeof TABLE_INDEXES)[number]): GlobalSecondaryIndex => ({
  IndexName: definition.name,
  KeySchema: [
    { AttributeName: definition.partitionKey, KeyType: 'HASH' },
    { AttributeName: definition.sortKey, KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'ALL' },
});

const keyAttributes = (names: string[]) =>
  [...new Set(names)].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const }));

/** The table with every index of the schema; a table made by an older version gains the indexes it lacks. */
export const ensureTable = async (dynamodb: DynamoDBClient, table: string): Promise<void> => {
  const { partitionKey, sortKey, timeToLiveAttribute } = tableSchema;
  const indexKeys = TABLE_INDEXES.flatMap((index) => [index.partitionKey, index.sortKey]);
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keyAttributes([partitionKey, sortKey, ...indexKeys]),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: TABLE_INDEXES.map(indexOf),
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    await addMissingIndexes(dynamodb, table);
    return;
  }
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: table });
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true },
    }),
  );
};

/** One index per update, as DynamoDB (and CloudFormation) allows. */
const addMissingIndexes = async (dynamodb: DynamoDBClient, table: string): Promise<void> => {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of TABLE_INDEXES.filter((definition) => !present.has(definition.name))) {
    await dynamodb.send(
      new UpdateTableCommand({
        TableName: table,
        AttributeDefinitions: keyAttributes([index.partitionKey, index.sortKey]),
        GlobalSecondaryIndexUpdates: [{ Create: indexOf(index) }],
      }),
    );
  }
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
  signBucketPathsLikeTheEmulator(s3);
  await createBucket(s3, bucket);
  await s3.send(
    new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [LOCAL_BROWSER_CORS] } }),
  );
};
