/**
 * The CDK app: the vault stack, configured from context, checked by cdk-nag's AwsSolutions rules.
 * `app.ts` runs it for the CDK CLI; the tests and the bundle-size script build it the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSettings, type SettingKey } from './settings';
import { REPOSITORY_ROOT, VaultStack } from './vault-stack';
import { givenWebSettings } from './web-hosting';

/**
 * cdk.json's context (the feature flags): the CLI passes it to `cdk synth`; reading it here too makes
 * an app built by a test or a script synthesize the very same template.
 */
export const cdkJsonContext = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'cdk.json'), 'utf8')).context ?? {};

export interface VaultAppOptions {
  /** Context on top of cdk.json's, e.g. settings, or `{ 'aws:cdk:bundling-stacks': [] }` to skip bundling. */
  context?: Record<string, unknown>;
  outdir?: string;
  /** Run cdk-nag's AwsSolutions checks at synth (default true; template tests test the template alone). */
  nag?: boolean;
}

export const createVaultApp = (options: VaultAppOptions = {}) => {
  const props: AppProps = {
    context: { ...cdkJsonContext(), ...options.context },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  };
  const app = new App(props);
  const settings = readSettings((key: SettingKey) => app.node.tryGetContext(key));
  const stack = new VaultStack(app, settings.stackName, {
    settings,
    givenWebSettings: givenWebSettings((key) => app.node.tryGetContext(key)),
    description: 'camvault: check-out / check-in vault (HTTP API, Lambda, DynamoDB, S3, Cognito, web page)',
    // Account and region come from the CLI's credentials at deploy time; synth needs neither.
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, settings };
};
