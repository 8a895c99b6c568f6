/**
 * Bundles the web page with the installed esbuild: web/src/main.ts (and the CSS it imports) into
 * app.js and app.css, and the hashing worker web/src/hash-worker.ts into hash-worker.js, beside
 * index.html. Nothing is fetched at build or run time.
 *
 * - `node --import tsx web/build.ts` writes web/dist/ and prints each file's raw and gzipped size.
 * - The local server calls `bundleWeb()` at start and serves the files from memory (~0.1 s).
 * - The CDK app calls `writeWeb()` during synth and deploys what it wrote.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';

export const WEB_SOURCE = join(__dirname, 'src');
export const WEB_DIST = join(__dirname, 'dist');

export interface WebFile {
  /** The path under the site's root, e.g. `app.js`. */
  path: string;
  contentType: string;
  body: Buffer;
}

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

const contentType = (path: string): string =>
  CONTENT_TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';

/** The page's files, built in memory: index.html, app.js, app.css, hash-worker.js. */
export const bundleWeb = (): WebFile[] => {
  const result = buildSync({
    // The hashing worker is a file of its own on the page's origin, as the CSP's script-src allows.
    entryPoints: { app: join(WEB_SOURCE, 'main.ts'), 'hash-worker': join(WEB_SOURCE, 'hash-worker.ts') },
    bundle: true,
    minify: true,
    format: 'esm',
    // What the team's browsers run: current Chrome, Edge, Firefox and Safari (incl. iPad).
    target: ['chrome111', 'edge111', 'firefox115', 'safari16.4'],
    tsconfig: join(__dirname, 'tsconfig.json'),
    legalComments: 'none',
    charset: 'utf8',
    write: false,
    outdir: WEB_DIST,
    logLevel: 'silent',
  });
  const bundled = result.outputFiles.map((file) => {
    const path = basename(file.path);
    return { path, contentType: contentType(path), body: Buffer.from(file.contents) };
  });
  const index = readFileSync(join(WEB_SOURCE, 'index.html'));
  return [{ path: 'index.html', contentType: contentType('index.html'), body: index }, ...bundled];
};

/** Builds the page into `directory` (emptied first), web/dist by default. */
export const writeWeb = (directory = WEB_DIST): WebFile[] => {
  const files = bundleWeb();
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  for (const file of files) writeFileSync(join(directory, file.path), file.body);
  return files;
};

/** Raw and gzipped bytes of each file and of all of them. */
export const webSizes = (files: WebFile[]) => {
  const rows = files.map((file) => ({
    file: file.path,
    bytes: file.body.length,
    gzipBytes: gzipSync(file.body, { level: 9 }).length,
  }));
  const total = rows.reduce(
    (sum, row) => ({ file: 'total', bytes: sum.bytes + row.bytes, gzipBytes: sum.gzipBytes + row.gzipBytes }),
    { file: 'total', bytes: 0, gzipBytes: 0 },
  );
  return [...rows, total];
};

if (require.main === module) {
  const files = writeWeb();
  console.log(`wrote ${WEB_DIST}`);
  console.table(webSizes(files));
}
