/**
 * Notifications: the table's change stream is the outbox. `Notify` reads the committed changes that
 * can be events, publishes each to an encrypted topic, and parks the pointers to a batch it could not
 * publish in a failure queue; e-mail addresses and, when configured, the chat `Webhook` subscribe to
 * the topic, the webhook's failures ending in a dead-letter queue. Nothing is dropped silently.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, type IFunction, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { LogLevel } from '#shared/logger';
import { backgroundFunctions } from '../routes';
import { VaultFunction } from './vault-function';

export interface VaultNotificationsProps {
  /** The vault's table; its stream of new and old images is what `Notify` reads. */
  table: Table;
  /** Absolute path of the repository root; background function entries are relative to it. */
  root: string;
  notifyEmails: string[];
  webhook: boolean;
  logLevel: LogLevel;
  logRetention: RetentionDays;
  /** The vault's configuration, as the routes have it: the feeds' notifier decides with the same rules. */
  vaultEnvironment: Record<string, string>;
}

/** What the feeds' notifier does on the table: rules, files, watches and requests read; notifications put; answered requests deleted. */
export const DELIVER_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
] as const;

/** How the stream is read: see the README, "Deploy to AWS", "Notifications", for what each choice means when things fail. */
export const STREAM_READING = {
  batchSize: 100,
  /** Retries of a failing batch (halved by bisection) before its pointers go to the failure queue. */
  retryAttempts: 10,
  /** A record older than this goes to the failure queue while the stream (24 h) still holds it. */
  maxRecordAge: Duration.hours(6),
} as const;

/** Async-invoke retries of the webhook before the event goes to its dead-letter queue. */
export const WEBHOOK_RETRIES = 2;

/** What the webhook secret holds until someone puts the real URL there; not a URL, so nothing is posted. */
export const WEBHOOK_SECRET_PLACEHOLDER =
  'unset: put the chat webhook https:// URL here (README, Deploy to AWS)';

/**
 * The only stream records that can become events (shared/aws/dynamodb/stream-changes.ts): an audit
 * entry inserted, in the same transaction as its change. Nothing else ever invokes the function.
 */
const STREAM_FILTERS = [
  FilterCriteria.filter({
    eventName: FilterRule.isEqual('INSERT'),
    dynamodb: { NewImage: { type: { S: FilterRule.isEqual('audit') } } },
  }),
];

export class VaultNotifications extends Construct {
  readonly key: Key;
  readonly topic: Topic;
  readonly notify: VaultFunction;
  /** Where the stream's event source puts the pointers to records Notify could not publish. */
  readonly notifyFailures: Queue;
  /** The feeds' notifier: a second consumer of the stream, each change to the feeds it concerns. */
  readonly deliver: VaultFunction;
  readonly deliverFailures: Queue;
  readonly webhook: VaultFunction | null = null;
  /** Where webhook events go when every attempt failed, or when SNS could not invoke the function. */
  readonly webhookDeadLetters: Queue | null = null;
  readonly webhookSecret: Secret | null = null;

  constructor(scope: Construct, id: string, props: VaultNotificationsProps) {
    super(scope, id);
    const region = Stack.of(this).region;

    // A key of our own: its policy is the account's default (IAM policies decide), and the notify role
    // is granted its use below, through SNS only. SNS asks KMS on the publisher's behalf, with the
    // publisher's permission; e-mail, Lambda and SQS subscribers need no grant. (An AWS service that
    // were to publish, e.g. CloudWatch alarms, would need a key-policy statement of its own.)
    this.key = new Key(this, 'TopicKey', {
      description: 'camvault: encrypts the event topic',
      enableKeyRotation: true,
      // The topic holds messages only while delivering them; nothing outlives the stack under this key.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topic = new Topic(this, 'Topic', {
      displayName: 'camvault events',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.notifyEmails) this.topic.addSubscription(new EmailSubscription(email));

    const defaults = { logLevel: props.logLevel, logRetention: props.logRetention };
    const { notify, webhook, deliverNotifications } = backgroundFunctions;

    this.notify = new VaultFunction(this, notify.id, {
      entry: join(props.root, notify.entry),
      description: 'publishes committed changes from the table stream',
      environment: { CAMVAULT_TOPIC_ARN: this.topic.topicArn },
      timeout: Duration.minutes(1),
      ...defaults,
    });
    this.notifyFailures = failureQueue(this, 'NotifyFailures');
    // Reading the stream: the event source grants DescribeStream, GetRecords and GetShardIterator on
    // the stream, and ListStreams, which has no resource to name.
    this.notify.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        ...STREAM_READING,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: { bind: (_mapping, handler) => sendTo(this.notifyFailures, handler) },
        filters: STREAM_FILTERS,
      }),
    );
    Validations.of(this.notify.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams, granted by the stream event source, supports no resource-level scope.',
    });
    this.notify.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );

    this.deliver = new VaultFunction(this, deliverNotifications.id, {
      entry: join(props.root, deliverNotifications.entry),
      description: 'adds each committed change to the feeds of the users it concerns',
      environment: props.vaultEnvironment,
      timeout: Duration.minutes(1),
      sdk: 'runtime',
      ...defaults,
    });
    this.deliver.bindTable(props.table, [...DELIVER_TABLE_ACTIONS], ['byGroup']);
    this.deliverFailures = failureQueue(this, 'DeliverFailures');
    this.deliver.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        ...STREAM_READING,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: { bind: (_mapping, handler) => sendTo(this.deliverFailures, handler) },
        filters: STREAM_FILTERS,
      }),
    );
    Validations.of(this.deliver.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams, granted by the stream event source, supports no resource-level scope.',
    });
    // What SNS asks KMS for on a publisher's behalf: a data key, and its decryption to reuse it.
    this.notify.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${region}.amazonaws.com` } },
      }),
    );

    if (props.webhook) {
      this.webhookSecret = new Secret(this, 'WebhookUrl', {
        description: 'camvault: the chat incoming-webhook URL (https://…) the Webhook function posts to',
        secretStringValue: SecretValue.unsafePlainText(WEBHOOK_SECRET_PLACEHOLDER),
        removalPolicy: RemovalPolicy.DESTROY,
      });
      Validations.of(this.webhookSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The chat service issues the webhook URL; it is replaced by hand (put-secret-value) when revoked.',
      });
      this.webhookDeadLetters = failureQueue(this, 'WebhookDeadLetters');
      this.webhook = new VaultFunction(this, webhook.id, {
        entry: join(props.root, webhook.entry),
        description: 'posts each event to the chat webhook',
        environment: { CAMVAULT_WEBHOOK_SECRET_ARN: this.webhookSecret.secretArn },
        timeout: Duration.seconds(30),
        ...defaults,
      });
      this.webhook.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.webhookSecret.secretArn],
        }),
      );
      const deadLetters = this.webhookDeadLetters;
      this.webhook.function.configureAsyncInvoke({
        retryAttempts: WEBHOOK_RETRIES,
        maxEventAge: Duration.hours(6),
        onFailure: { bind: (_scope, handler) => sendTo(deadLetters, handler) },
      });
      // The same queue takes what SNS itself could not hand to Lambda (the subscription's redrive policy).
      this.topic.addSubscription(
        new LambdaSubscription(this.webhook.function, { deadLetterQueue: deadLetters }),
      );
    }
  }
}

/** A queue that keeps what could not be delivered for 14 days, SQS-encrypted, refusing plain HTTP. */
const failureQueue = (scope: Construct, id: string): Queue => {
  const queue = new Queue(scope, id, {
    // SQS-managed keys: Lambda and SNS may send to it with no KMS grant, and readers need none either.
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'It is itself a dead-letter queue: where Lambda (and, for the webhook, SNS) puts what it could not deliver.',
  });
  return queue;
};

/** Makes `queue` a failure destination of `handler`, whose role may send to it (sqs:SendMessage) and nothing more. */
const sendTo = (queue: IQueue, handler: IFunction): { destination: string } => {
  handler.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
  return { destination: queue.queueArn };
};
