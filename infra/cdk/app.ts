/** The CDK CLI's entry point (cdk.json: `npx tsx infra/cdk/app.ts`). */
import { SettingsError } from './settings';
import { createVaultApp } from './vault-app';

try {
  createVaultApp().app.synth();
} catch (error) {
  // A bad setting is the user's to fix: say which, without a stack trace.
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
