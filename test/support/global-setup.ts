/** Starts the emulators once for the whole run; each test file makes its own table and bucket on them. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulators } from '../../infra/local/local-vault';

export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const s3Directory = mkdtempSync(join(tmpdir(), 'camvault-test-s3-'));
  const emulators = await startEmulators({ dataDir: null, s3Directory });
  process.env.CAMVAULT_TEST_DYNAMODB = emulators.endpoints.dynamodb;
  process.env.CAMVAULT_TEST_S3 = emulators.endpoints.s3;
  process.env.CAMVAULT_TEST_SNS = emulators.endpoints.sns;
  (globalThis as { camvaultEmulators?: typeof emulators }).camvaultEmulators = emulators;
}
