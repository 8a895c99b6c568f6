/**
 * The vault on AWS: storage, identity, the HTTP API, and one function per route of the route table,
 * each allowed exactly the table and blob actions its route names; the notifications that follow the
 * table's stream; and the web page behind CloudFront.
 */
import { join } from 'node:path';
import { CfnOutput, Duration, Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import { Trigger } from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import { backgroundFunctions, DEFAULT_ROUTE_TIMEOUT_SECONDS, routes } from '../routes';
import { type VaultSettings, vaultEnvironment } from './settings';
import { VaultApi } from './vault-api';
import { VaultFunction } from './vault-function';
import { VaultIdentity } from './vault-identity';
import { VaultMailDigests } from './vault-mail-digests';
import { VaultNotifications } from './vault-notifications';
import { VaultStorage } from './vault-storage';
import { VaultSweeper } from './vault-sweeper';
import { VaultUploadVerifier } from './vault-upload-verifier';
import { type GivenWebSettings, VaultWebHosting, webEndpoints } from './web-hosting';

/** What the migration does to the table: scan it, read and query, copy, delete, and transact. */
export const MIGRATION_TABLE_ACTIONS = [
  'dynamodb:Scan',
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/** Route entries are relative to the repository root. */
export const REPOSITORY_ROOT = join(__dirname, '..', '..');

export interface VaultStackProps extends StackProps {
  settings: VaultSettings;
  /** Which web settings were configured; the others follow the web page's CloudFront origin. Default: all. */
  givenWebSettings?: GivenWebSettings;
}

export class VaultStack extends Stack {
  readonly storage: VaultStorage;
  readonly identity: VaultIdentity;
  readonly http: VaultApi;
  readonly notifications: VaultNotifications;
  /** Null unless the `mailFrom` setting is given. */
  readonly mailDigests: VaultMailDigests | null;
  readonly uploadVerifier: VaultUploadVerifier;
  readonly sweeper: VaultSweeper;
  readonly web: VaultWebHosting;
  /** The route handlers, by route id. */
  readonly functions = new Map<string, VaultFunction>();
  readonly migrate: VaultFunction;
  /** (v2) Verifies the Git LFS routes' Bearer or Basic credentials against the user pool. */
  readonly lfsAuthorizer: VaultFunction;

  constructor(scope: Construct, id: string, props: VaultStackProps) {
    super(scope, id, props);
    const { settings } = props;
    // The browser origin and sign-in return URLs: as configured, else the page's distribution (made last).
    const web = webEndpoints(
      settings,
      props.givenWebSettings ?? { webOrigin: true, callbackUrls: true, logoutUrls: true },
      Lazy.string({ produce: () => this.web.origin }),
    );

    this.storage = new VaultStorage(this, 'Storage', {
      webOrigin: web.webOrigin,
      uploadTtlSeconds: settings.uploadTtlSeconds,
    });
    const { table, bucket } = this.storage;

    this.identity = new VaultIdentity(this, 'Identity', {
      callbackUrls: web.callbackUrls,
      logoutUrls: web.logoutUrls,
      adminEmails: settings.adminEmails,
      authDomainPrefix: settings.authDomainPrefix,
      refreshTokenValidityDays: settings.refreshTokenValidityDays,
    });

    const { lfsAuthorizer } = backgroundFunctions;
    this.lfsAuthorizer = new VaultFunction(this, lfsAuthorizer.id, {
      entry: join(REPOSITORY_ROOT, lfsAuthorizer.entry),
      description: "verifies the Git LFS routes' credentials (Bearer, or Basic with the token as password)",
      // The pool's issuer and app client, exactly as the JWT authorizer trusts them; no table, no bucket.
      environment: {
        CAMVAULT_COGNITO_ISSUER: this.identity.userPool.userPoolProviderUrl,
        CAMVAULT_COGNITO_CLIENT_IDS: this.identity.client.userPoolClientId,
      },
      logLevel: settings.logLevel,
      logRetention: settings.logRetention,
      // API Gateway waits at most 10 s for an authorizer; a fetch of the pool's keys gives up after 5.
      timeout: Duration.seconds(10),
    });

    this.http = new VaultApi(this, 'Http', {
      webOrigin: web.webOrigin,
      userPool: this.identity.userPool,
      client: this.identity.client,
      logRetention: settings.logRetention,
      lfsAuthorizer: this.lfsAuthorizer.function,
    });

    const environment = vaultEnvironment(settings, { table: table.tableName, bucket: bucket.bucketName });

    // Each deployment first brings data a v1 stack left to the v2 layout (idempotent), then the routes change.
    this.migrate = new VaultFunction(this, backgroundFunctions.migrate.id, {
      entry: join(REPOSITORY_ROOT, backgroundFunctions.migrate.entry),
      description: 'migrates v1 data to the v2 layout at each deployment',
      environment: { CAMVAULT_TABLE: table.tableName },
      logLevel: settings.logLevel,
      logRetention: settings.logRetention,
      timeout: Duration.minutes(15),
    });
    this.migrate.bindTable(table, MIGRATION_TABLE_ACTIONS, []);
    const migration = new Trigger(this, 'MigrateOnDeploy', {
      handler: this.migrate.function,
      executeAfter: [table],
      timeout: Duration.minutes(15),
    });
    for (const route of routes) {
      const handler = new VaultFunction(this, route.id, {
        entry: join(REPOSITORY_ROOT, route.entry),
        description: `${route.method} ${route.path}`,
        environment,
        logLevel: settings.logLevel,
        logRetention: settings.logRetention,
        // With DynamoDB, S3 and the presigner bundled, a route handler is over the 500 KB budget.
        sdk: 'runtime',
        timeout: Duration.seconds(route.timeoutSeconds ?? DEFAULT_ROUTE_TIMEOUT_SECONDS),
      });
      handler.bindTable(table, route.tableActions, route.queryIndexes ?? []);
      handler.bindBlobs(bucket, route.blobActions);
      handler.bindStaging(bucket, route.stagingActions ?? []);
      handler.bindBucket(bucket, route.bucketActions ?? []);
      this.http.addRoute(route, handler.function);
      this.functions.set(route.id, handler);
      migration.executeBefore(handler);
    }

    this.uploadVerifier = new VaultUploadVerifier(this, 'UploadVerifier', {
      table,
      bucket,
      root: REPOSITORY_ROOT,
      vaultEnvironment: environment,
      logLevel: settings.logLevel,
      logRetention: settings.logRetention,
    });

    this.sweeper = new VaultSweeper(this, 'Sweeper', {
      table,
      bucket,
      root: REPOSITORY_ROOT,
      vaultEnvironment: environment,
      logLevel: settings.logLevel,
      logRetention: settings.logRetention,
    });

    this.notifications = new VaultNotifications(this, 'Notifications', {
      table,
      root: REPOSITORY_ROOT,
      notifyEmails: settings.notifyEmails,
      webhook: settings.webhook,
      logLevel: settings.logLevel,
      logRetention: settings.logRetention,
      vaultEnvironment: environment,
    });
    const { topic, notifyFailures, deliverFailures, webhookDeadLetters, webhookSecret } = this.notifications;

    this.mailDigests = settings.mailFrom
      ? new VaultMailDigests(this, 'MailDigests', {
          table,
          userPool: this.identity.userPool,
          root: REPOSITORY_ROOT,
          mailFrom: settings.mailFrom,
          digestMinutes: settings.digestMinutes,
          logLevel: settings.logLevel,
          logRetention: settings.logRetention,
        })
      : null;

    this.web = new VaultWebHosting(this, 'Web', {
      accessLogsBucket: this.storage.accessLogsBucket,
      apiUrl: this.http.url,
      clientId: this.identity.client.userPoolClientId,
      hostedLoginUrl: this.identity.domain?.baseUrl() ?? null,
      authDomainPrefix: settings.authDomainPrefix,
    });

    const outputs: Record<string, [string, string]> = {
      WebUrl: [this.web.url, 'The web page (CloudFront, HTTPS)'],
      ApiUrl: [this.http.url, 'Base URL of the HTTP API (no trailing slash)'],
      UserPoolId: [this.identity.userPool.userPoolId, 'Cognito user pool'],
      AppClientId: [this.identity.client.userPoolClientId, 'Cognito app client (public, no secret)'],
      BucketName: [bucket.bucketName, 'Blob bucket (retained when the stack is deleted)'],
      TableName: [table.tableName, 'DynamoDB table (retained when the stack is deleted)'],
      Region: [this.region, 'Region of the stack, for the AWS CLI'],
      TopicArn: [topic.topicArn, 'SNS topic of vault events (subscribe queues, e-mail, functions)'],
      NotifyFailureQueueUrl: [
        notifyFailures.queueUrl,
        'Stream batches that could not be published, as shard and sequence-number ranges',
      ],
      DeliverFailureQueueUrl: [
        deliverFailures.queueUrl,
        "Stream batches that could not reach the users' feeds, as shard and sequence-number ranges",
      ],
    };
    if (webhookDeadLetters && webhookSecret) {
      outputs.WebhookSecretArn = [
        webhookSecret.secretArn,
        'Secret holding the chat webhook URL (put it there)',
      ];
      outputs.WebhookDeadLetterQueueUrl = [webhookDeadLetters.queueUrl, 'Events the chat webhook never took'];
    }
    if (this.identity.domain) {
      outputs.HostedLoginUrl = [this.identity.domain.baseUrl(), 'Cognito hosted login, for the web sign-in'];
    }
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value, description });
    }
  }
}
