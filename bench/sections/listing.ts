/**
 * 2. Listing: time to the first page and to the whole listing at N files, half of them locked, on
 * the vault's core (one Query per page of the name index) and on the seed's design (walk the folder,
 * stat every file, read the whole lock file, merge, sort; it has no pages, so its first page costs
 * the whole listing).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EmulatorEndpoints } from '#infra/local/local-vault';
import { createBenchVault, fileRecord, seededName, seedFiles } from '../lib/environment';
import { median, sampleWithin, timed } from '../lib/stats';
import {
  SeedFileRepository,
  SeedFileService,
  type SeedLockInfo,
  SeedLockManager,
} from '../seed-lock-manager';

/** Who the bench reads as: a programmer, with no folder rule in force. */
const READER = { user: 'bench-reader', groups: [] };

export interface ListingPoint {
  files: number;
  locked: number;
  /** The vault's first page at the contract's default limit (100). */
  vaultFirstPageMs: number;
  /** Every page at the largest limit (1,000). */
  vaultWholeMs: number;
  vaultPages: number;
  /** The seed has no pages: its first 100 files cost the whole listing. */
  seedFirstPageMs: number;
  seedWholeMs: number;
  seedingMs: number;
}

const FIRST_PAGE_LIMIT = 100;
const MAX_LIMIT = 1000;

export const listing = async (
  endpoints: EmulatorEndpoints,
  options: { counts: number[]; work: string; log: (line: string) => void },
): Promise<ListingPoint[]> => {
  const bench = await createBenchVault(endpoints, 'listing');
  const root = join(options.work, 'seed-listing');
  const files = join(root, 'files');
  const seed = new SeedFileService(
    new SeedFileRepository(files),
    new SeedLockManager(join(root, 'locks.json')),
  );
  const listAll = async () => {
    let pages = 0;
    let count = 0;
    let cursor: string | null = null;
    do {
      const page = await bench.vault.files.list(READER, {
        directOnly: false,
        releasedOnly: false,
        prefix: '',
        status: null,
        limit: MAX_LIMIT,
        cursor,
      });
      pages++;
      count += page.items.length;
      cursor = page.nextCursor;
    } while (cursor !== null);
    return { pages, count };
  };
  const firstPage = () =>
    bench.vault.files.list(READER, {
      directOnly: false,
      releasedOnly: false,
      prefix: '',
      status: null,
      limit: FIRST_PAGE_LIMIT,
      cursor: null,
    });

  const points: ListingPoint[] = [];
  let present = 0;
  try {
    for (const count of [...options.counts].sort((a, b) => a - b)) {
      const at = new Date().toISOString();
      const indexes = Array.from({ length: count - present }, (_, i) => present + i);
      // Every other file is locked, in both designs, by one of 50 users.
      const lockedBy = (i: number) => (i % 2 === 0 ? `user${i % 50}` : null);
      const seeding = await timed(() =>
        seedFiles(
          bench.clients.dynamodb,
          bench.config.table,
          indexes.map((i) => fileRecord(seededName('parts', i), lockedBy(i), at)),
        ),
      );
      for (const i of indexes) {
        const path = join(files, seededName('parts', i));
        if (i % 1000 === 0) mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, '');
      }
      seed.locks.seed(
        indexes.flatMap((i): [string, SeedLockInfo][] => {
          const user = lockedBy(i);
          return user ? [[seededName('parts', i), { user, timestamp: at, message: 'bench' }]] : [];
        }),
      );
      present = count;

      const first = await sampleWithin({ minRuns: 10, maxRuns: 200, budgetMs: 3000, warmup: 3 }, firstPage);
      const whole: number[] = [];
      let pages = 0;
      const wholeStarted = performance.now();
      while (whole.length < 1 || (whole.length < 5 && performance.now() - wholeStarted < 10_000)) {
        const run = await timed(listAll);
        if (run.result.count !== count)
          throw new Error(`the vault listed ${run.result.count} files, expected ${count}`);
        pages = run.result.pages;
        whole.push(run.ms);
      }
      const seedTimes = await sampleWithin({ minRuns: 3, maxRuns: 50, budgetMs: 5000, warmup: 1 }, () => {
        const listed = seed.listFiles();
        if (listed.length !== count)
          throw new Error(`the seed listed ${listed.length} files, expected ${count}`);
        return listed.slice(0, FIRST_PAGE_LIMIT);
      });
      const point: ListingPoint = {
        files: count,
        locked: Math.ceil(count / 2),
        vaultFirstPageMs: median(first),
        vaultWholeMs: median(whole),
        vaultPages: pages,
        seedFirstPageMs: median(seedTimes),
        seedWholeMs: median(seedTimes),
        seedingMs: seeding.ms,
      };
      points.push(point);
      options.log(
        `  ${count} files: vault first page ${point.vaultFirstPageMs.toFixed(2)} ms, whole ${point.vaultWholeMs.toFixed(0)} ms (${pages} pages); seed ${point.seedWholeMs.toFixed(1)} ms`,
      );
    }
  } finally {
    await bench.drop();
  }
  return points;
};
