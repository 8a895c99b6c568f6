/**
 * 7. Folder rules: what 100 rules cost a listing's first page, a checkout and a download, against
 * the same vault with no rule, in the same process. Rules are one item, cached for RULES_CACHE_MS by
 * the listings and read in the same round trip as the file by a checkout or a download, so their
 * number should barely show.
 */
import type { EmulatorEndpoints } from '#infra/local/local-vault';
import type { Caller } from '#shared/model';
import { parseFolderPrefix } from '#shared/names';
import { caller, createBenchVault, fileName, fileRecord, seededName, seedFiles } from '../lib/environment';
import { median, sampleWithin } from '../lib/stats';

export interface RulesResult {
  files: number;
  rules: number;
  firstPageNoRulesMs: number;
  firstPageRulesMs: number;
  checkoutNoRulesMs: number;
  checkoutRulesMs: number;
  downloadNoRulesMs: number;
  downloadRulesMs: number;
  /** With read rules hiding 99 of the folders: requests a programmer makes before the first file they may read. */
  requestsToFirstVisibleFile: number;
}

const FILES = 2000;
const RULES = 100;
const PAGE = 100;

export const folderRules = async (
  endpoints: EmulatorEndpoints,
  options: { log: (line: string) => void },
): Promise<RulesResult> => {
  const bench = await createBenchVault(endpoints, 'rules');
  // A programmer in one customer's group: every rule is weighed for what they do.
  const programmer: Caller = { user: 'bench-programmer', groups: ['programmers', 'customer-7'] };
  const admin = caller('bench-admin', true);
  try {
    const at = new Date().toISOString();
    await seedFiles(
      bench.clients.dynamodb,
      bench.config.table,
      Array.from({ length: FILES }, (_, i) => fileRecord(seededName(`customer-${i % RULES}`, i), null, at)),
    );
    const target = fileName(seededName('customer-7', 7));
    const listPage = (cursor: string | null) =>
      bench.vault.files.list(programmer, {
        directOnly: false,
        releasedOnly: false,
        prefix: '',
        status: null,
        limit: PAGE,
        cursor,
      });
    const firstPage = () => listPage(null);
    const checkoutAndUndo = async () => {
      await bench.vault.locks.checkout(programmer, target, 'bench');
      await bench.vault.locks.release(programmer, target, false);
    };
    const download = () => bench.vault.files.download(programmer, target, null);
    const budget = { minRuns: 20, maxRuns: 300, budgetMs: 4000, warmup: 5 };
    const measure = async () => ({
      firstPage: median(await sampleWithin(budget, firstPage)),
      checkout: median(await sampleWithin(budget, checkoutAndUndo)),
      download: median(await sampleWithin(budget, download)),
    });
    const putRules = async (readers: (i: number) => string[]) => {
      for (let i = 0; i < RULES; i++) {
        await bench.vault.rules.put(admin, parseFolderPrefix(`customer-${i}/`), readers(i), [
          'leads',
          `customer-${i}`,
        ]);
      }
    };

    const without = await measure();
    const unruledPage = await firstPage();
    // Everyone reads, each customer's group (and the leads) change: the same page, every rule weighed.
    await putRules(() => ['programmers', 'leads']);
    const ruledPage = await firstPage();
    if (ruledPage.items.map((file) => file.name).join() !== unruledPage.items.map((file) => file.name).join())
      throw new Error('read-for-all rules changed what the programmer lists');
    const refused = await bench.vault.locks
      .checkout(programmer, fileName(seededName('customer-8', 8)), 'not mine')
      .then(
        () => null,
        (error: unknown) => error,
      );
    if (refused === null)
      throw new Error('the write rules are not in force: a checkout in customer-8 went through');
    const withRules = await measure();

    // Rules that hide the other customers: hidden folders cost a query each, never a scan.
    await putRules((i) => ['leads', `customer-${i}`]);
    let requests = 0;
    let cursor: string | null = null;
    for (;;) {
      const page = await listPage(cursor);
      requests += 1;
      if (page.items.some((file) => !file.name.startsWith('customer-7/')))
        throw new Error('the read rules did not hide the other customers');
      if (page.items.length > 0) break;
      if (page.nextCursor === null)
        throw new Error(`the programmer listed nothing of customer-7 after ${requests}`);
      cursor = page.nextCursor;
    }

    options.log(
      `  first page ${without.firstPage.toFixed(2)} → ${withRules.firstPage.toFixed(2)} ms; checkout + undo ${without.checkout.toFixed(2)} → ${withRules.checkout.toFixed(2)} ms; download ${without.download.toFixed(2)} → ${withRules.download.toFixed(2)} ms; ${requests} requests to the first visible file`,
    );
    return {
      files: FILES,
      rules: RULES,
      firstPageNoRulesMs: without.firstPage,
      firstPageRulesMs: withRules.firstPage,
      checkoutNoRulesMs: without.checkout,
      checkoutRulesMs: withRules.checkout,
      downloadNoRulesMs: without.download,
      downloadRulesMs: withRules.download,
      requestsToFirstVisibleFile: requests,
    };
  } finally {
    await bench.drop();
  }
};
