/**
 * Where the vault keeps its state: the table of files, versions, uploads and locks, and the bucket of
 * blobs. Both outlive the stack (RETAIN): deleting the stack never deletes a programmer's work.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TABLE_INDEXES, tableSchema } from '#shared/aws/dynamodb/table-schema';

export interface VaultStorageProps {
  /** The browser origin that may GET and PUT blobs through presigned URLs. */
  webOrigin: string;
  /** How long an upload can be resumed: its staged parts, and its blob's assembly, must outlive that. */
  uploadTtlSeconds: number;
}

/** Days after which storage itself drops what an upload staged, if the sweeper has not yet: past the upload's end. */
export const stagedUploadDays = (uploadTtlSeconds: number): number =>
  Math.ceil(uploadTtlSeconds / 86_400) + 1;

/** Days a replaced or deleted blob's bytes stay recoverable. */
export const NONCURRENT_VERSION_DAYS = 30;
/** Days S3 server access logs are kept. */
export const ACCESS_LOG_DAYS = 365;

export class VaultStorage extends Construct {
  readonly table: Table;
  readonly bucket: Bucket;
  readonly accessLogsBucket: Bucket;
  /** The table's global secondary indexes, by name. */
  readonly indexNames: string[];

  constructor(scope: Construct, id: string, props: VaultStorageProps) {
    super(scope, id);
    const { partitionKey, sortKey, timeToLiveAttribute } = tableSchema;
    const stringKey = (name: string) => ({ name, type: AttributeType.STRING });

    this.table = new Table(this, 'Table', {
      partitionKey: stringKey(partitionKey),
      sortKey: stringKey(sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute,
      // Every committed change, before and after: the notifications consume it.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // A v1 stack gains byGroup in one update: CloudFormation adds one index per table update.
    for (const index of TABLE_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: stringKey(index.partitionKey),
        sortKey: stringKey(index.sortKey),
        projectionType: ProjectionType.ALL,
      });
    }
    this.indexNames = TABLE_INDEXES.map((index) => index.name);

    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // Server access logs can only be delivered to a bucket with S3-managed keys.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(ACCESS_LOG_DAYS) }],
    });

    this.bucket = new Bucket(this, 'Blobs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // S3-managed keys: presigned GETs and PUTs then need no KMS grant, and a key adds cost, not safety,
      // while every reader is already a function of this stack or a holder of a presigned URL.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'blobs/',
      cors: [
        {
          allowedOrigins: [props.webOrigin],
          allowedMethods: [HttpMethods.GET, HttpMethods.PUT, HttpMethods.HEAD],
          // What a browser sends with an `Upload`: its headers, and the body's type.
          allowedHeaders: ['content-type', 'x-amz-checksum-sha256'],
          exposedHeaders: [
            'etag',
            'x-amz-checksum-sha256',
            'x-amz-version-id',
            'content-length',
            'content-disposition',
          ],
          maxAge: 3600,
        },
      ],
      lifecycleRules: [
        // A multipart upload's blob is put together while its parts arrive, for as long as it can be resumed.
        {
          id: 'abort-incomplete-multipart-uploads',
          abortIncompleteMultipartUploadAfter: Duration.days(stagedUploadDays(props.uploadTtlSeconds)),
        },
        // What an abandoned or expired upload staged is gone a day after it could last be checked in.
        {
          id: 'expire-staged-uploads',
          prefix: 'uploads/',
          expiration: Duration.days(stagedUploadDays(props.uploadTtlSeconds)),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
        },
        // Once the sweeper deletes an orphan blob and its last version expires, drop the delete marker.
        { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
    });
    // (v2) Object-created events go to EventBridge, where the verifier of staged parts picks them up.
    // Set on the CloudFormation bucket itself: CDK's own way adds a custom-resource function to do it.
    (this.bucket.node.defaultChild as CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
  }
}
