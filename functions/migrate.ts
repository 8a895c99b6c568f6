/**
 * Run once per deployment (a CDK trigger), before the route functions change: brings data a v1 stack
 * left in the table to the v2 layout. Idempotent: running it again finds nothing to do.
 */
import middy from '@middy/core';
import { createDynamoDbClient } from '#shared/aws/clients/dynamodb';
import { type MigrationReport, migrateV1 } from '#shared/aws/dynamodb/migrate-v1';
import { ConfigError } from '#shared/config';
import { logger } from '#shared/logger';

const table = process.env.CAMVAULT_TABLE;
if (!table) throw new ConfigError('CAMVAULT_TABLE must be set');
const dynamodb = createDynamoDbClient();

export const handler = middy<unknown, MigrationReport>().handler(async () => {
  const report = await migrateV1(dynamodb, table);
  logger.info('v1 data migrated', { ...report });
  // A conflict is a v1 file that could not be moved because a v2 file took its name: look at it.
  if (report.conflicts.length > 0) logger.warn('v1 files left as they were', { names: report.conflicts });
  return report;
});
