/**
 * 1. Lock cost against scale: acquire + release one lock while N other locks are held, on the vault's
 * core (DynamoDB Local) and on the seed's design (one JSON file rewritten under an exclusive lock).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EmulatorEndpoints } from '#infra/local/local-vault';
import { caller, createBenchVault, fileName, fileRecord, seededName, seedFiles } from '../lib/environment';
import { median, percentile, sampleWithin, timed } from '../lib/stats';
import {
  SeedFileRepository,
  SeedFileService,
  type SeedLockInfo,
  SeedLockManager,
} from '../seed-lock-manager';

export interface LockScalePoint {
  otherLocks: number;
  vaultMs: number;
  vaultP90Ms: number;
  vaultRuns: number;
  seedMs: number;
  seedP90Ms: number;
  seedRuns: number;
  /** Size of the seed's lock file at this point. */
  seedLockFileBytes: number;
  /** How long putting the new locks into the table took (BatchWriteItem). */
  seedingMs: number;
}

const TARGET = 'bench/target.mcam';

export const lockScale = async (
  endpoints: EmulatorEndpoints,
  options: { counts: number[]; work: string; warmupMs: number; log: (line: string) => void },
): Promise<LockScalePoint[]> => {
  const bench = await createBenchVault(endpoints, 'locks');
  const me = caller('bench-user');
  const target = fileName(TARGET);
  await seedFiles(bench.clients.dynamodb, bench.config.table, [fileRecord(TARGET, null)]);

  const root = join(options.work, 'seed-locks');
  mkdirSync(dirname(join(root, 'files', TARGET)), { recursive: true });
  writeFileSync(join(root, 'files', TARGET), 'target');
  const seed = new SeedFileService(
    new SeedFileRepository(join(root, 'files')),
    new SeedLockManager(join(root, 'locks.json')),
  );

  const points: LockScalePoint[] = [];
  let held = 0;
  try {
    const acquireAndRelease = async () => {
      await bench.vault.locks.checkout(me, target, 'bench');
      await bench.vault.locks.release(me, target, false);
    };
    // DynamoDB Local runs in a JVM: the first few hundred requests are several times slower until the JIT
    // has compiled its paths. Warm it up before the first point so that the curve shows scale, not warm-up.
    await sampleWithin({ minRuns: 50, maxRuns: 1000, budgetMs: options.warmupMs }, acquireAndRelease);

    for (const count of [...options.counts].sort((a, b) => a - b)) {
      const at = new Date().toISOString();
      const indexes = Array.from({ length: count - held }, (_, i) => held + i);
      const seeding = await timed(() =>
        seedFiles(
          bench.clients.dynamodb,
          bench.config.table,
          indexes.map((i) => fileRecord(seededName('others', i), `user${i % 50}`, at)),
        ),
      );
      seed.locks.seed(
        indexes.map((i): [string, SeedLockInfo] => [
          seededName('others', i),
          { user: `user${i % 50}`, timestamp: at, message: 'bench' },
        ]),
      );
      held = count;

      const vaultTimes = await sampleWithin(
        { minRuns: 20, maxRuns: 300, budgetMs: 4000, warmup: 5 },
        acquireAndRelease,
      );
      const seedTimes = await sampleWithin({ minRuns: 5, maxRuns: 200, budgetMs: 4000, warmup: 1 }, () => {
        seed.checkout(TARGET, me.user, 'bench');
        seed.checkin(TARGET, me.user);
      });
      const point: LockScalePoint = {
        otherLocks: count,
        vaultMs: median(vaultTimes),
        vaultP90Ms: percentile(vaultTimes, 90),
        vaultRuns: vaultTimes.length,
        seedMs: median(seedTimes),
        seedP90Ms: percentile(seedTimes, 90),
        seedRuns: seedTimes.length,
        seedLockFileBytes: Buffer.byteLength(JSON.stringify(seed.locks.getAllLocks())),
        seedingMs: seeding.ms,
      };
      points.push(point);
      options.log(
        `  ${count} other locks: vault ${point.vaultMs.toFixed(2)} ms, seed ${point.seedMs.toFixed(2)} ms (seeded in ${(seeding.ms / 1000).toFixed(1)} s)`,
      );
    }
  } finally {
    await bench.drop();
  }
  return points;
};
