/**
 * One vault function with the defaults every handler shares, and the only ways a route's function
 * gets permissions: `bindTable`, `bindBlobs` and `bindBucket`, each with exactly the actions its route
 * names. (The background functions get theirs from `VaultNotifications`, as narrowly.)
 */
import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  LogLevel as EsbuildLogLevel,
  NodejsFunction,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { blobKey, STAGING_PREFIX } from '#shared/aws/s3-file-store';
import type { LogLevel } from '#shared/logger';
import type { IndexName, RouteDefinition, TableAction } from '../routes';

type BlobAction = RouteDefinition['blobActions'][number];
type StagingAction = NonNullable<RouteDefinition['stagingActions']>[number];
type BucketAction = NonNullable<RouteDefinition['bucketActions']>[number];

/** The newest Node.js runtime this aws-cdk-lib knows (cdk-nag's L1 checks for exactly that). */
const RUNTIME = Runtime.NODEJS_24_X;
/** Every S3 object the vault stores is a blob under this prefix. */
export const BLOBS_PATTERN = blobKey('*');
/** (v2) Every staged upload's parts are under this prefix, and nothing else is. */
export const STAGING_PATTERN = `${STAGING_PREFIX}*`;

/**
 * The SDK clients the Lambda runtime provides: it ships the AWS SDK for JavaScript v3, and ES modules
 * may import it (Node.js 18 and later). Only clients: the runtime's package list is not documented, so
 * `lib-dynamodb`, `util-dynamodb` and `s3-request-presigner` (and what they import) stay in a bundle.
 */
export const RUNTIME_SDK_MODULES = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-sns',
  '@aws-sdk/client-secrets-manager',
] as const;

/**
 * Where a function's SDK clients come from. `bundled`: in its bundle, the version the tests ran, and
 * the fastest to load (~70–130 ms measured here). `runtime`: imported from the Lambda runtime, for
 * the route handlers, which need DynamoDB, S3 and the presigner: bundled, those made each ~618 KB,
 * over the 500 KB budget, and no esbuild setting shrank them enough; from the runtime they are ~200 KB
 * but load slower, as each external client is loaded whole (`shared/aws/clients/` has one module per
 * service, so a function loads only its own).
 */
export type SdkSource = 'bundled' | 'runtime';

/**
 * How every handler is bundled, by the local esbuild (never Docker). ESM: middy is ESM-only, and the
 * SDK's ES modules tree-shake.
 */
export const bundling = (sdk: SdkSource): BundlingOptions => ({
  format: OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  externalModules: sdk === 'runtime' ? [...RUNTIME_SDK_MODULES] : [],
  forceDockerBundling: false,
  logLevel: EsbuildLogLevel.WARNING,
  // esbuild turns a CommonJS `require` of a built-in inside an ES module bundle into a throw; give it one.
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
});

export interface VaultFunctionProps {
  /** Absolute path of the handler's source; it exports `handler`. */
  entry: string;
  description: string;
  /** The handler's own configuration; the defaults below are added to it, never replace it. */
  environment: Record<string, string>;
  logLevel: LogLevel;
  logRetention: RetentionDays;
  /** Default 29 s: just under the HTTP API's 30 s integration limit; a request normally takes milliseconds. */
  timeout?: Duration;
  /** Default `bundled`. */
  sdk?: SdkSource;
  /** Default 1024 MB. */
  memorySize?: number;
}

export class VaultFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly sdk: SdkSource;

  constructor(scope: Construct, id: string, props: VaultFunctionProps) {
    super(scope, id);
    this.sdk = props.sdk ?? 'bundled';
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    // An own role without AWS managed policies: it may write its own log group and nothing else yet.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `camvault ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: `camvault ${props.description}`,
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(29),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        CAMVAULT_LOG_LEVEL: props.logLevel,
        ...props.environment,
      },
      bundling: bundling(this.sdk),
    });
  }

  /**
   * Table actions on the table itself, and Query on exactly the indexes named. (GetItem, PutItem,
   * UpdateItem and DeleteItem inside TransactGetItems/TransactWriteItems are authorised as those actions.)
   */
  bindTable(table: ITable, actions: readonly TableAction[], indexNames: readonly IndexName[]): void {
    if (actions.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: [...actions], resources: [table.tableArn] }),
      );
    }
    if (indexNames.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: indexNames.map((name) => `${table.tableArn}/index/${name}`),
        }),
      );
    }
  }

  /** Object actions, performed or signed for a client, on the blobs and nothing else in the bucket. */
  bindBlobs(bucket: IBucket, actions: readonly BlobAction[]): void {
    if (actions.length === 0) return;
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...actions], resources: [bucket.arnForObjects(BLOBS_PATTERN)] }),
    );
    const bucketId = Stack.of(this).getLogicalId(bucket.node.defaultChild as CfnElement);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${BLOBS_PATTERN}]`,
      reason: 'Blobs are named by a SHA-256 no one knows before upload; the grant covers blobs/ only.',
    });
  }

  /** (v2) Object actions on staged uploads (`uploads/*`) and nothing else in the bucket. */
  bindStaging(bucket: IBucket, actions: readonly StagingAction[]): void {
    if (actions.length === 0) return;
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...actions], resources: [bucket.arnForObjects(STAGING_PATTERN)] }),
    );
    const bucketId = Stack.of(this).getLogicalId(bucket.node.defaultChild as CfnElement);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${STAGING_PATTERN}]`,
      reason: 'Staged parts are named by upload ids issued at run time; the grant covers uploads/ only.',
    });
  }

  /**
   * Actions on the bucket itself. `s3:ListBucket` lets HeadObject tell a missing blob (404) from a
   * forbidden one (403); S3 evaluates no `s3:prefix` for that check, so it cannot be narrowed to blobs/.
   */
  bindBucket(bucket: IBucket, actions: readonly BucketAction[]): void {
    if (actions.length === 0) return;
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...actions], resources: [bucket.bucketArn] }),
    );
  }
}
