/**
 * 7. Folder rules: what 100 rules cost a listing's first page, a checkout and a download, against
 * the same vault with no rule, in the same process. Rules are one item, cached for RULES_CACHE_MS by
 * the listings and read in the same round trip as the file by a checkout or a download, so their
 * number should barely show.
 */
import type { EmulatorEndpoints } from '#infra/local/local-vault';
import type { Vault } from '#shared/core/vault';
import type { Caller } from '#shared/model';
import { parseFolderPrefix } from '#shared/names';
import { caller, createBenchVault, fileName, fileRecord, seededName, seedFiles } from '../lib/environment';
import { interleavedMedians, timed } from '../lib/stats';

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

/** Runs of each measure, interleaved between the two vaults after a warm-up. */
const RUNS = 60;
const WARMUP = 10;

export const folderRules = async (
  endpoints: EmulatorEndpoints,
  options: { log: (line: string) => void },
): Promise<RulesResult> => {
  // Two vaults with the same files, one without rules and one with 100, measured in turn so that a
  // busy machine's drift and the JIT's warm-up fall on both alike.
  const plain = await createBenchVault(endpoints, 'rules-none');
  const bench = await createBenchVault(endpoints, 'rules');
  // A programmer in one customer's group: every rule is weighed for what they do.
  const programmer: Caller = { user: 'bench-programmer', groups: ['programmers', 'customer-7'] };
  const admin = caller('bench-admin', true);
  try {
    const at = new Date().toISOString();
    const files = Array.from({ length: FILES }, (_, i) =>
      fileRecord(seededName(`customer-${i % RULES}`, i), null, at),
    );
    for (const vault of [plain, bench]) await seedFiles(vault.clients.dynamodb, vault.config.table, files);
    const target = fileName(seededName('customer-7', 7));
    const listPage = (vault: Vault, cursor: string | null) =>
      vault.files.list(programmer, {
        directOnly: false,
        releasedOnly: false,
        prefix: '',
        status: null,
        limit: PAGE,
        cursor,
      });
    const operations = (vault: Vault) => ({
      firstPage: async () => (await timed(() => listPage(vault, null))).ms,
      checkout: async () =>
        (
          await timed(async () => {
            await vault.locks.checkout(programmer, target, 'bench');
            await vault.locks.release(programmer, target, false);
          })
        ).ms,
      download: async () => (await timed(() => vault.files.download(programmer, target, null))).ms,
    });
    const putRules = async (readers: (i: number) => string[]) => {
      for (let i = 0; i < RULES; i++) {
        await bench.vault.rules.put(admin, parseFolderPrefix(`customer-${i}/`), readers(i), [
          'leads',
          `customer-${i}`,
        ]);
      }
    };

    // Everyone reads, each customer's group (and the leads) change: the same page, every rule weighed.
    await putRules(() => ['programmers', 'leads']);
    const [unruledPage, ruledPage] = [await listPage(plain.vault, null), await listPage(bench.vault, null)];
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
    const without = operations(plain.vault);
    const ruled = operations(bench.vault);
    const runs = { warmup: WARMUP, runs: RUNS };
    const [pageWithout, pageWith] = await interleavedMedians(runs, [without.firstPage, ruled.firstPage]);
    const [checkoutWithout, checkoutWith] = await interleavedMedians(runs, [
      without.checkout,
      ruled.checkout,
    ]);
    const [downloadWithout, downloadWith] = await interleavedMedians(runs, [
      without.download,
      ruled.download,
    ]);

    // Rules that hide the other customers: hidden folders cost a query each, never a scan.
    await putRules((i) => ['leads', `customer-${i}`]);
    let requests = 0;
    let cursor: string | null = null;
    for (;;) {
      const page = await listPage(bench.vault, cursor);
      requests += 1;
      if (page.items.some((file) => !file.name.startsWith('customer-7/')))
        throw new Error('the read rules did not hide the other customers');
      if (page.items.length > 0) break;
      if (page.nextCursor === null)
        throw new Error(`the programmer listed nothing of customer-7 after ${requests}`);
      cursor = page.nextCursor;
    }

    options.log(
      `  first page ${pageWithout.toFixed(2)} → ${pageWith.toFixed(2)} ms; checkout + undo ${checkoutWithout.toFixed(2)} → ${checkoutWith.toFixed(2)} ms; download ${downloadWithout.toFixed(2)} → ${downloadWith.toFixed(2)} ms; ${requests} requests to the first visible file`,
    );
    return {
      files: FILES,
      rules: RULES,
      firstPageNoRulesMs: pageWithout,
      firstPageRulesMs: pageWith,
      checkoutNoRulesMs: checkoutWithout,
      checkoutRulesMs: checkoutWith,
      downloadNoRulesMs: downloadWithout,
      downloadRulesMs: downloadWith,
      requestsToFirstVisibleFile: requests,
    };
  } finally {
    await plain.drop();
    await bench.drop();
  }
};
