/**
 * The folder view in Chromium, against the local server: the tree and breadcrumbs, a folder of 5,000
 * files shown a page at a time, move, delete and restore, revert, a lead's release and withdrawal, and
 * an operator's view of released versions. The steps build on each other. The README's pictures of
 * the folder view come from docs-screenshots.ts.
 */
import { readFileSync } from 'node:fs';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { emulatorClients } from '#infra/local/local-vault';
import { webPages } from '#infra/local/web-pages';
import { keys } from '#shared/aws/dynamodb/items';
import { fileRecord, seedFiles } from '../../bench/lib/environment';
import { testEndpoints } from '../support/emulators';
import { encodeName, startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/http';
import { launchChromium, openAs, openFolder, rowOf, screenshot, tableText } from './support';

const BIG_FOLDER_FILES = 5000;
const OP10 = 'cells/Cell 1/Op10.mcam';
const OP20 = 'cells/Cell 1/Op20.mcam';
const FIXTURE = 'cells/Fixture.mcam';
/** Sorts after the big folder's 5,000 files: the only one of them released. */
const README = 'big/readme.mcam';
const MOVED = 'cells/Cell 1/Fixture B.mcam';
const V1 = Buffer.from('G0 X0 Y0 (op10 first)\n');
const V2 = Buffer.from('G0 X0 Y0 (op10 second, approved)\n');

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let prog1: Page;
/** Every API request prog1's page made, in order. */
const requests: URL[] = [];

const bigName = (index: number) => `big/part-${String(index).padStart(4, '0')}.mcam`;

/** The big folder's files straight into the table (no blobs: listing only), and its count to match. */
const seedBigFolder = async () => {
  const { dynamodb } = emulatorClients(testEndpoints());
  await server.as('seeder').commit(README, Buffer.from('readme'));
  const release = await server
    .inGroups('lead9', ['leads'])
    .request('POST', `/release/${encodeName(README)}`, {
      json: { version: 1, message: 'for the floor' },
    });
  expect(release.status).toBe(200);
  const records = Array.from({ length: BIG_FOLDER_FILES }, (_, index) => fileRecord(bigName(index), null));
  expect(await seedFiles(dynamodb, server.table, records)).toBe(BIG_FOLDER_FILES);
  await dynamodb.send(
    new UpdateCommand({
      TableName: server.table,
      Key: keys.folder('big/'),
      UpdateExpression: 'ADD files :seeded',
      ExpressionAttributeValues: { ':seeded': BIG_FOLDER_FILES },
    }),
  );
};

beforeAll(async () => {
  // No polling here: every change below is the page's own, and each request can be counted.
  [server, browser] = await Promise.all([
    startTestServer({}, { extraPages: webPages({ jwtSecret: TEST_JWT_SECRET, pollSeconds: 3600 }) }),
    launchChromium(),
  ]);
  const prog3 = server.as('prog3');
  await prog3.commit(OP10, V1, 'first');
  expect((await prog3.checkout(OP10)).status).toBe(201);
  await prog3.commit(OP10, V2, 'second');
  await prog3.commit(OP20, Buffer.from('op20'), 'op20');
  await prog3.commit(FIXTURE, Buffer.from('fixture'), 'fixture');
  await seedBigFolder();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.close();
});

const open = async (user: string, options: { groups?: string } = {}) => {
  const { context, page } = await openAs(browser, server.url, user, options);
  contexts.push(context);
  return page;
};

const names = (page: Page) => page.locator('table.files tbody th.name').allInnerTexts();
const treeItem = (page: Page, name: string) =>
  page.getByRole('tree', { name: 'Folders' }).getByRole('treeitem', { name, exact: true });
const apiRequests = (path: string) => requests.filter((url) => url.pathname === path);
/** What a screen reader says for the focused element: its name (from aria-labelledby) and description. */
const focusedItem = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const doc = (globalThis as any).document;
    const item = doc.activeElement;
    const text = (ids: string | null) =>
      (ids ?? '')
        .split(' ')
        .map((id: string) => doc.getElementById(id)?.textContent ?? '')
        .join(' ');
    return `${text(item.getAttribute('aria-labelledby'))}: ${text(item.getAttribute('aria-describedby'))}`;
  });
/** The tree items a Tab key reaches: the roving tabindex keeps exactly one. */
const tabbableTreeItems = (page: Page) =>
  page.getByRole('tree', { name: 'Folders' }).locator('[role="treeitem"][tabindex="0"]').count();

test('the tree opens a level only when asked, by mouse or keyboard; breadcrumbs lead back up', async () => {
  prog1 = await open('prog1');
  prog1.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.origin === server.url) requests.push(url);
  });
  await treeItem(prog1, 'big').focus();
  await expect(focusedItem(prog1)).resolves.toBe('big: 5001 files');
  await expect(treeItem(prog1, 'cells').getAttribute('aria-expanded')).resolves.toBe('false');
  // Nothing under cells/ was fetched before it is expanded.
  expect(apiRequests('/folders').map((url) => url.searchParams.get('prefix'))).toEqual([]);

  await treeItem(prog1, 'cells').focus();
  await prog1.keyboard.press('ArrowRight');
  await treeItem(prog1, 'Cell 1').waitFor();
  await expect(treeItem(prog1, 'cells').getAttribute('aria-expanded')).resolves.toBe('true');
  expect(apiRequests('/folders').map((url) => url.searchParams.get('prefix'))).toEqual(['cells/']);
  await prog1.keyboard.press('ArrowRight');
  await expect(focusedItem(prog1)).resolves.toBe('Cell 1: 2 files');
  await prog1.keyboard.press('ArrowUp');
  // A folder counts the files in its sub-folders too.
  await expect(focusedItem(prog1)).resolves.toBe('cells: 3 files');
  await prog1.keyboard.press('Home');
  await expect(focusedItem(prog1)).resolves.toBe('Vault: ');
  await prog1.keyboard.press('End');
  await expect(focusedItem(prog1)).resolves.toBe('Cell 1: 2 files');
  await expect(tabbableTreeItems(prog1)).resolves.toBe(1);
  await prog1.keyboard.press('Enter');
  await prog1.getByRole('heading', { name: 'Files in cells/Cell 1/' }).waitFor();
  await expect(treeItem(prog1, 'Cell 1').getAttribute('aria-selected')).resolves.toBe('true');
  await expect(treeItem(prog1, 'cells').getAttribute('aria-selected')).resolves.toBe('false');
  // Opened, a folder without sub-folders is a leaf: nothing to expand is announced.
  await expect(treeItem(prog1, 'Cell 1').getAttribute('aria-expanded')).resolves.toBeNull();
  // ArrowLeft on a leaf goes up to its parent.
  await prog1.keyboard.press('ArrowLeft');
  await expect(focusedItem(prog1)).resolves.toBe('cells: 3 files');
  await expect(tabbableTreeItems(prog1)).resolves.toBe(1);
  await expect(names(prog1)).resolves.toEqual(['Op10.mcam', 'Op20.mcam']);
  const filesCall = apiRequests('/files').at(-1);
  expect([filesCall?.searchParams.get('prefix'), filesCall?.searchParams.get('depth')]).toEqual([
    'cells/Cell 1/',
    '1',
  ]);

  const crumbs = prog1.getByRole('navigation', { name: 'Breadcrumb' });
  await expect(crumbs.getByRole('listitem').allInnerTexts()).resolves.toEqual(['Vault', 'cells', 'Cell 1']);
  await expect(crumbs.locator('[aria-current="page"]').textContent()).resolves.toBe('Cell 1');
  await crumbs.getByRole('button', { name: 'cells' }).click();
  await prog1.getByRole('heading', { name: 'Files in cells/' }).waitFor();
  await rowOf(prog1, FIXTURE).waitFor();
  await expect(names(prog1)).resolves.toEqual(['Fixture.mcam']);
  // ArrowLeft on an expanded folder collapses it.
  await treeItem(prog1, 'cells').focus();
  await prog1.keyboard.press('ArrowLeft');
  await expect(treeItem(prog1, 'cells').getAttribute('aria-expanded')).resolves.toBe('false');
  await expect(treeItem(prog1, 'Cell 1').isVisible()).resolves.toBe(false);
});

test('a folder of 5,000 files shows its first 100 with one request; "Show more files" fetches the next 100', async () => {
  requests.length = 0;
  const started = Date.now();
  await openFolder(prog1, 'big/');
  await rowOf(prog1, bigName(99)).waitFor();
  // Quickly, and without waiting for the other 4,900 (a generous bound for a busy machine).
  expect(Date.now() - started).toBeLessThan(5000);
  await expect(prog1.locator('table.files tbody tr').count()).resolves.toBe(100);
  const first = apiRequests('/files');
  expect(first.map((url) => [url.searchParams.get('prefix'), url.searchParams.get('cursor')])).toEqual([
    ['big/', null],
  ]);

  await prog1.getByRole('button', { name: 'Show more files' }).click();
  await rowOf(prog1, bigName(199)).waitFor();
  await expect(prog1.locator('table.files tbody tr').count()).resolves.toBe(200);
  const both = apiRequests('/files');
  expect(both).toHaveLength(2);
  expect(both[1]?.searchParams.get('cursor')).toBeTruthy();
  const shown = await names(prog1);
  expect(shown.slice(98, 102)).toEqual([
    'part-0098.mcam',
    'part-0099.mcam',
    'part-0100.mcam',
    'part-0101.mcam',
  ]);

  // By keyboard: Enter on the button shows the third page, and focus stays on the button.
  const more = prog1.getByRole('button', { name: 'Show more files' });
  await more.focus();
  await prog1.keyboard.press('Enter');
  await rowOf(prog1, bigName(299)).waitFor();
  await expect(prog1.locator('table.files tbody tr').count()).resolves.toBe(300);
  await prog1.getByRole('status').filter({ hasText: '300 files shown; more follow.' }).waitFor();
  await expect(
    more.evaluate((button) => button === (globalThis as any).document.activeElement),
  ).resolves.toBe(true);
  await expect(more.isVisible()).resolves.toBe(true);
});

test('move: the server’s refusal shows in the dialog; a free name moves the file with its lock', async () => {
  await openFolder(prog1, 'cells/');
  await prog1.getByRole('button', { name: `Check out ${FIXTURE}` }).click();
  await prog1
    .getByRole('dialog', { name: `Check out ${FIXTURE}` })
    .getByRole('button', { name: 'Check out' })
    .click();
  await prog1.getByRole('button', { name: `Move ${FIXTURE}` }).click();
  const dialog = prog1.getByRole('dialog', { name: `Move or rename ${FIXTURE}` });
  await dialog.getByLabel('New name').fill(OP10);
  await dialog.getByRole('button', { name: 'Move' }).click();
  await expect(dialog.getByRole('alert').textContent()).resolves.toMatch(/already exists/);

  await dialog.getByLabel('New name').fill(MOVED);
  await dialog.getByLabel('Why it moves').fill('belongs to cell 1');
  await dialog.getByRole('button', { name: 'Move' }).click();
  await prog1.getByText(`${FIXTURE} is now ${MOVED}; its history and your lock went with it.`).waitFor();
  await rowOf(prog1, FIXTURE).waitFor({ state: 'detached' });
  const moved = await server.as('prog1').get(`/files/${encodeName(MOVED)}`);
  expect(moved.body).toMatchObject({ name: MOVED, status: 'checked_out', lock: { user: 'prog1' } });
  await treeItem(prog1, 'cells').click();
  await expect(treeItem(prog1, 'Cell 1').textContent()).resolves.toMatch(/3 files$/);
  await openFolder(prog1, 'cells/Cell 1/');
  // The heading shows before the folder's files arrive.
  await rowOf(prog1, MOVED).waitFor();
  await expect(names(prog1)).resolves.toEqual(['Fixture B.mcam', 'Op10.mcam', 'Op20.mcam']);
});

test('delete sends the file to the trash; restore brings it back with its versions', async () => {
  await prog1.getByRole('button', { name: `Delete ${MOVED}` }).click();
  const confirm = prog1.getByRole('dialog', { name: `Delete ${MOVED}?` });
  await confirm.getByLabel('Why it is deleted').fill('scrapped');
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await prog1.getByText(`${MOVED} is in the trash.`).waitFor();
  await rowOf(prog1, MOVED).waitFor({ state: 'detached' });
  expect((await server.as('prog1').get(`/files/${encodeName(MOVED)}`)).status).toBe(404);

  await prog1.getByRole('button', { name: 'Trash' }).click();
  const trash = prog1.getByRole('dialog', { name: 'Trash' });
  await trash.getByRole('cell', { name: 'scrapped' }).waitFor();
  expect((await tableText(trash)).map(([name, version, , message]) => [name, version, message])).toEqual([
    [MOVED, '1', 'scrapped'],
  ]);
  await trash.getByRole('button', { name: `Restore ${MOVED}` }).click();
  await trash.getByText(`${MOVED} is restored.`).waitFor();
  await trash.getByRole('button', { name: 'Close' }).click();
  await rowOf(prog1, MOVED).waitFor();
  expect((await server.as('prog1').get(`/files/${encodeName(MOVED)}`)).body).toMatchObject({
    version: 1,
    status: 'available',
  });
});

test('revert: an earlier version from the history becomes the next version', async () => {
  await prog1.getByRole('button', { name: `Check out ${OP10}` }).click();
  await prog1
    .getByRole('dialog', { name: `Check out ${OP10}` })
    .getByRole('button', { name: 'Check out' })
    .click();
  await prog1.getByRole('button', { name: `Check in ${OP10}` }).waitFor();
  await prog1.getByRole('button', { name: `History ${OP10}` }).click();
  const history = prog1.getByRole('dialog', { name: `History of ${OP10}` });
  await history.getByRole('button', { name: 'Revert to version 1' }).waitFor();
  // Nothing to revert to from the newest version, and no release for a programmer.
  await expect(history.getByRole('button', { name: 'Revert to version 2' }).count()).resolves.toBe(0);
  await expect(history.getByRole('button', { name: /^Release/ }).count()).resolves.toBe(0);
  await history.getByRole('button', { name: 'Revert to version 1' }).click();
  const confirm = prog1.getByRole('dialog', { name: `Revert ${OP10} to version 1?` });
  await expect(confirm.getByLabel('Check-in message').inputValue()).resolves.toBe('revert to version 1');
  await confirm.getByRole('button', { name: 'Revert' }).click();
  // Exact: the cell of version 1's actions is named after its "Revert to version 1" button too.
  await history.getByRole('cell', { name: 'revert to version 1', exact: true }).waitFor();
  expect((await tableText(history)).map(([version, , user, , message]) => [version, user, message])).toEqual([
    ['3', 'prog1', 'revert to version 1'],
    ['2', 'prog3', 'second'],
    ['1', 'prog3', 'first'],
  ]);
  await history.getByRole('button', { name: 'Close' }).click();
  expect((await server.as('prog1').downloadBytes(OP10, 3)).equals(V1)).toBe(true);
  await expect(rowOf(prog1, OP10).locator('td').first().textContent()).resolves.toBe('3');
});

test('a lead releases a version and withdraws it; the row wears the released badge meanwhile', async () => {
  const lead = await open('lead1', { groups: 'leads' });
  await lead.getByText('lead', { exact: true }).waitFor();
  await openFolder(lead, 'cells/Cell 1/');
  const released = rowOf(lead, OP10).locator('td').nth(1);
  await expect(released.textContent()).resolves.toBe('');

  await lead.getByRole('button', { name: `History ${OP10}` }).click();
  const history = lead.getByRole('dialog', { name: `History of ${OP10}` });
  await history.getByRole('button', { name: 'Release version 2' }).click();
  const release = lead.getByRole('dialog', { name: `Release version 2 of ${OP10}` });
  await release.getByLabel('Why it is approved').fill('proven on machine 3');
  await release.getByRole('button', { name: 'Release' }).click();
  await history.getByRole('button', { name: 'Withdraw version 2' }).waitFor();
  await expect(tableText(history).then((rows) => rows.map(([version]) => version))).resolves.toEqual([
    '3',
    '2released',
    '1',
  ]);
  await history.getByRole('button', { name: 'Close' }).click();
  await lead.getByText(`Version 2 of ${OP10} is released.`).waitFor();
  await expect(released.textContent()).resolves.toBe('released v2');

  await lead.getByRole('button', { name: `History ${OP10}` }).click();
  await history.getByRole('button', { name: 'Withdraw version 2' }).click();
  const withdraw = lead.getByRole('dialog', { name: `Withdraw the release of ${OP10}?` });
  await withdraw.getByLabel('Why it is withdrawn').fill('wrong feed');
  await withdraw.getByRole('button', { name: 'Withdraw the release' }).click();
  await history.getByRole('button', { name: 'Release version 2' }).waitFor();
  await history.getByRole('button', { name: 'Close' }).click();
  await expect(released.textContent()).resolves.toBe('');
  expect((await server.as('lead1').get(`/files/${encodeName(OP10)}`)).body.released).toBeNull();

  // Released again for the floor: version 2, while the newest is version 3.
  await lead.getByRole('button', { name: `History ${OP10}` }).click();
  await history.getByRole('button', { name: 'Release version 2' }).click();
  await release.getByLabel('Why it is approved').fill('proven again');
  await release.getByRole('button', { name: 'Release' }).click();
  await history.getByRole('button', { name: 'Withdraw version 2' }).waitFor();
  await screenshot(lead, '21-lead-history-released');
});

test('an operator sees only released files and downloads the released version’s bytes', async () => {
  const floor = await open('floor1', { groups: 'operators' });
  await floor.getByText('operator', { exact: true }).waitFor();
  await expect(floor.getByRole('button', { name: 'Add file' }).count()).resolves.toBe(0);
  await expect(floor.getByRole('button', { name: 'Trash' }).count()).resolves.toBe(0);
  // In a folder of 5,001 files the one released file shows at once, after 5,000 that are not.
  // Its own list: the other pages still open may refresh meanwhile (when they are shown again).
  const listed: URL[] = [];
  floor.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.pathname === '/files') listed.push(url);
  });
  await openFolder(floor, 'big/');
  await rowOf(floor, README).waitFor();
  await expect(names(floor)).resolves.toEqual(['readme.mcam']);
  await expect(floor.getByRole('button', { name: 'Show more files' }).isVisible()).resolves.toBe(false);
  // After an empty first page of 100 the page asks for the most a page may hold (1,000) until it finds one.
  expect(listed.map((url) => [url.searchParams.get('prefix'), url.searchParams.get('limit')])).toEqual([
    ['big/', '100'],
    ...Array.from({ length: 5 }, () => ['big/', '1000']),
  ]);

  await openFolder(floor, 'cells/Cell 1/');
  await rowOf(floor, OP10).waitFor();
  await expect(names(floor)).resolves.toEqual(['Op10.mcam']);
  await expect(tableText(floor.getByRole('region', { name: 'Files in cells/Cell 1/' }))).resolves.toEqual([
    ['Op10.mcam', '2', expect.stringContaining('by lead1'), 'proven again', 'Download v2'],
  ]);
  // Nothing but the download: no checkout, check-in, move, delete, history or release.
  await expect(
    floor
      .getByRole('region', { name: 'Files in cells/Cell 1/' })
      .getByRole('button')
      .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('aria-label'))),
  ).resolves.toEqual([`Download ${OP10}, released version 2`]);
  await expect(floor.getByRole('button', { name: /^Check out/ }).count()).resolves.toBe(0);
  const [download] = await Promise.all([
    floor.waitForEvent('download'),
    floor.getByRole('button', { name: `Download ${OP10}, released version 2` }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('Op10.mcam');
  expect(readFileSync(await download.path()).equals(V2)).toBe(true);
  await screenshot(floor, '22-operator-view');
});
