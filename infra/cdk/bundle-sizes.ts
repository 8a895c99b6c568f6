/**
 * Bundles every handler exactly as the stack does (it synthesizes the app, so the very same
 * NodejsFunction settings and local esbuild run), then prints each bundle's minified size and checks
 * that it loads: `tsx infra/cdk/bundle-sizes.ts [--max-kb=500]` (exit 1 when a bundle is over).
 *
 * A route's bundle imports the SDK clients the Lambda runtime provides (RUNTIME_SDK_MODULES). To load
 * it as Lambda would, the bundles sit next to a node_modules that holds those packages and nothing
 * else, so a module the runtime lacks fails to load here too.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { backgroundFunctions, routes } from '../routes';
import { createVaultApp } from './vault-app';
import { RUNTIME_SDK_MODULES, type SdkSource, type VaultFunction } from './vault-function';
import { REPOSITORY_ROOT } from './vault-stack';

const KB = 1024;

export interface BundleReport {
  /** The route (`GET /files`) or the background function (`Notify`). */
  handler: string;
  entry: string;
  /** Where its SDK clients come from. */
  sdk: SdkSource;
  /** The runtime's SDK clients it imports (RUNTIME_SDK_MODULES), each loaded at its cold start. */
  runtimeImports: string[];
  bytes: number;
  mapBytes: number;
  /** Median time to import the bundle in a fresh Node.js, in ms; null when not measured. */
  loadMs: number | null;
}

/** Imports a bundle in a fresh Node.js, as Lambda's init does, and returns how long that took in ms. */
const loadOnce = (bundle: string): number => {
  const script = `const started = performance.now();
const module = await import(${JSON.stringify(pathToFileURL(bundle).href)});
if (typeof module.handler !== 'function') throw new Error('no handler export');
console.log(Math.round(performance.now() - started));`;
  const output = execFileSync(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '-e', script],
    {
      cwd: dirname(bundle),
      env: {
        ...process.env,
        AWS_REGION: 'us-east-1',
        CAMVAULT_TABLE: 'bundle-check',
        CAMVAULT_BUCKET: 'bundle-check',
        CAMVAULT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bundle-check',
        CAMVAULT_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bundle-check',
        CAMVAULT_USER_POOL_ID: 'us-east-1_bundlecheck',
        CAMVAULT_MAIL_FROM: 'bundle-check@example.com',
        CAMVAULT_COGNITO_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bundlecheck',
        CAMVAULT_COGNITO_CLIENT_IDS: 'bundlecheck',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      encoding: 'utf8',
    },
  );
  return Number(output.trim());
};

const medianLoadMs = (bundle: string, runs: number): number => {
  const times = Array.from({ length: runs }, () => loadOnce(bundle)).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
};

/** The runtime's SDK clients a bundle imports: `from"@aws-sdk/client-s3"` in its minified code. */
const runtimeImportsOf = (bundle: string): string[] => {
  const code = readFileSync(bundle, 'utf8');
  return RUNTIME_SDK_MODULES.filter((name) => code.includes(`from"${name}"`));
};

/** The runtime's share of node_modules: the SDK clients, linked from this repository's. */
const provideRuntimeModules = (directory: string): void => {
  for (const name of RUNTIME_SDK_MODULES) {
    const link = join(directory, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(REPOSITORY_ROOT, 'node_modules', name), link, 'dir');
  }
};

/**
 * Synthesizes the app with bundling (the webhook and mail on, so that every handler is built) and measures each
 * bundle; `loadRuns` 0 skips loading.
 */
export const measureBundles = (options: { loadRuns: number }): BundleReport[] => {
  const outdir = mkdtempSync(join(tmpdir(), 'camvault-bundles-'));
  try {
    provideRuntimeModules(outdir);
    const { app, stack } = createVaultApp({
      outdir,
      context: {
        'aws:cdk:enable-asset-metadata': true,
        webhook: 'true',
        mailFrom: 'vault@example.com',
      },
      nag: false,
    });
    app.synth();
    const handlers: [string, string, VaultFunction | null | undefined][] = [
      ...routes.map(
        (route) =>
          [`${route.method} ${route.path}`, route.entry, stack.functions.get(route.id)] as [
            string,
            string,
            VaultFunction | undefined,
          ],
      ),
      [backgroundFunctions.notify.id, backgroundFunctions.notify.entry, stack.notifications.notify],
      [
        backgroundFunctions.deliverNotifications.id,
        backgroundFunctions.deliverNotifications.entry,
        stack.notifications.deliver,
      ],
      [backgroundFunctions.webhook.id, backgroundFunctions.webhook.entry, stack.notifications.webhook],
      [backgroundFunctions.migrate.id, backgroundFunctions.migrate.entry, stack.migrate],
      [backgroundFunctions.lfsAuthorizer.id, backgroundFunctions.lfsAuthorizer.entry, stack.lfsAuthorizer],
      [
        backgroundFunctions.sendMailDigests.id,
        backgroundFunctions.sendMailDigests.entry,
        stack.mailDigests?.send,
      ],
      [
        backgroundFunctions.verifyStagedParts.id,
        backgroundFunctions.verifyStagedParts.entry,
        stack.uploadVerifier.verify,
      ],
      [backgroundFunctions.sweep.id, backgroundFunctions.sweep.entry, stack.sweeper.sweep],
    ];
    return handlers.map(([handler, entry, fn]) => {
      const asset = (fn?.function.node.defaultChild as CfnFunction | undefined)?.getMetadata(
        'aws:asset:path',
      );
      if (!fn || typeof asset !== 'string') throw new Error(`no bundle found for ${handler}`);
      const bundle = join(outdir, asset, 'index.mjs');
      return {
        handler,
        entry,
        sdk: fn.sdk,
        runtimeImports: runtimeImportsOf(bundle),
        bytes: statSync(bundle).size,
        mapBytes: statSync(`${bundle}.map`).size,
        loadMs: options.loadRuns > 0 ? medianLoadMs(bundle, options.loadRuns) : null,
      };
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};

const maxKb = (): number | null => {
  const flag = process.argv.slice(2).find((arg) => arg.startsWith('--max-kb='));
  if (!flag) return null;
  const value = Number(flag.slice('--max-kb='.length));
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--max-kb wants a positive number, got "${flag}"`);
  return value;
};

const main = (): void => {
  const limit = maxKb();
  const rows = measureBundles({ loadRuns: 3 });
  console.table(
    rows.map((row) => ({
      handler: row.handler,
      entry: row.entry,
      SDK: row.sdk,
      'runtime clients': row.runtimeImports.join(' '),
      'minified bytes': row.bytes,
      KB: Number((row.bytes / KB).toFixed(1)),
      'source map bytes': row.mapBytes,
      'load ms': row.loadMs,
    })),
  );
  if (limit !== null) {
    const over = rows.filter((row) => row.bytes > limit * KB);
    for (const row of over)
      console.error(`${row.handler}: ${(row.bytes / KB).toFixed(1)} KB is over ${limit} KB`);
    if (over.length > 0) process.exitCode = 1;
  }
};

if (require.main === module) main();
