/**
 * Bundles every route's handler exactly as the stack does (it synthesizes the app, so the very same
 * NodejsFunction settings and local esbuild run), then prints each bundle's minified size and checks
 * that it loads: `tsx infra/cdk/bundle-sizes.ts [--max-kb=500]` (exit 1 when a bundle is over).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { routes } from '../routes';
import { createVaultApp } from './vault-app';

const KB = 1024;

const maxKb = (): number | null => {
  const flag = process.argv.slice(2).find((arg) => arg.startsWith('--max-kb='));
  if (!flag) return null;
  const value = Number(flag.slice('--max-kb='.length));
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--max-kb wants a positive number, got "${flag}"`);
  return value;
};

/** Imports a bundle in a fresh Node.js, as Lambda's init does; the median of three runs, in ms. */
const loadMilliseconds = (bundle: string): number => {
  const runs = [loadOnce(bundle), loadOnce(bundle), loadOnce(bundle)].sort((a, b) => a - b);
  return runs[1] ?? Number.NaN;
};

const loadOnce = (bundle: string): number => {
  const script = `const started = performance.now();
const module = await import(${JSON.stringify(pathToFileURL(bundle).href)});
if (typeof module.handler !== 'function') throw new Error('no handler export');
console.log(Math.round(performance.now() - started));`;
  const output = execFileSync(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '-e', script],
    {
      env: {
        ...process.env,
        AWS_REGION: 'us-east-1',
        CAMVAULT_TABLE: 'bundle-check',
        CAMVAULT_BUCKET: 'bundle-check',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      encoding: 'utf8',
    },
  );
  return Number(output.trim());
};

const main = (): void => {
  const limit = maxKb();
  const outdir = mkdtempSync(join(tmpdir(), 'camvault-bundles-'));
  try {
    const { app, stack } = createVaultApp({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    app.synth();
    const rows = routes.map((route) => {
      const handler = stack.functions.get(route.id);
      const asset = (handler?.function.node.defaultChild as CfnFunction | undefined)?.getMetadata(
        'aws:asset:path',
      );
      if (typeof asset !== 'string') throw new Error(`no bundle found for route ${route.id}`);
      const bundle = join(outdir, asset, 'index.mjs');
      return {
        route: `${route.method} ${route.path}`,
        entry: route.entry,
        bytes: statSync(bundle).size,
        mapBytes: statSync(`${bundle}.map`).size,
        loadMs: loadMilliseconds(bundle),
      };
    });
    console.table(
      rows.map((row) => ({
        route: row.route,
        entry: row.entry,
        'minified bytes': row.bytes,
        KB: Number((row.bytes / KB).toFixed(1)),
        'source map bytes': row.mapBytes,
        'load ms': row.loadMs,
      })),
    );
    if (limit !== null) {
      const over = rows.filter((row) => row.bytes > limit * KB);
      for (const row of over)
        console.error(`${row.route}: ${(row.bytes / KB).toFixed(1)} KB is over ${limit} KB`);
      if (over.length > 0) process.exitCode = 1;
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};

main();
