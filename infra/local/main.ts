/**
 * `npm start`: the whole vault on this machine. DynamoDB Local and s3rver keep their data under
 * CAMVAULT_DATA_DIR, the same handlers as on Lambda answer on PORT, and Ctrl-C stops everything.
 */
import { resolve } from 'node:path';
import { CognitoSettingsError, readCognitoSettings } from '#shared/auth/cognito-jwt';
import { ConfigError, loadConfig } from '#shared/config';
import { JavaMissingError } from './emulators';
import { DEFAULT_JWT_SECRET, devToken } from './jwt';
import { serveVault, startEmulators } from './local-vault';
import { openApiPages } from './pages';
import { webPages } from './web-pages';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
const DEV_TOKEN_TTL_SECONDS = 12 * 3600;
/** What abandoned uploads left is swept this often (hourly on AWS). */
const SWEEP_EVERY_MS = 15 * 60 * 1000;
/** Staged parts are verified as they arrive (on AWS, storage's events start it). */
const VERIFY_EVERY_MS = 1000;

const fail = (message: string): never => {
  console.error(`camvault: ${message}`);
  process.exit(1);
};

const main = async () => {
  const host = process.env.HOST || '127.0.0.1';
  const port = Number(process.env.PORT || 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    fail(`PORT must be a port number, got "${process.env.PORT}"`);
  const jwtSecret = process.env.CAMVAULT_JWT_SECRET || DEFAULT_JWT_SECRET;
  if (!LOOPBACK_HOSTS.has(host) && jwtSecret === DEFAULT_JWT_SECRET) {
    fail(
      `refusing to listen on ${host} with the default CAMVAULT_JWT_SECRET: anyone could sign tokens. Set a secret of your own.`,
    );
  }
  const cognito = readCognitoSettings();
  if (!LOOPBACK_HOSTS.has(host) && cognito?.issuer.startsWith('http:')) {
    fail(
      `refusing to listen on ${host} while trusting the plain-http user pool ${cognito.issuer}: an emulator's signing key is public (cognito-local ships it), so anyone could sign tokens.`,
    );
  }
  const dataDir = resolve(process.env.CAMVAULT_DATA_DIR || '.camvault');
  const table = process.env.CAMVAULT_TABLE || 'camvault';
  const bucket = process.env.CAMVAULT_BUCKET || 'camvault';
  // The handlers read their settings when first called: check them before anything starts.
  loadConfig({ ...process.env, CAMVAULT_TABLE: table, CAMVAULT_BUCKET: bucket });

  const emulators = await startEmulators({
    dataDir: resolve(dataDir, 'dynamodb'),
    s3Directory: resolve(dataDir, 's3'),
  });
  let served: Awaited<ReturnType<typeof serveVault>> | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\ncamvault: ${signal}, stopping`);
    await served?.close();
    await emulators.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    served = await serveVault({
      endpoints: emulators.endpoints,
      table,
      bucket,
      host,
      port,
      jwtSecret,
      extraPages: new Map([...openApiPages(), ...webPages({ jwtSecret })]),
      notifications: {
        checkpointFile: resolve(dataDir, 'stream-checkpoint.json'),
        webhookUrl: process.env.CAMVAULT_WEBHOOK_URL || undefined,
      },
      feeds: { checkpointFile: resolve(dataDir, 'feeds-checkpoint.json') },
      sweepEveryMs: SWEEP_EVERY_MS,
      verifyEveryMs: VERIFY_EVERY_MS,
    });
  } catch (error) {
    await emulators.stop();
    throw error;
  }
  const user = process.env.USER && /^[\w.-]+$/.test(process.env.USER) ? process.env.USER : 'dev';
  const token = devToken(user, { admin: false, secret: jwtSecret, ttlSeconds: DEV_TOKEN_TTL_SECONDS });
  console.log(`camvault is running at ${served.url}  (open it in a browser; data in ${dataDir})`);
  console.log(
    `dev token for "${user}" (valid 12 h; others: npm run token -- <user> [--admin] [--group NAME]):`,
  );
  console.log(token);
  if (cognito)
    console.log(
      `also accepting sign-ins of the user pool ${cognito.issuer} (app clients ${cognito.clientIds.join(', ')})`,
    );
  console.log(`try: curl -H "Authorization: Bearer <token>" ${served.url}/files`);
  console.log(`events: topic ${served.topicArn} on ${emulators.endpoints.sns} (SNS and SQS)`);
};

main().catch((error: unknown) => {
  fail(
    error instanceof JavaMissingError || error instanceof CognitoSettingsError || error instanceof ConfigError
      ? error.message
      : `failed to start: ${(error as Error).stack ?? error}`,
  );
});
