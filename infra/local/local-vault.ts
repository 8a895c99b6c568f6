/** Wires the emulators, the table and bucket, and the route handlers into one local vault. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { signBucketPathsLikeTheEmulator } from '#shared/aws/clients/s3';
import type { MigrationReport } from '#shared/aws/dynamodb/migrate-v1';
import { S3FileStore } from '#shared/aws/s3-file-store';
import { backgroundFunctions, routes } from '../routes';
import {
  EMULATOR_CREDENTIALS,
  freePort,
  LOOPBACK,
  type RunningEmulator,
  startDynamoDbLocal,
  startS3,
  startSns,
} from './emulators';
import { createTopic, startFeedNotifier, startNotifications } from './notifications';
import { ensureBucket, ensureTable } from './provision';
import { createLocalApi, lambdaContext, listen, loadHandler, loadHandlers } from './server';

export interface EmulatorEndpoints {
  dynamodb: string;
  s3: string;
  /** fauxqs: SNS and SQS. Without it, no events are published. */
  sns?: string;
}

const REGION = 'us-east-1';

/** The SDK settings that point at the emulators: what a deployed function gets from AWS instead. */
export const emulatorEnvironment = (endpoints: EmulatorEndpoints): Record<string, string> => ({
  AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
  AWS_ENDPOINT_URL_S3: endpoints.s3,
  ...(endpoints.sns ? { AWS_ENDPOINT_URL_SNS: endpoints.sns } : {}),
  AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  AWS_REGION: REGION,
  // s3rver refuses signed query values holding these, so local download names replace them.
  CAMVAULT_UNSIGNABLE_FILENAME_CHARACTERS: "!'()*",
});

export const emulatorClients = (endpoints: EmulatorEndpoints) => {
  const s3 = new S3Client({
    endpoint: endpoints.s3,
    region: REGION,
    credentials: EMULATOR_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  signBucketPathsLikeTheEmulator(s3);
  return {
    dynamodb: new DynamoDBClient({
      endpoint: endpoints.dynamodb,
      region: REGION,
      credentials: EMULATOR_CREDENTIALS,
    }),
    s3,
  };
};

/** DynamoDB Local, s3rver and fauxqs, started together; if one fails, those started are stopped. */
export const startEmulators = async (options: {
  dataDir: string | null;
  s3Directory: string;
  s3Port?: number;
}) => {
  const started: RunningEmulator[] = [];
  const stop = async () => {
    await Promise.all(started.map((emulator) => emulator.stop()));
  };
  const track = async (starting: Promise<RunningEmulator>) => {
    const emulator = await starting;
    started.push(emulator);
    return emulator;
  };
  try {
    const [dynamodb, s3, sns] = await Promise.all([
      track(freePort().then((port) => startDynamoDbLocal({ port, dataDir: options.dataDir }))),
      track(
        (options.s3Port ? Promise.resolve(options.s3Port) : freePort()).then((port) =>
          startS3({ port, directory: options.s3Directory }),
        ),
      ),
      track(freePort().then((port) => startSns({ port }))),
    ]);
    return {
      endpoints: {
        dynamodb: dynamodb.endpoint,
        s3: s3.endpoint,
        sns: sns.endpoint,
      } satisfies EmulatorEndpoints,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

let serving = false;

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
  /** Publish events (needs `endpoints.sns`): the stream position is kept in `checkpointFile`. */
  notifications?: { checkpointFile: string; webhookUrl?: string; webhookRetryAfterSeconds?: number };
  /** Fan changes out to the users' feeds (watches, requests): the stream position is kept in `checkpointFile`. */
  feeds?: { checkpointFile: string; pollMs?: number };
  /** Run the sweeper this often (what the schedule does on AWS); unset: never. */
  sweepEveryMs?: number;
  /**
   * Verify the staged parts of uploads in progress this often, what S3's object-created events make
   * the verifier do on AWS (s3rver sends none to another process); unset: the check-in does it all.
   */
  verifyEveryMs?: number;
}

/** `work` every `everyMs`, one run at a time (a tick while one runs is skipped); a failure is logged. */
const everyInterval = (everyMs: number, work: () => Promise<unknown>, what: string) => {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = work()
      .catch((error: unknown) => console.error(`camvault: ${what} failed: ${(error as Error).message}`))
      .finally(() => {
        running = null;
      });
  }, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
};

/** The verifier of staged parts on a timer: each tick is, for every upload with staged bytes, the event of one of its parts. */
const startVerifying = (everyMs: number, stagedUploads: () => AsyncIterable<string>, bucket: string) => {
  const verify = loadHandler<(event: unknown, context: unknown) => Promise<unknown>>(
    backgroundFunctions.verifyStagedParts.entry,
  );
  const tick = async () => {
    for await (const uploadId of stagedUploads()) {
      await verify(
        {
          source: 'aws.s3',
          'detail-type': 'Object Created',
          detail: { bucket: { name: bucket }, object: { key: `uploads/${uploadId}/00001` } },
        },
        lambdaContext(backgroundFunctions.verifyStagedParts.id, 600),
      );
    }
  };
  return everyInterval(everyMs, tick, 'verifying staged parts');
};

/** The sweeper on a timer, one run at a time, as the hourly schedule runs it on AWS. */
const startSweeping = (everyMs: number) => {
  const sweep = loadHandler<(event: unknown, context: unknown) => Promise<unknown>>(
    backgroundFunctions.sweep.entry,
  );
  return everyInterval(everyMs, () => sweep({}, lambdaContext(backgroundFunctions.sweep.id)), 'the sweep');
};

/**
 * Serves the vault over HTTP. The handlers read their configuration from the environment when they
 * load, as on Lambda, so this sets it first; one process serves one vault.
 */
export const serveVault = async (options: ServeOptions) => {
  // The handlers keep the configuration they loaded with; a second vault would silently share the first's.
  if (serving)
    throw new Error('this process already serves a vault; start another process for another vault');
  serving = true;
  Object.assign(process.env, emulatorEnvironment(options.endpoints), options.environment ?? {}, {
    CAMVAULT_TABLE: options.table,
    CAMVAULT_BUCKET: options.bucket,
  });
  const clients = emulatorClients(options.endpoints);
  await ensureTable(clients.dynamodb, options.table);
  // What each deployment does on AWS: data a v1 vault left takes the v2 layout before the first request.
  const migrate = loadHandler<(event: unknown, context: unknown) => Promise<MigrationReport>>(
    backgroundFunctions.migrate.entry,
  );
  await migrate({}, lambdaContext(backgroundFunctions.migrate.id));
  await ensureBucket(clients.s3, options.bucket);
  const snsEndpoint = options.endpoints.sns;
  const notifying = options.notifications && snsEndpoint ? { ...options.notifications, snsEndpoint } : null;
  let notifications: Awaited<ReturnType<typeof startNotifications>> | null = null;
  let topicArn: string | null = null;
  if (notifying) {
    topicArn = await createTopic(notifying.snsEndpoint, REGION, `${options.table}-events`);
    process.env.CAMVAULT_TOPIC_ARN = topicArn;
    if (notifying.webhookUrl) process.env.CAMVAULT_WEBHOOK_URL = notifying.webhookUrl;
    notifications = await startNotifications({
      dynamodb: clients.dynamodb,
      dynamodbEndpoint: options.endpoints.dynamodb,
      snsEndpoint: notifying.snsEndpoint,
      region: REGION,
      table: options.table,
      checkpointFile: notifying.checkpointFile,
      webhookUrl: notifying.webhookUrl,
      webhookRetryAfterSeconds: notifying.webhookRetryAfterSeconds,
      topicArn,
    });
  }
  const feeds = options.feeds
    ? await startFeedNotifier({
        dynamodb: clients.dynamodb,
        dynamodbEndpoint: options.endpoints.dynamodb,
        region: REGION,
        table: options.table,
        ...options.feeds,
      })
    : null;
  const sweeping = options.sweepEveryMs ? startSweeping(options.sweepEveryMs) : null;
  const staging = new S3FileStore(clients.s3, options.bucket);
  const verifying = options.verifyEveryMs
    ? startVerifying(options.verifyEveryMs, () => staging.stagedUploads(), options.bucket)
    : null;
  const api = createLocalApi({
    routes,
    handlers: loadHandlers(routes),
    jwtSecret: options.jwtSecret,
    extraPages: options.extraPages,
  });
  const { server, url } = await listen(api, options.host ?? LOOPBACK, options.port ?? 0);
  return {
    url,
    topicArn,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.all([notifications?.stop(), feeds?.stop(), sweeping?.stop(), verifying?.stop()]);
      serving = false;
    },
  };
};
