/**
 * The SDK clients, one module per service so each function loads only the ones it uses. The endpoint
 * comes from `AWS_ENDPOINT_URL_*`, so the same code talks to AWS or to the local emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

type Env = Record<string, string | undefined>;

export const createDynamoDbClient = (env: Env = process.env): DynamoDBClient =>
  new DynamoDBClient({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB || undefined });
