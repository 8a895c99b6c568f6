/** The page's bundle: small, self-contained (nothing fetched from elsewhere), and type-checked as DOM code. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { bundleWeb, webSizes } from '../../web/build';

const REPOSITORY_ROOT = join(__dirname, '..', '..');
/** The budget: the page must stay small on a workshop's link. */
const MAX_GZIP_BYTES = 30 * 1024;

const files = bundleWeb();
const text = (path: string) => files.find((file) => file.path === path)?.body.toString('utf8') ?? '';

test('is index.html, app.js, app.css and the hashing worker, under 30 KiB gzipped in all', () => {
  expect(files.map((file) => file.path).sort()).toEqual([
    'app.css',
    'app.js',
    'hash-worker.js',
    'index.html',
  ]);
  const total = webSizes(files).find((row) => row.file === 'total');
  expect(total?.gzipBytes).toBeLessThan(MAX_GZIP_BYTES);
});

test('fetches nothing from another site: no CDN, no web font, no remote URL', () => {
  const urls = files.flatMap((file) => file.body.toString('utf8').match(/https?:\/\/[^\s"'`)<>]+/g) ?? []);
  // The only URLs are the loopback hints of the local sign-in message, and the SVG namespace of the
  // bell's icon (a name for createElementNS, never fetched).
  expect(
    urls.filter(
      (url) => !/^http:\/\/(localhost|127\.0\.0\.1)\b/.test(url) && url !== 'http://www.w3.org/2000/svg',
    ),
  ).toEqual([]);
  expect(text('app.css')).not.toMatch(/@import|@font-face|url\(/);
  // The worker is started by app.js from the page's own origin (script-src 'self'), never from a blob.
  expect(text('app.js')).toContain('new Worker(new URL("hash-worker.js",import.meta.url)');
  expect(text('app.js')).not.toMatch(/createObjectURL|blob:/);
  expect(text('index.html').match(/(?:src|href)="[^"]*"/g)).toEqual([
    'href="data:,"',
    'href="app.css"',
    'src="app.js"',
  ]);
});

test('the page’s TypeScript type-checks against the DOM (web/tsconfig.json)', () => {
  expect(() =>
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'web', '--noEmit'], {
      cwd: REPOSITORY_ROOT,
      encoding: 'utf8',
      stdio: 'pipe',
    }),
  ).not.toThrow();
});
