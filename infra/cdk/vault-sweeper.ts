/**
 * (v2) The sweeper, every hour: removes what abandoned, expired and checked-in uploads staged, and
 * blobs that a check-in placed but no version refers to (shared/core/sweeper.ts). Together with the
 * bucket's lifecycle rules, what an abandoned upload costs lasts about `uploadTtlSeconds`.
 */
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { LogLevel } from '#shared/logger';
import { backgroundFunctions, SWEEPER_ACCESS } from '../routes';
import { VaultFunction } from './vault-function';

export interface VaultSweeperProps {
  table: Table;
  bucket: Bucket;
  /** Absolute path of the repository root; background function entries are relative to it. */
  root: string;
  /** What the route handlers get: the sweeper builds the same vault. */
  vaultEnvironment: Record<string, string>;
  logLevel: LogLevel;
  logRetention: RetentionDays;
}

/** How often it runs; each run is well within it. */
export const SWEEP_EVERY = Duration.hours(1);

export class VaultSweeper extends Construct {
  readonly sweep: VaultFunction;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: VaultSweeperProps) {
    super(scope, id);
    const { sweep } = backgroundFunctions;
    this.sweep = new VaultFunction(this, sweep.id, {
      entry: join(props.root, sweep.entry),
      description: 'removes what no version and no live upload refers to',
      environment: props.vaultEnvironment,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      timeout: Duration.minutes(10),
      sdk: 'runtime',
    });
    this.sweep.bindTable(props.table, SWEEPER_ACCESS.tableActions, SWEEPER_ACCESS.queryIndexes);
    this.sweep.bindBlobs(props.bucket, SWEEPER_ACCESS.blobActions);
    this.sweep.bindStaging(props.bucket, SWEEPER_ACCESS.stagingActions);
    this.sweep.bindBucket(props.bucket, SWEEPER_ACCESS.bucketActions);
    // A failed run is not retried: the next one does what it left, and a retry could overlap it.
    this.sweep.function.configureAsyncInvoke({ retryAttempts: 0 });
    this.schedule = new Rule(this, 'Schedule', {
      description: 'camvault: sweep what no version and no live upload refers to',
      schedule: Schedule.rate(SWEEP_EVERY),
      targets: [new LambdaFunction(this.sweep.function, { retryAttempts: 0 })],
    });
  }
}
