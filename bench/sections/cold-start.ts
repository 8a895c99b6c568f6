/**
 * 6. Cold start: each function bundled exactly as the stack bundles it (the CDK app is synthesized, so
 * its NodejsFunction settings and the local esbuild run), its size, and the time to import it in a
 * fresh Node process — against a bare module that only creates the same SDK clients, bundled with the
 * same esbuild options and the same external packages. Runs alternate between the two so that a busy
 * moment of the machine hits both.
 *
 * Which clients a function creates is read from its bundle: the `@aws-sdk/client-*` packages it
 * imports (left to the Lambda runtime) and the service ids of clients bundled inside it. Packages a
 * bundle leaves out are linked into a node_modules beside the bundles, as the runtime provides them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { build } from 'esbuild';
import { routes } from '#infra/routes';
import { median } from '../lib/stats';

export interface ColdStartRow {
  /** `GET /files` for a route, the construct's id for a background function. */
  name: string;
  bytes: number;
  /** The SDK clients the function creates, and so the baseline creates. */
  clients: string[];
  /** Packages the bundle imports from the runtime. */
  external: string[];
  baselineBytes: number;
  loadMs: number;
  baselineLoadMs: number;
  /** Whole process: spawn to exit, Node's own start included. */
  processMs: number;
  baselineProcessMs: number;
  runs: number;
}

const REPOSITORY_ROOT = join(__dirname, '..', '..');

// BUNDLING in infra/cdk/vault-function.ts, in esbuild's API words (externals come from the bundle itself).
const BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * Bare package names a bundle imports statically (`from"pkg"`, `import"pkg"`), built-ins excluded: what
 * must be there when it loads. (Dynamic imports inside the SDK, such as the optional CRT signer, are not.)
 */
const externalImports = (code: string): string[] => {
  const names = new Set<string>();
  // An import statement: at the start of the code or after `;`, `}` or a line break, never inside a string.
  for (const match of code.matchAll(/(?:^|[;}\n])\s*import\s*(?:[^;"']*?from\s*)?["']([^"'./][^"']*)["']/g)) {
    const specifier = match[1] as string;
    if (specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string));
  }
  return [...names].sort();
};

const isInstalled = (packageName: string): boolean => {
  try {
    require.resolve(`${packageName}/package.json`, { paths: [REPOSITORY_ROOT] });
    return true;
  } catch {
    return false;
  }
};

/**
 * `@aws-sdk/client-*` packages of the clients in a bundle: imported, or bundled (found by service id).
 * The credential providers' own small clients (SSO, STS, sign-in) come with any client, so only
 * service ids of client packages this repository depends on count.
 */
const clientPackages = (code: string, external: string[]): string[] => {
  const packages = new Set(external.filter((name) => name.startsWith('@aws-sdk/client-')));
  for (const match of code.matchAll(/serviceId\?\?"([A-Za-z0-9 ]+)"/g)) {
    const name = `@aws-sdk/client-${(match[1] as string).toLowerCase().replace(/ /g, '-')}`;
    if (isInstalled(name)) packages.add(name);
  }
  return [...packages].sort();
};

/** The client class a package exports (`DynamoDBClient`), found by loading it. */
const clientClassOf = (packageName: string): string => {
  const exported = Object.keys(require(require.resolve(packageName, { paths: [REPOSITORY_ROOT] })));
  const name = exported.find((key) => /^[A-Z][A-Za-z0-9]*Client$/.test(key));
  if (!name) throw new Error(`no client class exported by ${packageName}`);
  return name;
};

const baselineSource = (packages: string[]): string => {
  const imports = packages.map((name) => `import { ${clientClassOf(name)} } from '${name}';`);
  const created = packages.map((name) => `new ${clientClassOf(name)}({})`);
  return `${imports.join('\n')}
const clients = [${created.join(', ')}];
export const handler = async () => ({ statusCode: 200, body: String(clients.length) });
`;
};

const bundleBaseline = async (packages: string[], external: string[], outdir: string): Promise<string> => {
  const outfile = join(outdir, 'index.mjs');
  await build({
    stdin: {
      contents: baselineSource(packages),
      resolveDir: REPOSITORY_ROOT,
      sourcefile: 'baseline.mjs',
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    external,
    banner: { js: BANNER },
    outfile,
    logLevel: 'warning',
  });
  return outfile;
};

/** What a deployed function starts with (NODE_OPTIONS included), and nothing of this shell's. */
const lambdaLikeEnvironment = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  CAMVAULT_TABLE: 'cold-start',
  CAMVAULT_BUCKET: 'cold-start',
  CAMVAULT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:cold-start',
  CAMVAULT_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cold-start',
  // The Git LFS authorizer's user pool (verified lazily: nothing is fetched at import).
  CAMVAULT_COGNITO_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_coldstart',
  CAMVAULT_COGNITO_CLIENT_IDS: 'coldstartclient',
  CAMVAULT_LOG_LEVEL: 'INFO',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

/** Imports a bundle in a fresh Node.js as Lambda's init does: the import's own ms, and the whole process's. */
const loadOnce = (bundle: string): { loadMs: number; processMs: number } => {
  const script = `const started = performance.now();
const module = await import(${JSON.stringify(pathToFileURL(bundle).href)});
if (typeof module.handler !== 'function') throw new Error('no handler export');
console.log(performance.now() - started);`;
  const started = performance.now();
  const output = execFileSync(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '-e', script],
    {
      cwd: dirname(bundle),
      env: lambdaLikeEnvironment(),
      encoding: 'utf8',
    },
  );
  return { loadMs: Number(output.trim()), processMs: performance.now() - started };
};

export const coldStart = async (options: {
  runs: number;
  log: (line: string) => void;
}): Promise<ColdStartRow[]> => {
  const outdir = mkdtempSync(join(tmpdir(), 'camvault-cold-start-'));
  try {
    // Loaded here, not at the top: aws-cdk-lib is big, and only this section needs it.
    const { createVaultApp } = await import('#infra/cdk/vault-app');
    const { NodejsFunction } = await import('aws-cdk-lib/aws-lambda-nodejs');
    const { app, stack } = createVaultApp({
      outdir: join(outdir, 'cdk.out'),
      // `webhook` builds the optional chat webhook's function too, where the stack has one.
      context: { 'aws:cdk:enable-asset-metadata': true, webhook: 'true' },
      nag: false,
    });
    app.synth();

    const routeNames = new Map<unknown, string>();
    for (const route of routes) {
      const handler = stack.functions.get(route.id);
      if (handler) routeNames.set(handler.function, `${route.method} ${route.path}`);
    }
    const functions = stack.node
      .findAll()
      .filter((construct) => construct instanceof NodejsFunction)
      .map((fn) => {
        const asset = (fn.node.defaultChild as CfnFunction | undefined)?.getMetadata('aws:asset:path');
        if (typeof asset !== 'string') throw new Error(`no bundle found for ${fn.node.path}`);
        const bundle = join(outdir, 'cdk.out', asset, 'index.mjs');
        const code = readFileSync(bundle, 'utf8');
        const external = externalImports(code);
        return {
          name: routeNames.get(fn) ?? fn.node.path.split('/').slice(1, -1).join('/'),
          bundle,
          external,
          clients: clientPackages(code, external),
        };
      });

    // The runtime's node_modules: every package a bundle leaves out, linked from this repository's.
    for (const name of new Set(functions.flatMap((fn) => fn.external))) {
      const link = join(outdir, 'node_modules', name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(REPOSITORY_ROOT, 'node_modules', name), link, 'dir');
    }

    const baselines = new Map<string, string>();
    const baselineFor = async (clients: string[], external: string[]) => {
      const key = JSON.stringify([clients, external]);
      let bundle = baselines.get(key);
      if (!bundle) {
        bundle = await bundleBaseline(clients, external, join(outdir, 'baselines', String(baselines.size)));
        baselines.set(key, bundle);
      }
      return bundle;
    };

    const rows: ColdStartRow[] = [];
    for (const fn of functions) {
      const bare = await baselineFor(fn.clients, fn.external);
      const own: { loadMs: number; processMs: number }[] = [];
      const base: { loadMs: number; processMs: number }[] = [];
      loadOnce(fn.bundle);
      loadOnce(bare);
      for (let run = 0; run < options.runs; run++) {
        if (run % 2 === 0) {
          own.push(loadOnce(fn.bundle));
          base.push(loadOnce(bare));
        } else {
          base.push(loadOnce(bare));
          own.push(loadOnce(fn.bundle));
        }
      }
      const row: ColdStartRow = {
        name: fn.name,
        bytes: statSync(fn.bundle).size,
        clients: fn.clients,
        external: fn.external,
        baselineBytes: statSync(bare).size,
        loadMs: median(own.map((run) => run.loadMs)),
        baselineLoadMs: median(base.map((run) => run.loadMs)),
        processMs: median(own.map((run) => run.processMs)),
        baselineProcessMs: median(base.map((run) => run.processMs)),
        runs: options.runs,
      };
      rows.push(row);
      options.log(
        `  ${row.name}: ${(row.bytes / 1024).toFixed(0)} KB, import ${row.loadMs.toFixed(0)} ms vs ${row.baselineLoadMs.toFixed(0)} ms bare (${(row.loadMs / row.baselineLoadMs).toFixed(2)}×)`,
      );
    }
    return rows;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};
