/**
 * (v2) The page's bell, feed, Watch / Unwatch and "Ask for it" in Chromium, against the local server
 * with its feed notifier reading DynamoDB Local's stream. The other users act through the API, as a
 * colleague's CLI would. The steps build on each other.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { webPages } from '#infra/local/web-pages';
import { encodeName, startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/http';
import {
  expectRow,
  focusedLabel,
  launchChromium,
  lowContrastTexts,
  openAs,
  openFolder,
  screenshot,
} from './support';

const PLATE = 'fixtures/Plate A.mcam';
const PUMP = 'housings/Pump.mcam';
/** The checkout message of the feed's one-click checkout. */
const FEED_CHECKOUT_MESSAGE = 'checked out when it became free';
/** How long a notification may take: the notifier polls the stream every 50 ms, the bell every second. */
const FEED_WAIT_MS = 20_000;

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let bob: Page;

beforeAll(async () => {
  const checkpointFile = join(await mkdtemp(join(tmpdir(), 'camvault-web-feeds-')), 'checkpoint.json');
  [server, browser] = await Promise.all([
    startTestServer(
      {},
      {
        extraPages: webPages({ jwtSecret: TEST_JWT_SECRET, pollSeconds: 1, notificationsPollSeconds: 1 }),
        feeds: { checkpointFile, pollMs: 50 },
      },
    ),
    launchChromium(),
  ]);
  expect((await server.as('alice').commit(PLATE, Buffer.from('plate v1'), 'first cut')).status).toBe(200);
  expect((await server.as('alice').commit(PUMP, Buffer.from('pump v1'), 'first article')).status).toBe(200);
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.close();
});

const open = async (user: string) => {
  const { context, page } = await openAs(browser, server.url, user);
  contexts.push(context);
  return page;
};

const bell = (page: Page, unread: number | 'none') =>
  page.getByRole('button', { name: `Notifications, ${unread} unread`, exact: true });
const feedOf = (page: Page) => page.getByRole('dialog', { name: 'Notifications' });
/** Each notification's line in the open feed, newest first. */
const feedLines = (page: Page) => feedOf(page).locator('.feed-text').allInnerTexts();
const watchesOf = async (user: string) =>
  (await server.as(user).get('/watches')).body.watches.map((watch: { prefix: string }) => watch.prefix);

test('a watcher’s bell counts another’s changes in the watched folder only; the feed shows them; Mark all read clears it', async () => {
  bob = await open('bob');
  await bell(bob, 'none').waitFor();
  await openFolder(bob, 'fixtures/');
  await bob.getByRole('button', { name: 'Watch fixtures/', exact: true }).click();
  await bob.getByRole('button', { name: 'Unwatch fixtures/' }).waitFor();
  await bob.getByText('You watch fixtures/: every change there reaches your notifications.').waitFor();
  await expect(watchesOf('bob')).resolves.toEqual(['fixtures/']);

  const alice = server.as('alice');
  // Outside the watched folder first: had they reached bob, the feed would list four.
  expect((await alice.checkout(PUMP, 'bigger bore')).status).toBe(201);
  expect((await alice.commit(PUMP, Buffer.from('pump v2'), 'bigger bore')).status).toBe(200);
  expect((await alice.checkout(PLATE, 'deeper pocket')).status).toBe(201);
  expect((await alice.commit(PLATE, Buffer.from('plate v2'), 'pocket 2 mm deeper')).status).toBe(200);
  await bell(bob, 2).waitFor({ timeout: FEED_WAIT_MS });
  await expect(bell(bob, 2).textContent()).resolves.toBe('2');

  // By keyboard: Enter opens the feed, newest (and unread) first, each with who did what and why it came.
  await bell(bob, 2).focus();
  await bob.keyboard.press('Enter');
  const feed = feedOf(bob);
  await feed.getByText('2 unread, shown first.').waitFor();
  await expect(feedLines(bob)).resolves.toEqual([
    `New alice checked in ${PLATE} v2 — 'pocket 2 mm deeper'`,
    `New alice checked out ${PLATE} — 'deeper pocket'`,
  ]);
  await expect(feed.locator('.feed li .by').allInnerTexts()).resolves.toEqual([
    expect.stringMatching(/^\d\d:\d\d · you watch it$/),
    expect.stringMatching(/^\d\d:\d\d · you watch it$/),
  ]);
  await expect(lowContrastTexts(bob)).resolves.toEqual([]);
  await screenshot(bob, '30-notifications-feed');

  await feed.getByRole('button', { name: 'Mark all read' }).click();
  await feed.getByText('Nothing unread.').waitFor();
  await bell(bob, 'none').waitFor();
  await expect(feedLines(bob)).resolves.toEqual([
    `alice checked in ${PLATE} v2 — 'pocket 2 mm deeper'`,
    `alice checked out ${PLATE} — 'deeper pocket'`,
  ]);
  expect((await server.as('bob').get('/notifications')).body.unread).toBe(0);
  await bob.keyboard.press('Escape');
  await expect(feed.count()).resolves.toBe(0);
  await expect(focusedLabel(bob)).resolves.toBe('Notifications, none unread');
});

test('Watch / Unwatch follows GET /watches, whoever made the watch', async () => {
  // A watch made elsewhere (the CLI) shows on the page.
  expect((await server.as('bob').request('POST', '/watches', { json: { prefix: 'housings/' } })).status).toBe(
    201,
  );
  await openFolder(bob, 'housings/');
  await bob.getByRole('button', { name: 'Unwatch housings/' }).click();
  await bob.getByRole('button', { name: 'Watch housings/', exact: true }).waitFor();
  await bob.getByText('You no longer watch housings/.').waitFor();
  await expect(watchesOf('bob')).resolves.toEqual(['fixtures/']);

  await openFolder(bob, 'fixtures/');
  const unwatch = bob.getByRole('button', { name: 'Unwatch fixtures/' });
  await unwatch.focus();
  await bob.keyboard.press('Enter');
  await bob.getByRole('button', { name: 'Watch fixtures/', exact: true }).waitFor();
  await expect(watchesOf('bob')).resolves.toEqual([]);
  // The top of the vault is a folder too.
  await bob.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('button', { name: 'Vault' }).click();
  await bob.getByRole('button', { name: 'Watch the whole vault', exact: true }).waitFor();
});

test('ask for it: a refusal shows in the dialog, a request reaches the holder’s bell, and the asker’s one-click checkout takes the freed file', async () => {
  const alicePage = await open('alice');
  const alice = server.as('alice');
  expect((await alice.checkout(PLATE, 'fixing post')).status).toBe(201);
  await openFolder(bob, 'fixtures/');
  await bob.getByRole('button', { name: `Ask for it ${PLATE}` }).click();
  const ask = bob.getByRole('dialog', { name: `Ask alice for ${PLATE}` });
  await ask.getByText(/^Locked by alice since \d\d:\d\d — 'fixing post'\. alice is told at once/).waitFor();
  await ask.getByLabel('Message to alice').fill('need it for op 20');
  // alice frees it before bob sends: the server refuses, in the dialog.
  expect((await alice.release(PLATE)).status).toBe(200);
  await ask.getByRole('button', { name: 'Ask for it' }).click();
  await expect(ask.getByRole('alert').textContent()).resolves.toBe(
    `${PLATE.charAt(0).toUpperCase()}${PLATE.slice(1)} is not checked out: you can check it out yourself.`,
  );
  await ask.getByRole('button', { name: 'Cancel' }).click();

  expect((await alice.checkout(PLATE, 'fixing post')).status).toBe(201);
  await bob.getByRole('button', { name: `Ask for it ${PLATE}` }).click();
  await ask.getByLabel('Message to alice').fill('need it for op 20');
  await ask.getByRole('button', { name: 'Ask for it' }).click();
  await bob.getByText(`You asked alice for ${PLATE}; your notifications tell you when it is free.`).waitFor();
  const carol = server.as('carol');
  expect(
    (await carol.request('POST', `/requests/${encodeName(PLATE)}`, { json: { message: 'me too' } })).status,
  ).toBe(201);

  // The holder's page: both requests, at once.
  await bell(alicePage, 2).waitFor({ timeout: FEED_WAIT_MS });
  await bell(alicePage, 2).click();
  await feedOf(alicePage).getByText('2 unread, shown first.').waitFor();
  await expect(feedLines(alicePage)).resolves.toEqual([
    `New carol asks alice for ${PLATE} — 'me too'`,
    `New bob asks alice for ${PLATE} — 'need it for op 20'`,
  ]);
  await expect(feedOf(alicePage).locator('.feed li .by').first().textContent()).resolves.toMatch(
    /asks you for a file$/,
  );

  // alice checks in; carol is quicker than bob.
  expect((await alice.commit(PLATE, Buffer.from('plate v3'), 'post fixed')).status).toBe(200);
  expect((await carol.checkout(PLATE, 'quicker')).status).toBe(201);
  await bell(bob, 1).waitFor({ timeout: FEED_WAIT_MS });
  await bell(bob, 1).click();
  const feed = feedOf(bob);
  await feed.getByText('1 unread, shown first.').waitFor();
  await expect(feedLines(bob).then((lines) => lines[0])).resolves.toBe(
    `New alice checked in ${PLATE} v3 — 'post fixed'`,
  );
  const checkout = feed.getByRole('button', { name: `Check out ${PLATE}` });
  await expect(checkout.count()).resolves.toBe(1);
  await checkout.click();
  await feed.getByText(/^Locked by carol since \d\d:\d\d — 'quicker'$/).waitFor();

  // Once carol lets it go, the same button takes it.
  expect((await carol.release(PLATE)).status).toBe(200);
  await checkout.click();
  await feed.getByText(`You have checked out ${PLATE}.`).waitFor();
  await expect(checkout.count()).resolves.toBe(0);
  expect((await server.as('bob').get(`/files/${encodeName(PLATE)}`)).body.lock).toMatchObject({
    user: 'bob',
    message: FEED_CHECKOUT_MESSAGE,
  });
  await feed.getByRole('button', { name: 'Close' }).click();
  await expectRow(bob, PLATE, { status: 'Checked out by you', message: FEED_CHECKOUT_MESSAGE });
});
