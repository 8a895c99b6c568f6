/** Debian's Chromium driven by playwright-core, headless, against the local server serving the page. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CAMVAULT_CHROMIUM || '/usr/bin/chromium';
export const REPOSITORY_ROOT = join(__dirname, '..', '..');
export const ARTIFACTS = join(REPOSITORY_ROOT, 'test-artifacts', 'web');
/** How long a step waits for the page: a failure then reports within the test's time, not after it. */
export const ACTION_TIMEOUT_MS = 10_000;

/** Never a browser download: the Debian package, installed by `.ci/run` (`apt-get install chromium`). */
export const launchChromium = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install it with \`sudo apt-get install -y chromium\``);
  // launch() gives the browser a fresh, temporary user-data-dir of its own and deletes it on close.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
};

/** A user's own browser window: a fresh context (no shared cookies or storage), laptop-sized. */
export const openAs = async (
  browser: Browser,
  url: string,
  user: string,
  options: { admin?: boolean; groups?: string; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page }> => {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: options.viewport ?? { width: 1366, height: 800 },
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('Sign in as').fill(user);
  if (options.admin) await page.getByLabel(/^Admin/).check();
  if (options.groups) await page.getByLabel('Groups').fill(options.groups);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${user}`).waitFor();
  return { context, page };
};

export const screenshot = async (page: Page, name: string): Promise<void> => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
};

/** The table row of a file, found by its key (the name lowercased). */
export const rowOf = (page: Page, name: string): Locator =>
  page.locator(`tr[data-key="${name.normalize('NFC').toLowerCase()}"]`);

/** Opens a folder from the tree, expanding the folders above it on the way: `openFolder(page, 'a/b/')`. */
export const openFolder = async (page: Page, prefix: string): Promise<void> => {
  const tree = page.getByRole('tree', { name: 'Folders' });
  for (const segment of prefix.split('/').filter(Boolean))
    await tree.getByRole('treeitem', { name: segment, exact: true }).click();
  await page.getByRole('heading', { name: `Files in ${prefix}` }).waitFor();
};

/** The text of a row's cells, by column. */
export const cellsOf = async (row: Locator) => {
  const [name, version, released, size, modified, status, holder, message] = await row
    .locator('th, td')
    .allInnerTexts();
  return { name, version, released, size, modified, status, holder, message };
};

/**
 * Waits (up to 5 s: the page refreshes after each action and polls) until a file's row shows
 * `expected`, then asserts it, so that a failure prints what the row showed instead.
 */
export const expectRow = async (page: Page, name: string, expected: Record<string, string>) => {
  const matches = (cells: Record<string, string | undefined>) =>
    Object.entries(expected).every(([column, text]) => cells[column] === text);
  let cells = await cellsOf(rowOf(page, name));
  for (let i = 0; i < 50 && !matches(cells); i++) {
    await page.waitForTimeout(100);
    cells = await cellsOf(rowOf(page, name));
  }
  expect(cells).toMatchObject(expected);
};

/** The text of every body row's cells, row by row (the page runs in the browser, hence no DOM types here). */
export const tableText = (scope: Locator): Promise<string[][]> =>
  scope
    .locator('tbody tr')
    .evaluateAll((rows: any[]) =>
      rows.map((row) => [...row.querySelectorAll('th, td')].map((cell: any) => cell.textContent as string)),
    );

/** The accessible label of the element that has keyboard focus. */
export const focusedLabel = (page: Page): Promise<string | null> =>
  page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')");

/**
 * Every visible text's contrast ratio against the background it is drawn on (WCAG 2 formula), for the
 * elements that carry text; the page runs in the browser, hence the untyped DOM.
 */
export const lowContrastTexts = (page: Page, minimum = 4.5): Promise<string[]> =>
  page.evaluate((min: number) => {
    const doc = (globalThis as any).document;
    const view = globalThis as any;
    const rgb = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]) => {
      const channel = (value = 0) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const background = (element: any): number[] => {
      for (let node = element; node; node = node.parentElement) {
        const [r, g, b, a = 1] = rgb(view.getComputedStyle(node).backgroundColor);
        if (a > 0) return [r ?? 255, g ?? 255, b ?? 255];
      }
      return [255, 255, 255];
    };
    const found: string[] = [];
    for (const element of doc.querySelectorAll('body *')) {
      const own = [...element.childNodes].some((node: any) => node.nodeType === 3 && node.textContent.trim());
      if (!own || !element.checkVisibility?.() || element.closest('[hidden]')) continue;
      const style = view.getComputedStyle(element);
      if (Number(style.opacity) < 1 || element.disabled) continue;
      const fore = luminance(rgb(style.color));
      const back = luminance(background(element));
      const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
      if (ratio < min)
        found.push(
          `${element.tagName.toLowerCase()} "${element.textContent.trim().slice(0, 30)}": ${ratio.toFixed(2)}`,
        );
    }
    return found;
  }, minimum);
