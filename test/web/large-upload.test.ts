/**
 * (v2) The page sends a large file in parts: over the multipart threshold the vault answers a
 * multipart upload, and the page (hashing in workers) asks for its parts' URLs and PUTs them a few at
 * a time, each retried on its own, then checks in; an upload cut off by a reload resumes when the same
 * file is chosen again. The threshold is lowered here so that a 36 MiB file goes in three parts of the
 * vault's 16 MiB. Each test has a browser window (and so a localStorage) of its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Request } from 'playwright-core';
import { webPages } from '#infra/local/web-pages';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/http';
import { launchChromium, openAs, openFolder, rowOf } from './support';

const MiB = 1024 ** 2;
const PARTS = 3;
const directory = mkdtempSync(join(tmpdir(), 'camvault-large-upload-'));

/** A 36 MiB file of its own on disk: a buffer this big crosses to the browser too slowly. */
const bigFile = (base: string) => {
  const bytes = randomBytes(36 * MiB);
  const path = join(directory, `${base}.mcam`);
  writeFileSync(path, bytes);
  return {
    bytes,
    path,
    name: `fixtures/${base}.mcam`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
};
type BigFile = ReturnType<typeof bigFile>;

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startTestServer(
      { CAMVAULT_MULTIPART_THRESHOLD_BYTES: String(5 * MiB) },
      { extraPages: webPages({ jwtSecret: TEST_JWT_SECRET, pollSeconds: 3600 }) },
    ),
    launchChromium(),
  ]);
  await server.as('seeder').commit('fixtures/Small.mcam', Buffer.from('small'));
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.close();
  rmSync(directory, { recursive: true, force: true });
});

const openWindow = async (): Promise<Page> => {
  const { context, page } = await openAs(browser, server.url, 'prog1');
  contexts.push(context);
  return page;
};

/** A part's PUT to storage: a presigned URL of the staged part's object, `…/uploads/{uploadId}/00002`. */
const PART_PATH = /\/uploads\/[^/]+\/(\d+)$/;
const isPartUrl = (url: URL) => PART_PATH.test(url.pathname) && url.searchParams.has('X-Amz-Signature');
const isPartPut = (request: Request) => request.method() === 'PUT' && isPartUrl(new URL(request.url()));
const partNumberOf = (request: Request) => Number(PART_PATH.exec(new URL(request.url()).pathname)?.[1]);
const isApi = (request: Request, method: string, path: RegExp) =>
  request.method() === method && path.test(new URL(request.url()).pathname);

/** Every part PUT the page starts, in order (retries too). */
const watchParts = (page: Page) => {
  const seen = { started: [] as number[] };
  page.on('request', (request) => {
    if (isPartPut(request)) seen.started.push(partNumberOf(request));
  });
  return seen;
};

/**
 * In the page (a single-page app: it stays for the test): the most part PUTs (by XMLHttpRequest) in flight at once, as
 * `window.mostPartPutsInFlight`. One still in flight has not reached readyState 4 (DONE), which comes
 * before its load event; a page sending parts one after another so never has two.
 */
const COUNT_PART_PUTS = `(() => {
  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  const inFlight = new Set();
  window.mostPartPutsInFlight = 0;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.isPartPut = method === 'PUT' && ${PART_PATH}.test(new URL(url, location.href).pathname);
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (body) {
    if (this.isPartPut) {
      for (const request of inFlight) if (request.readyState === 4) inFlight.delete(request);
      inFlight.add(this);
      window.mostPartPutsInFlight = Math.max(window.mostPartPutsInFlight, inFlight.size);
    }
    return send.call(this, body);
  };
})();`;

/** Opens "Add file" in fixtures/, chooses `file` and starts the upload; the dialog. */
const addFile = async (page: Page, file: BigFile): Promise<Locator> => {
  await openFolder(page, 'fixtures/');
  await page.getByRole('button', { name: 'Add file' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a new file' });
  await dialog.getByLabel('File to add: choose a file').setInputFiles(file.path);
  await dialog.getByRole('button', { name: 'Add file' }).click();
  return dialog;
};

const added = (dialog: Locator, file: BigFile) =>
  dialog.getByText(`${file.name} is added as version 1.`).waitFor({ timeout: 30_000 });

/** Version 1 is exactly the file: its size and SHA-256 as the vault has them, and its bytes downloaded. */
const expectCommitted = async (file: BigFile) => {
  const committed = (await server.as('anyone').get(`/files/${file.name.replaceAll(' ', '%20')}`)).body;
  expect(committed).toMatchObject({ version: 1, sizeBytes: file.bytes.length, sha256: file.sha256 });
  expect((await server.as('anyone').downloadBytes(file.name)).equals(file.bytes)).toBe(true);
};

/** Holds every part PUT but part 1's until `release()`, while `holding`. */
const holdPartsAfterTheFirst = async (page: Page) => {
  const hold = { holding: true, release: () => {} };
  const gate = new Promise<void>((resolve) => {
    hold.release = resolve;
  });
  await page.route(isPartUrl, async (route) => {
    const request = route.request();
    if (hold.holding && request.method() === 'PUT' && partNumberOf(request) !== 1) await gate;
    // A request held across a reload was cancelled with its page: there is nothing left to continue.
    await route.continue().catch(() => undefined);
  });
  return hold;
};

/** Waits until storage has answered part 1 with 200 and the other parts' PUTs have started. */
const partOneStored = async (page: Page, seen: ReturnType<typeof watchParts>) => {
  const first = await page.waitForEvent('requestfinished', {
    predicate: (request) => isPartPut(request) && partNumberOf(request) === 1,
    timeout: 30_000,
  });
  expect((await first.response())?.status()).toBe(200);
  for (let i = 0; i < 100 && seen.started.length < PARTS; i++) await page.waitForTimeout(100);
  expect(seen.started.length).toBeGreaterThanOrEqual(PARTS);
};

const signInAgain = async (page: Page) => {
  await page.reload();
  await page.getByLabel('Sign in as').fill('prog1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as prog1').waitFor();
};

test('a file over the threshold goes in parts, several at once, and is checked in whole', async () => {
  const file = bigFile('Parallel plate');
  const page = await openWindow();
  const seen = watchParts(page);
  // Counted where the requests are made: Playwright's interception would itself space them out.
  await page.evaluate(COUNT_PART_PUTS);
  const asked: number[] = [];
  page.on('request', (request) => {
    if (isApi(request, 'POST', /\/uploads\/[^/]+\/parts$/))
      for (const part of JSON.parse(request.postData() ?? '{}').parts ?? []) asked.push(part.partNumber);
  });
  const workers: string[] = [];
  page.on('worker', (worker) => workers.push(new URL(worker.url()).pathname));
  const dialog = await addFile(page, file);
  await added(dialog, file);
  // Hashed off the page's thread: the file's SHA-256 and its parts' in two workers, side by side.
  expect(workers).toEqual(['/hash-worker.js', '/hash-worker.js']);
  expect(await dialog.getByRole('progressbar', { name: 'Computing SHA-256' }).getAttribute('value')).toBe(
    '100',
  );
  expect(asked).toEqual([1, 2, 3]);
  expect(seen.started.sort()).toEqual([1, 2, 3]);
  // Four at a time: all three parts were on their way together.
  expect(await page.evaluate('window.mostPartPutsInFlight')).toBeGreaterThan(1);
  await expectCommitted(file);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await rowOf(page, file.name).waitFor();
}, 60_000);

test('after a reload mid-upload, the same file chosen again sends only the parts storage lacks', async () => {
  const file = bigFile('Resumed plate');
  const page = await openWindow();
  const seen = watchParts(page);
  const hold = await holdPartsAfterTheFirst(page);
  await addFile(page, file);
  await partOneStored(page, seen);

  hold.holding = false;
  await signInAgain(page);
  const sentBefore = seen.started.length;
  let staged = 0;
  page.on('request', (request) => {
    if (isApi(request, 'POST', /^\/uploads$/)) staged++;
  });
  const dialog = await addFile(page, file);
  await dialog
    .getByText('Resuming the earlier upload of this file: 1 of 3 parts are in storage already.')
    .waitFor();
  await added(dialog, file);
  hold.release();
  const sentAfter = seen.started.slice(sentBefore).sort();
  expect(sentAfter.length).toBeLessThan(PARTS);
  expect(sentAfter).toEqual([2, 3]);
  expect(staged).toBe(0);
  await expectCommitted(file);
  // Checked in: nothing is left to resume.
  expect(await page.evaluate("localStorage.getItem('camvault.pendingUploads')")).toBe('[]');
}, 60_000);

test('an upload the vault no longer has is staged afresh when the file is chosen again', async () => {
  const file = bigFile('Expired plate');
  const page = await openWindow();
  const seen = watchParts(page);
  const hold = await holdPartsAfterTheFirst(page);
  const staging = page.waitForResponse((response) => isApi(response.request(), 'POST', /^\/uploads$/));
  await addFile(page, file);
  const { uploadId } = await (await staging).json();
  await partOneStored(page, seen);

  hold.holding = false;
  await signInAgain(page);
  // Gone from the vault (as when it expires): GET /uploads/{uploadId} answers 404.
  expect((await server.as('prog1').request('DELETE', `/uploads/${uploadId}`)).status).toBe(200);
  const sentBefore = seen.started.length;
  const dialog = await addFile(page, file);
  await added(dialog, file);
  hold.release();
  expect(seen.started.slice(sentBefore).sort()).toEqual([1, 2, 3]);
  await expectCommitted(file);
}, 60_000);

test('a part storage refuses once (503) is sent again, and the upload still commits', async () => {
  const file = bigFile('Retried plate');
  const page = await openWindow();
  const seen = watchParts(page);
  let refused = 0;
  await page.route(isPartUrl, async (route) => {
    const request = route.request();
    if (request.method() === 'PUT' && partNumberOf(request) === 2 && refused === 0) {
      refused++;
      return route.fulfill({
        status: 503,
        headers: { 'access-control-allow-origin': '*', 'content-type': 'application/xml' },
        body: '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
      });
    }
    await route.continue();
  });
  const dialog = await addFile(page, file);
  await added(dialog, file);
  expect(refused).toBe(1);
  expect(seen.started.filter((n) => n === 2)).toHaveLength(2);
  await expectCommitted(file);
}, 60_000);

test('cancelling mid-upload gives the upload up and forgets it', async () => {
  const file = bigFile('Cancelled plate');
  const page = await openWindow();
  const seen = watchParts(page);
  const hold = await holdPartsAfterTheFirst(page);
  const staging = page.waitForResponse((response) => isApi(response.request(), 'POST', /^\/uploads$/));
  const dialog = await addFile(page, file);
  const { uploadId } = await (await staging).json();
  await partOneStored(page, seen);
  const abandoned = page.waitForResponse((response) =>
    isApi(response.request(), 'DELETE', new RegExp(`^/uploads/${uploadId}$`)),
  );
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect((await abandoned).status()).toBe(200);
  hold.release();
  expect(await page.evaluate("localStorage.getItem('camvault.pendingUploads')")).toBe('[]');
  expect((await server.as('prog1').get(`/uploads/${uploadId}`)).status).toBe(404);
}, 60_000);
