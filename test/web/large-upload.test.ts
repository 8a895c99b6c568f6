/**
 * (v2) The page sends a large file in parts: over the multipart threshold the vault answers a
 * multipart upload, and the page hashes each part, asks for its URL and PUTs it, then checks in.
 * The threshold is lowered here so that a 36 MiB file goes in three parts of the vault's 16 MiB.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { webPages } from '#infra/local/web-pages';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/http';
import { launchChromium, openAs, openFolder, rowOf } from './support';

const MiB = 1024 ** 2;
const BIG = randomBytes(36 * MiB);
const NAME = 'fixtures/Big plate.mcam';
const directory = mkdtempSync(join(tmpdir(), 'camvault-large-upload-'));
const bigFile = join(directory, 'Big plate.mcam');

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** The part numbers the page asked URLs for, in order. */
const partsAsked: number[] = [];

beforeAll(async () => {
  writeFileSync(bigFile, BIG);
  [server, browser] = await Promise.all([
    startTestServer(
      { CAMVAULT_MULTIPART_THRESHOLD_BYTES: String(5 * MiB) },
      { extraPages: webPages({ jwtSecret: TEST_JWT_SECRET, pollSeconds: 3600 }) },
    ),
    launchChromium(),
  ]);
  await server.as('seeder').commit('fixtures/Small.mcam', Buffer.from('small'));
  ({ context, page } = await openAs(browser, server.url, 'prog1'));
  page.on('request', (request) => {
    if (request.method() === 'POST' && /\/uploads\/[^/]+\/parts$/.test(new URL(request.url()).pathname))
      for (const part of JSON.parse(request.postData() ?? '{}').parts ?? []) partsAsked.push(part.partNumber);
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  rmSync(directory, { recursive: true, force: true });
});

test('a file over the multipart threshold is sent in its parts and checked in whole', async () => {
  await openFolder(page, 'fixtures/');
  await page.getByRole('button', { name: 'Add file' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a new file' });
  // From a file on disk: a buffer this big crosses to the browser too slowly.
  await dialog.getByLabel('File to add: choose a file').setInputFiles(bigFile);
  await dialog.getByRole('button', { name: 'Add file' }).click();
  await dialog.getByText(`${NAME} is added as version 1.`).waitFor({ timeout: 60_000 });
  expect(partsAsked).toEqual([1, 2, 3]);
  const file = (await server.as('anyone').get('/files/fixtures/Big%20plate.mcam')).body;
  expect(file).toMatchObject({
    version: 1,
    sizeBytes: BIG.length,
    sha256: createHash('sha256').update(BIG).digest('hex'),
  });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await rowOf(page, NAME).waitFor();
}, 120_000);
