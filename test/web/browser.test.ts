/**
 * The web page end to end, in a real browser (Debian's Chromium, headless, driven by playwright-core)
 * against the real local server and emulators: three people in three browser contexts do the issue's
 * scenario by hand. The steps run in order and build on each other. Screenshots of the main screens
 * land in test-artifacts/web/; with CAMVAULT_DOCS_SCREENSHOT=1 the file table is also saved as
 * docs/web-file-table.png.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { webPages } from '#infra/local/web-pages';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/http';
import {
  ACTION_TIMEOUT_MS,
  expectRow,
  focusedLabel,
  launchChromium,
  lowContrastTexts,
  openAs,
  openFolder,
  REPOSITORY_ROOT,
  rowOf,
  screenshot,
  tableText,
} from './support';

const PLATE = 'fixtures/Plate A.mcam';
const FIRST = Buffer.from('G0 X0 Y0\nG1 X10 F300\n(first cut)\n');
/** Big enough to be hashed in two chunks and uploaded with progress events. */
const SECOND = randomBytes(6 * 1024 * 1024 + 123);
/** Seconds between the page's refreshes: short, so that others' changes show quickly here. */
const POLL_SECONDS = 1;

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let prog1: Page;
let prog2: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startTestServer({}, { extraPages: webPages({ jwtSecret: TEST_JWT_SECRET, pollSeconds: POLL_SECONDS }) }),
    launchChromium(),
  ]);
  // Others' files, so that the table and its filters have something to tell apart.
  await server.as('prog3').commit('fixtures/Vise jaws.mcam', Buffer.from('vise'), 'soft jaws');
  await server.as('prog3').commit('housings/Pump housing.mcam', Buffer.from('pump'), 'first article');
  expect((await server.as('prog3').checkout('housings/Pump housing.mcam', 'roughing rework')).status).toBe(
    201,
  );
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.close();
});

const open = async (user: string, options: { admin?: boolean } = {}) => {
  const { context, page } = await openAs(browser, server.url, user, options);
  contexts.push(context);
  return page;
};

test('a programmer signs in with a dev token and sees the files', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByLabel('Sign in as').fill('prog1');
  await screenshot(page, '01-sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as prog1').waitFor();
  prog1 = page;
  const tree = prog1.getByRole('tree', { name: 'Folders' });
  await tree.getByRole('treeitem', { name: 'housings' }).waitFor();
  await expect(tree.getByRole('treeitem').allInnerTexts()).resolves.toEqual([
    expect.stringMatching(/^Vault\s+fixtures\s+1 file\s+housings\s+1 file$/),
    expect.stringMatching(/^fixtures\s+1 file$/),
    expect.stringMatching(/^housings\s+1 file$/),
  ]);
  await openFolder(prog1, 'housings/');
  await rowOf(prog1, 'housings/Pump housing.mcam').waitFor();
  await expectRow(prog1, 'housings/Pump housing.mcam', {
    status: 'Checked out',
    holder: 'prog3',
    message: 'roughing rework',
  });
});

test('adds a new file chosen with the file picker, in the folder that is open', async () => {
  await openFolder(prog1, 'fixtures/');
  await prog1.getByRole('button', { name: 'Add file' }).click();
  const dialog = prog1.getByRole('dialog', { name: 'Add a new file' });
  await dialog.getByLabel('File to add: choose a file').setInputFiles({
    name: 'Plate A.mcam',
    mimeType: 'application/octet-stream',
    buffer: FIRST,
  });
  await expect(dialog.getByLabel('Name in the vault').inputValue()).resolves.toBe(PLATE);
  await dialog.getByLabel('Check-in message').fill('first cut');
  await dialog.getByRole('button', { name: 'Add file' }).click();
  await dialog.getByText(`${PLATE} is added as version 1.`).waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await rowOf(prog1, PLATE).waitFor();
  await expectRow(prog1, PLATE, { version: '1', status: 'Available', holder: '' });
  expect(
    (await server.as('anyone').get(`/files/${encodeURIComponent('fixtures')}/Plate%20A.mcam`)).body,
  ).toMatchObject({
    version: 1,
    sizeBytes: FIRST.length,
    modifiedBy: 'prog1',
  });
});

test('a second programmer who tries to check it out after the first did is told who has it', async () => {
  prog2 = await open('prog2');
  await openFolder(prog2, 'fixtures/');
  await rowOf(prog2, PLATE).waitFor();
  // prog2 opens the checkout dialog while the file is still available…
  await prog2.getByRole('button', { name: `Check out ${PLATE}` }).click();
  const attempt = prog2.getByRole('dialog', { name: `Check out ${PLATE}` });
  await attempt.getByLabel('Checkout message').fill('me too');

  // …prog1 checks it out first…
  await prog1.getByRole('button', { name: `Check out ${PLATE}` }).click();
  const checkout = prog1.getByRole('dialog', { name: `Check out ${PLATE}` });
  await checkout.getByLabel('Checkout message').fill('fixing post');
  await checkout.getByRole('button', { name: 'Check out' }).click();
  await prog1.getByText(`You have checked out ${PLATE}.`).waitFor();
  await expectRow(prog1, PLATE, {
    status: 'Checked out by you',
    holder: 'prog1',
    message: 'fixing post',
  });

  // …so prog2's attempt is refused in plain words, from the contract's LOCKED body.
  await attempt.getByRole('button', { name: 'Check out' }).click();
  await expect(attempt.getByRole('alert').textContent()).resolves.toMatch(
    /^Locked by prog1 since \d\d:\d\d — 'fixing post'$/,
  );
  await screenshot(prog2, '03-locked-by-someone-else');
  await attempt.getByRole('button', { name: 'Cancel' }).click();
  await prog2.getByRole('cell', { name: 'fixing post' }).waitFor();
  await expectRow(prog2, PLATE, {
    status: 'Checked out',
    holder: 'prog1',
    message: 'fixing post',
  });
  await expect(prog2.getByRole('button', { name: `Check out ${PLATE}` }).count()).resolves.toBe(0);
});

test('"who has what" lists every lock with its holder and message', async () => {
  await prog2.getByRole('button', { name: 'Who has what' }).click();
  const dialog = prog2.getByRole('dialog', { name: 'Who has what' });
  await dialog.getByRole('cell', { name: 'fixing post' }).waitFor();
  const rows = await tableText(dialog);
  expect(rows.map(([holder, name, , message]) => [holder, name, message])).toEqual([
    ['prog1', PLATE, 'fixing post'],
    ['prog3', 'housings/Pump housing.mcam', 'roughing rework'],
  ]);
  await screenshot(prog2, '04-who-has-what');
  await dialog.getByRole('button', { name: 'Close' }).click();
});

test('checks in a new version dropped on the dialog: hashed in the browser, uploaded to 100 %', async () => {
  await prog1.getByRole('button', { name: `Check in ${PLATE}` }).click();
  const dialog = prog1.getByRole('dialog', { name: `Check in ${PLATE}` });
  // Drop the file as a desktop would: a drop event carrying a DataTransfer with a File in it.
  const dropped = await prog1.evaluateHandle((base64) => {
    const page = globalThis as any;
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const transfer = new page.DataTransfer();
    transfer.items.add(new page.File([bytes], 'Plate A.mcam'));
    return transfer;
  }, SECOND.toString('base64'));
  await dialog.locator('.drop-zone').dispatchEvent('drop', { dataTransfer: dropped });
  await dialog.getByText('Chosen: Plate A.mcam (6.0 MiB).').waitFor();
  await dialog.getByLabel('Check-in message').fill('post fixed, new lead-ins');
  await dialog.getByLabel('Keep it checked out after the check-in').check();
  // Record every value the upload's progress bar shows (its value attribute reflects the property).
  await dialog
    .locator('progress')
    .nth(1)
    .evaluate((bar: any) => {
      const page = globalThis as any;
      page.uploadProgress = [];
      new page.MutationObserver(() => page.uploadProgress.push(bar.value)).observe(bar, {
        attributeFilter: ['value'],
      });
    });
  // A slower link than loopback, as from a workshop, so that the bar has steps to show.
  const devtools = await prog1.context().newCDPSession(prog1);
  await devtools.send('Network.enable');
  await devtools.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 8 * 1024 * 1024,
  });
  await dialog.getByRole('button', { name: 'Check in' }).click();
  await dialog.getByText(`Version 2 of ${PLATE} is checked in; you still have it checked out.`).waitFor();

  const uploading = dialog.getByRole('progressbar', { name: 'Uploading' });
  await expect(uploading.evaluate((bar: any) => [bar.value, bar.max])).resolves.toEqual([100, 100]);
  await expect(dialog.locator('.progress').allInnerTexts()).resolves.toEqual([
    expect.stringMatching(/^Computing SHA-256\s+100 %$/),
    expect.stringMatching(/^Uploading\s+100 %$/),
  ]);
  await devtools.detach();
  const shown = (await prog1.evaluate('uploadProgress')) as number[];
  expect(shown.at(-1)).toBe(100);
  expect(shown).toEqual([...shown].sort((x, y) => x - y));
  expect(shown.filter((value) => value > 0 && value < 100).length).toBeGreaterThanOrEqual(2);
  await screenshot(prog1, '05-checked-in-progress-100');
  await dialog.getByRole('button', { name: 'Close' }).click();

  await prog1.getByRole('cell', { name: '6.0 MiB' }).waitFor();
  await expectRow(prog1, PLATE, {
    version: '2',
    status: 'Checked out by you',
    message: 'fixing post',
  });
  const stored = await server.as('prog1').downloadBytes(PLATE, 2);
  expect(stored.equals(SECOND)).toBe(true);
});

test('history shows version 2 on top, and each version downloads byte for byte', async () => {
  await prog1.getByRole('button', { name: `History ${PLATE}` }).click();
  const dialog = prog1.getByRole('dialog', { name: `History of ${PLATE}` });
  await dialog.getByRole('cell', { name: 'post fixed, new lead-ins' }).waitFor();
  const versions = (await tableText(dialog)).map((cells) => cells.slice(0, 5));
  expect(versions).toEqual([
    ['2', expect.any(String), 'prog1', '6.0 MiB', 'post fixed, new lead-ins'],
    ['1', expect.any(String), 'prog1', `${FIRST.length} B`, 'first cut'],
  ]);
  await screenshot(prog1, '06-history');

  for (const [version, bytes] of [
    [2, SECOND],
    [1, FIRST],
  ] as const) {
    const [download] = await Promise.all([
      prog1.waitForEvent('download'),
      dialog.getByRole('button', { name: `Download version ${version}` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('Plate A.mcam');
    const path = await download.path();
    expect(readFileSync(path).equals(bytes)).toBe(true);
  }
  await dialog.getByRole('button', { name: 'Close' }).click();
});

test('the name filter narrows the open folder; the breadcrumbs lead back up', async () => {
  const names = async () => prog1.locator('tbody tr th.name').allInnerTexts();
  /** The table as shown once the change has taken effect. */
  const expectNames = async (expected: string[]) => {
    let shown = await names();
    for (let i = 0; i < 50 && JSON.stringify(shown) !== JSON.stringify(expected); i++) {
      await prog1.waitForTimeout(100);
      shown = await names();
    }
    expect(shown).toEqual(expected);
  };
  await expectNames(['Plate A.mcam', 'Vise jaws.mcam']);
  await prog1.getByLabel('Name contains').fill('JAWS');
  await expectNames(['Vise jaws.mcam']);
  await prog1.getByLabel('Name contains').fill('');
  await expectNames(['Plate A.mcam', 'Vise jaws.mcam']);
  const crumbs = prog1.getByRole('navigation', { name: 'Breadcrumb' });
  await expect(crumbs.getByRole('listitem').allInnerTexts()).resolves.toEqual(['Vault', 'fixtures']);
  await crumbs.getByRole('button', { name: 'Vault' }).click();
  await prog1.getByRole('heading', { name: 'Files', exact: true }).waitFor();
  await prog1.getByText('No file directly in this folder: its sub-folders are in the tree.').waitFor();
  await expectNames([]);
  await openFolder(prog1, 'fixtures/');
  await expectNames(['Plate A.mcam', 'Vise jaws.mcam']);
  await screenshot(prog1, '02-file-table');
  // WCAG AA: every visible text on the table screen reads at 4.5:1 against its background.
  await expect(lowContrastTexts(prog1)).resolves.toEqual([]);
});

test('an admin breaks the lock only after confirming, and the others see it free within seconds', async () => {
  const lead = await open('lead', { admin: true });
  await lead.getByText('admin', { exact: true }).waitFor();
  await openFolder(lead, 'fixtures/');
  await lead.getByRole('button', { name: `Break lock ${PLATE}` }).click();
  const confirm = lead.getByRole('dialog', { name: `Break the lock on ${PLATE}?` });
  await confirm.getByText(/^Locked by prog1 since \d\d:\d\d — 'fixing post'\.$/).waitFor();
  await screenshot(lead, '07-break-lock-confirmation');
  // Declining keeps the lock.
  await confirm.getByRole('button', { name: 'Keep the lock' }).click();
  await expect(confirm.count()).resolves.toBe(0);
  expect((await server.as('lead').get('/locks')).body.locks.map((lock: any) => lock.name)).toContain(PLATE);

  await lead.getByRole('button', { name: `Break lock ${PLATE}` }).click();
  await confirm.getByRole('button', { name: 'Break the lock' }).click();
  await lead.getByText(`The lock prog1 held on ${PLATE} is broken.`).waitFor();
  expect((await server.as('lead').get(`/files/fixtures/Plate%20A.mcam`)).body).toMatchObject({
    status: 'available',
    lock: null,
  });
  // Nobody reloads: the other pages poll.
  for (const page of [prog1, prog2, lead]) {
    await page.getByRole('button', { name: `Check out ${PLATE}` }).waitFor({ timeout: 5000 });
    await expectRow(page, PLATE, { status: 'Available', holder: '', message: '' });
  }
  await screenshot(prog2, '08-after-break-lock');

  if (process.env.CAMVAULT_DOCS_SCREENSHOT === '1') {
    await prog2.getByRole('button', { name: `Check out ${PLATE}` }).click();
    const checkout = prog2.getByRole('dialog', { name: `Check out ${PLATE}` });
    await checkout.getByLabel('Checkout message').fill('new clamping for op 2');
    await checkout.getByRole('button', { name: 'Check out' }).click();
    await prog2.getByText(`You have checked out ${PLATE}.`).waitFor();
    await prog2.getByRole('cell', { name: 'new clamping for op 2' }).waitFor();
    await prog2.setViewportSize({ width: 1280, height: 300 });
    await prog2.screenshot({ path: join(REPOSITORY_ROOT, 'docs', 'web-file-table.png'), fullPage: true });
    await prog2.setViewportSize({ width: 1366, height: 800 });
  }
});

test('at tablet width the table scrolls inside its frame and every action stays reachable', async () => {
  await prog1.setViewportSize({ width: 768, height: 1024 });
  const frame = prog1.getByRole('region', { name: 'Files' });
  const widths = await frame.evaluate((element: any) => {
    const page = globalThis as any;
    return {
      page: page.document.documentElement.scrollWidth,
      window: page.innerWidth,
      frame: element.clientWidth,
      table: element.scrollWidth,
    };
  });
  // The page itself never scrolls sideways; the table inside its frame does.
  expect(widths.page).toBeLessThanOrEqual(widths.window);
  expect(widths.table).toBeGreaterThan(widths.frame);
  // Keyboard only: tab to the row's History button and open it with Enter.
  await prog1.getByRole('button', { name: `Download ${PLATE}` }).focus();
  await prog1.keyboard.press('Tab');
  await expect(focusedLabel(prog1)).resolves.toBe(`History ${PLATE}`);
  await prog1.keyboard.press('Enter');
  const dialog = prog1.getByRole('dialog', { name: `History of ${PLATE}` });
  await dialog.getByRole('cell', { name: 'first cut' }).waitFor();
  await screenshot(prog1, '09-tablet-history');
  await prog1.keyboard.press('Escape');
  await expect(dialog.count()).resolves.toBe(0);
  // Focus returns to the button that opened the dialog.
  await expect(focusedLabel(prog1)).resolves.toBe(`History ${PLATE}`);
});

test('signing out drops the token and brings the sign-in back', async () => {
  await prog2.getByRole('button', { name: 'Sign out' }).click();
  await prog2.getByRole('alert').filter({ hasText: 'You are signed out.' }).waitFor();
  await expect(prog2.getByLabel('Sign in as').inputValue()).resolves.toBe('prog2');
  await expect(prog2.locator('table').count()).resolves.toBe(0);
});
