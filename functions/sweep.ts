/** (v2) Scheduled (AWS: hourly; locally a timer): removes what no version and no live upload refers to. */
import middy from '@middy/core';
import type { SweepReport } from '#shared/core/sweeper';
import { Sweeper } from '#shared/core/sweeper';
import type { Vault } from '#shared/core/vault';
import { logger } from '#shared/logger';
import { vaultFromEnvironment } from '#shared/runtime';
import { s3Blobs } from '#shared/runtime-s3';

export const sweep = (vault: Pick<Vault, 'sweeper'>) =>
  middy<unknown, SweepReport>().handler(async () => {
    const report = await vault.sweeper.sweep();
    logger.info('swept', { ...report });
    return report;
  });

export const handler = sweep(vaultFromEnvironment({ sweeper: Sweeper }, { blobs: s3Blobs }));
