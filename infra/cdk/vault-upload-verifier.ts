/**
 * (v2) Verifying staged parts as they arrive: the bucket sends its object-created events to
 * EventBridge, and a rule hands those of staged parts (`uploads/…`) to `VerifyStagedParts`, which
 * hashes and puts together, in order, the parts next in line. A large file's check-in then finds all
 * but the last parts in flight verified: it never hashes gigabytes within the HTTP API's 30 s.
 */
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { STAGING_PREFIX } from '#shared/aws/s3-file-store';
import type { LogLevel } from '#shared/logger';
import { backgroundFunctions, VERIFIER_ACCESS } from '../routes';
import { VaultFunction } from './vault-function';

export interface VaultUploadVerifierProps {
  table: Table;
  /** The blob bucket, sending its events to EventBridge. */
  bucket: Bucket;
  /** Absolute path of the repository root; background function entries are relative to it. */
  root: string;
  /** What the route handlers get: the verifier builds the same vault. */
  vaultEnvironment: Record<string, string>;
  logLevel: LogLevel;
  logRetention: RetentionDays;
}

export class VaultUploadVerifier extends Construct {
  readonly verify: VaultFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: VaultUploadVerifierProps) {
    super(scope, id);
    const { verifyStagedParts } = backgroundFunctions;
    this.verify = new VaultFunction(this, verifyStagedParts.id, {
      entry: join(props.root, verifyStagedParts.entry),
      description: 'verifies staged parts of multipart uploads as they arrive',
      environment: props.vaultEnvironment,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      // Hashing is what it does: 1,769 MB is one whole vCPU. Each run stops in time and the next goes on.
      memorySize: 1769,
      timeout: Duration.minutes(10),
      sdk: 'runtime',
    });
    this.verify.bindTable(props.table, VERIFIER_ACCESS.tableActions, []);
    this.verify.bindBlobs(props.bucket, VERIFIER_ACCESS.blobActions);
    this.verify.bindStaging(props.bucket, VERIFIER_ACCESS.stagingActions);
    this.verify.bindBucket(props.bucket, VERIFIER_ACCESS.bucketActions);
    this.rule = new Rule(this, 'PartArrived', {
      description: 'camvault: a staged part arrived; verify the parts next in line',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.bucket.bucketName] },
          object: { key: [{ prefix: STAGING_PREFIX }] },
        },
      },
      // A failed run is retried (it is safe: each part counts once); the check-in does what is left anyway.
      targets: [new LambdaFunction(this.verify.function, { retryAttempts: 2 })],
    });
  }
}
