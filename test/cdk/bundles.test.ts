/**
 * The bundle budget: every handler, bundled exactly as the stack bundles it (a synth with bundling, the
 * local esbuild), is at most 500 KB minified, and loads in a fresh Node.js that has nothing but the SDK
 * clients the Lambda runtime provides. `npm run bundle-sizes` prints the same figures with load times.
 */
import { type BundleReport, measureBundles } from '../../infra/cdk/bundle-sizes';
import { backgroundFunctions, routes } from '../../infra/routes';

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
