/**
 * The README's pictures of the page's folder view, rendered by Debian's Chromium against a local
 * vault seeded with a small shop's folders (emulators in memory, nothing kept):
 *
 *   node --import tsx test/web/docs-screenshots.ts      # writes docs/web-*.png
 *
 * Not a test: it asserts nothing beyond finding what it clicks. The folder view's behaviour is
 * tested in folder-view.test.ts.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.CAMVAULT_LOG_LEVEL ??= 'ERROR';

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { BenchClient, encodeName } from '../../bench/lib/http-client';
import { launchChromium, openAs, openFolder } from './support';

const SECRET = 'camvault-screenshots';
const DOCS = join(__dirname, '..', '..', 'docs');
const BRACKET = 'jobs/4711 Bracket/';

/** name → the messages of its versions (one check-in each). */
const FILES: Record<string, string[]> = {
  'fixtures/Plate A.mcam': ['first cut'],
  'fixtures/Vise jaws 125.mcam': ['soft jaws for the housing'],
  [`${BRACKET}Op10 roughing.mcam`]: ['first toolpaths', 'adaptive roughing', 'less stock on the walls'],
  [`${BRACKET}Op20 finishing.mcam`]: ['finishing pass', 'ball mill on the fillets'],
  [`${BRACKET}Op30 drilling.mcam`]: ['spot, drill, tap M8'],
  [`${BRACKET}Setup sheet.mcam`]: ['setup for the DMU 50'],
  'jobs/4712 Housing/Op10.mcam': ['first toolpaths'],
  'jobs/4712 Housing/Op20.mcam': ['first toolpaths'],
  'jobs/4713 Cover/Op10.mcam': ['first toolpaths'],
  'machines/DMU 50/Probe cycles.mcam': ['renishaw cycles'],
};

const G_CODE = (name: string, version: number) =>
  Buffer.from(`%\nO1000 (${name} v${version})\nG90 G54 G0 X0 Y0\n`.repeat(40 * version));

const seed = async (as: (user: string, groups?: string[]) => BenchClient) => {
  const ana = as('ana');
  for (const [name, messages] of Object.entries(FILES)) {
    for (const [index, message] of messages.entries()) {
      if (index > 0 && (await ana.checkout(name, message)).status !== 201)
        throw new Error(`checkout ${name}`);
      const committed = await ana.commit(name, G_CODE(name, index + 1), message);
      if (committed.status !== 200) throw new Error(`check-in ${name}: ${committed.status}`);
    }
  }
  const lena = as('lena', ['leads']);
  for (const [name, version, message] of [
    [`${BRACKET}Op10 roughing.mcam`, 2, 'proven on the DMU 50'],
    [`${BRACKET}Op30 drilling.mcam`, 1, 'first article passed'],
    [`${BRACKET}Setup sheet.mcam`, 1, 'approved'],
  ] as const) {
    const released = await lena.request('POST', `/release/${encodeName(name)}`, { version, message });
    if (released.status !== 200) throw new Error(`release ${name}: ${released.status}`);
  }
  const bob = as('bob');
  if ((await bob.checkout(`${BRACKET}Op20 finishing.mcam`, 'chamfer on the top edge')).status !== 201)
    throw new Error('bob checkout');
  if ((await as('carl').checkout('jobs/4712 Housing/Op20.mcam', 'new fixture')).status !== 201)
    throw new Error('carl checkout');
  // The lead's own checkout: her row offers what a holder may do, its history a revert.
  if ((await lena.checkout(`${BRACKET}Op10 roughing.mcam`, 'rest machining in the pockets')).status !== 201)
    throw new Error('lena checkout');
};

/** A laptop-wide window, so that the whole table shows without scrolling sideways. */
const VIEWPORT = { width: 1600, height: 580 };

const main = async () => {
  const { serveVault, startEmulators } = await import('#infra/local/local-vault');
  const { devToken } = await import('#infra/local/jwt');
  const { webPages } = await import('#infra/local/web-pages');
  const work = await mkdtemp(join(tmpdir(), 'camvault-screenshots-'));
  const emulators = await startEmulators({ dataDir: null, s3Directory: join(work, 's3') });
  let browser: Browser | null = null;
  let close = async (): Promise<void> => undefined;
  try {
    const served = await serveVault({
      endpoints: emulators.endpoints,
      table: 'camvault-screenshots',
      bucket: 'camvault-screenshots',
      jwtSecret: SECRET,
      // No refresh while the pictures are taken.
      extraPages: webPages({ jwtSecret: SECRET, pollSeconds: 3600 }),
    });
    close = served.close;
    const as = (user: string, groups: string[] = []) =>
      new BenchClient(served.url, devToken(user, { admin: false, groups, secret: SECRET, ttlSeconds: 3600 }));
    await seed(as);
    browser = await launchChromium();

    // A lead in a job's folder: the tree, the breadcrumbs, released badges, who has what.
    const { page: lead } = await openAs(browser, served.url, 'lena', { groups: 'leads', viewport: VIEWPORT });
    await openFolder(lead, BRACKET);
    await lead.getByRole('tree', { name: 'Folders' }).getByRole('treeitem', { name: '4711 Bracket' }).focus();
    await lead.screenshot({ path: join(DOCS, 'web-folder-view.png') });

    // The history of a file, with revert and release for each version.
    await lead.getByRole('button', { name: `History ${BRACKET}Op10 roughing.mcam` }).click();
    const history = lead.getByRole('dialog', { name: `History of ${BRACKET}Op10 roughing.mcam` });
    await history.getByRole('button', { name: 'Withdraw version 2' }).waitFor();
    await lead.screenshot({ path: join(DOCS, 'web-history.png') });

    // An operator sees only released versions, each with one download button.
    const { page: operator } = await openAs(browser, served.url, 'otto', {
      groups: 'operators',
      viewport: VIEWPORT,
    });
    await openFolder(operator, BRACKET);
    await operator.setViewportSize({ width: 1600, height: 520 });
    await operator.screenshot({ path: join(DOCS, 'web-operator-view.png') });
    console.log(
      `wrote ${['web-folder-view.png', 'web-history.png', 'web-operator-view.png'].join(', ')} in ${DOCS}`,
    );
  } finally {
    await browser?.close();
    await close();
    await emulators.stop();
    await rm(work, { recursive: true, force: true });
  }
};

main().catch((error: unknown) => {
  console.error(`screenshots failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
