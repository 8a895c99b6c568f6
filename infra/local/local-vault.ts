/** Wires the emulators, the table and bucket, and the route handlers into one local vault. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { routes } from '../routes';
import {
  EMULATOR_CREDENTIALS,
  freePort,
  LOOPBACK,
  type RunningEmulator,
  startDynamoDbLocal,
  startS3,
} from './emulators';
import { ensureBucket, ensureTable } from './provision';
import { createLocalApi, listen, loadHandlers } from './server';

export interface EmulatorEndpoints {
  dynamodb: string;
  s3: string;
}

const REGION = 'us-east-1';

/** The SDK settings that point at the emulators: what a deployed function gets from AWS instead. */
export const emulatorEnvironment = (endpoints: EmulatorEndpoints): Record<string, string> => ({
  AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
  AWS_ENDPOINT_URL_S3: endpoints.s3,
  AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  AWS_REGION: REGION,
  // s3rver refuses signed query values holding these, so local download names replace them.
  CAMVAULT_UNSIGNABLE_FILENAME_CHARACTERS: "!'()*",
});

export const emulatorClients = (endpoints: EmulatorEndpoints) => ({
  dynamodb: new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: REGION,
    credentials: EMULATOR_CREDENTIALS,
  }),
  s3: new S3Client({
    endpoint: endpoints.s3,
    region: REGION,
    credentials: EMULATOR_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  }),
});

export const startEmulators = async (options: {
  dataDir: string | null;
  s3Directory: string;
  s3Port?: number;
}) => {
  const dynamodb = await startDynamoDbLocal({ port: await freePort(), dataDir: options.dataDir });
  let s3: RunningEmulator;
  try {
    s3 = await startS3({ port: options.s3Port ?? (await freePort()), directory: options.s3Directory });
  } catch (error) {
    await dynamodb.stop();
    throw error;
  }
  return {
    endpoints: { dynamodb: dynamodb.endpoint, s3: s3.endpoint } satisfies EmulatorEndpoints,
    stop: async () => {
      await Promise.all([s3.stop(), dynamodb.stop()]);
    },
  };
};

export interface ServeOptions {
  endpoints: EmulatorEndpoints;
  table: string;
  bucket: string;
  host?: string;
  port?: number;
  jwtSecret: string;
  /** More configuration for the handlers (CAMVAULT_* variables). */
  environment?: Record<string, string>;
  extraPages?: Parameters<typeof createLocalApi>[0]['extraPages'];
}

/**
 * Serves the vault over HTTP. The handlers read their configuration from the environment when they
 * load, as on Lambda, so this sets it first; one process serves one vault.
 */
export const serveVault = async (options: ServeOptions) => {
  Object.assign(process.env, emulatorEnvironment(options.endpoints), options.environment ?? {}, {
    CAMVAULT_TABLE: options.table,
    CAMVAULT_BUCKET: options.bucket,
  });
  const clients = emulatorClients(options.endpoints);
  await ensureTable(clients.dynamodb, options.table);
  await ensureBucket(clients.s3, options.bucket);
  const api = createLocalApi({
    routes,
    handlers: loadHandlers(routes),
    jwtSecret: options.jwtSecret,
    extraPages: options.extraPages,
  });
  const { server, url } = await listen(api, options.host ?? LOOPBACK, options.port ?? 0);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
};
