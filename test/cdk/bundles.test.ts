/**
 * The bundle budget: every handler, bundled exactly as the stack bundles it (a synth with bundling, the
 * local esbuild), is at most 500 KB minified, and loads in a fresh Node.js that has nothing but the SDK
 * clients the Lambda runtime provides. `npm run bundle-sizes` prints the same figures with load times.
 */
import { type BundleReport, measureBundles } from '../../infra/cdk/bundle-sizes';
import { backgroundFunctions, routes, SWEEPER_ACCESS, VERIFIER_ACCESS } from '../../infra/routes';

const BUDGET_BYTES = 500 * 1024;

let reports: BundleReport[];

beforeAll(() => {
  // One load each: enough to prove the bundle resolves every import; the script takes the median of three.
  reports = measureBundles({ loadRuns: 1 });
}, 120_000);

test('every route and background function is bundled', () => {
  expect(reports.map((report) => report.entry).sort()).toEqual(
    [
      ...routes.map((route) => route.entry),
      ...Object.values(backgroundFunctions).map((fn) => fn.entry),
    ].sort(),
  );
});

test('every bundle is within 500 KB minified', () => {
  const over = reports
    .filter((report) => report.bytes > BUDGET_BYTES)
    .map((report) => `${report.handler}: ${(report.bytes / 1024).toFixed(1)} KB`);
  expect(over).toEqual([]);
});

test('every bundle loads with only the runtime-provided SDK clients beside it, and exports its handler', () => {
  // measureBundles throws when an import fails or `handler` is missing; here each one took a time.
  expect(reports.filter((report) => !(typeof report.loadMs === 'number' && report.loadMs >= 0))).toEqual([]);
});

test('a function loads the S3 client exactly when it is granted S3 actions', () => {
  // Any S3 action at all: on the blobs, on staged parts or on the bucket itself.
  const grantsS3 = (access: {
    blobActions: readonly string[];
    stagingActions?: readonly string[];
    bucketActions?: readonly string[];
  }) =>
    access.blobActions.length + (access.stagingActions?.length ?? 0) + (access.bucketActions?.length ?? 0) >
    0;
  const expected = new Map<string, boolean>([
    ...routes.map((route): [string, boolean] => [route.entry, grantsS3(route)]),
    [backgroundFunctions.sweep.entry, grantsS3(SWEEPER_ACCESS)],
    [backgroundFunctions.verifyStagedParts.entry, grantsS3(VERIFIER_ACCESS)],
    [backgroundFunctions.deliverNotifications.entry, false],
  ]);
  const wrong = reports
    .filter((report) => expected.has(report.entry))
    .filter((report) => report.runtimeImports.includes('@aws-sdk/client-s3') !== expected.get(report.entry))
    .map((report) => `${report.handler}: ${report.runtimeImports.join(', ')}`);
  expect(wrong).toEqual([]);
  // Most routes touch no bytes: their cold start loads DynamoDB's client alone.
  expect(
    reports.filter((report) => report.runtimeImports.join() === '@aws-sdk/client-dynamodb').length,
  ).toBeGreaterThan(20);
});
