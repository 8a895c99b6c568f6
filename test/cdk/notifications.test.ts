/**
 * Notifications in the synthesized template: the encrypted topic and its subscriptions, the Notify
 * function reading the table's stream (retries, bisection, a failure queue, filters that drop no
 * event), the Webhook function behind its secret with a dead-letter queue, each role's exact
 * permissions, and the outputs. One stack with every notification setting on, one with the defaults.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import {
  auditToItem,
  fileToItem,
  type Item,
  rulesToItem,
  uploadToItem,
  versionToItem,
} from '#shared/aws/dynamodb/items';
import { eventFromChange, type TableChange } from '#shared/aws/dynamodb/stream-changes';
import type { CoreContext } from '#shared/core/context';
import {
  checkedIn,
  checkedOut,
  checkoutRequested,
  deleted,
  fileReleased,
  lockBroken,
  lockReleased,
  moved,
  releaseWithdrawn,
  restored,
  ruleChanged,
} from '#shared/core/entries';
import type { AuditRecord, FileRecord } from '#shared/core/records';
import { EVENT_TYPES } from '#shared/events';
import { createVaultApp } from '../../infra/cdk/vault-app';
import { WEBHOOK_SECRET_PLACEHOLDER } from '../../infra/cdk/vault-notifications';
import { REPOSITORY_ROOT, type VaultStack } from '../../infra/cdk/vault-stack';
import { backgroundFunctions } from '../../infra/routes';

const EMAILS = ['team@example.com', 'lead@example.com'];
const MAIL_FROM = 'vault@example.com';

type Resource = { Type: string; Properties?: any; DeletionPolicy?: string };

let stack: VaultStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  stack = createVaultApp({
    context: {
      'aws:cdk:bundling-stacks': [],
      stackName: 'CamvaultEventsTest',
      notifyEmails: EMAILS.join(','),
      webhook: 'true',
      logRetentionDays: 30,
      mailFrom: MAIL_FROM,
      digestMinutes: '10',
    },
    nag: false,
  }).stack;
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

const idOf = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const ref = (construct: IConstruct) => ({ Ref: idOf(construct) });
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [idOf(construct), 'Arn'] });
const ofType = (type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);
const only = (type: string): Resource => {
  const found = ofType(type);
  expect(found).toHaveLength(1);
  return (found[0] as [string, Resource])[1];
};
const resourceOf = (construct: IConstruct): Resource => resources[idOf(construct)] as Resource;

const notifications = () => stack.notifications;
const webhook = () => {
  const { webhook, webhookDeadLetters, webhookSecret } = stack.notifications;
  if (!webhook || !webhookDeadLetters || !webhookSecret) throw new Error('the webhook is not deployed');
  return { fn: webhook, deadLetters: webhookDeadLetters, secret: webhookSecret };
};

/** Every (effect, action, resource) a role's identity policies allow, one string each. */
const permissionsOf = (role: IConstruct): string[] =>
  ofType('AWS::IAM::Policy')
    .filter(([, policy]) =>
      policy.Properties.Roles.some((r: unknown) => JSON.stringify(r) === JSON.stringify(ref(role))),
    )
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
    .flatMap((statement: any) =>
      [statement.Action]
        .flat()
        .flatMap((action: string) =>
          [statement.Resource]
            .flat()
            .map((resource: unknown) => `${statement.Effect} ${action} ${JSON.stringify(resource)}`),
        ),
    )
    .sort();
const allow = (actions: string[], resources: unknown[]): string[] =>
  actions.flatMap((action) => resources.map((resource) => `Allow ${action} ${JSON.stringify(resource)}`));
/** The configuration variables a function's own source reads, once each, sorted. */
const variablesReadBy = (entry: string): string[] =>
  [...new Set(readFileSync(join(REPOSITORY_ROOT, entry), 'utf8').match(/\bCAMVAULT_[A-Z0-9_]+\b/g))].sort();
const statementsWith = (role: IConstruct, action: string): any[] =>
  ofType('AWS::IAM::Policy')
    .filter(([, policy]) =>
      policy.Properties.Roles.some((r: unknown) => JSON.stringify(r) === JSON.stringify(ref(role))),
    )
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
    .filter((statement: any) => [statement.Action].flat().includes(action));

describe('the topic', () => {
  test('is encrypted with a key of its own, rotated yearly, whose policy leaves access to IAM', () => {
    const { key, topic } = notifications();
    expect(resourceOf(topic).Properties).toEqual({
      DisplayName: 'camvault events',
      KmsMasterKeyId: arnOf(key),
    });
    const keyResource = resourceOf(key);
    expect(keyResource.Properties.EnableKeyRotation).toBe(true);
    // The account's default statement only: who may use the key is what IAM policies say (see Notify).
    expect(keyResource.Properties.KeyPolicy.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'kms:*',
        Principal: {
          AWS: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
            ],
          },
        },
        Resource: '*',
      },
    ]);
    // Nothing the key encrypts outlives the stack: it is scheduled for deletion with it.
    expect(keyResource.DeletionPolicy).toBe('Delete');
  });

  test('refuses publishes without TLS and allows nobody else', () => {
    const policy = only('AWS::SNS::TopicPolicy').Properties;
    expect(policy.Topics).toEqual([ref(notifications().topic)]);
    expect(policy.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Principal: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });

  test('e-mails exactly the configured addresses', () => {
    const emails = ofType('AWS::SNS::Subscription')
      .filter(([, subscription]) => subscription.Properties.Protocol === 'email')
      .map(([, subscription]) => {
        expect(subscription.Properties.TopicArn).toEqual(ref(notifications().topic));
        return subscription.Properties.Endpoint;
      });
    expect(emails.sort()).toEqual([...EMAILS].sort());
  });

  test('has the only subscriptions this stack makes: the e-mails and the webhook', () => {
    expect(
      ofType('AWS::SNS::Subscription')
        .map(([, subscription]) => subscription.Properties.Protocol)
        .sort(),
    ).toEqual(['email', 'email', 'lambda']);
  });
});

/** The stream's event source mapping of one function. */
const mappingOf = (fn: IConstruct) => {
  const found = ofType('AWS::Lambda::EventSourceMapping').filter(
    ([, mapping]) => JSON.stringify(mapping.Properties.FunctionName) === JSON.stringify(ref(fn)),
  );
  expect(found).toHaveLength(1);
  return (found[0] as [string, Resource])[1].Properties;
};

describe('Notify', () => {
  const mapping = () => mappingOf(notifications().notify.function);

  test('reads the table stream from its start, in batches, retrying, bisecting, reporting failed items', () => {
    const { notify, notifyFailures } = notifications();
    const { FilterCriteria: _filters, ...properties } = mapping();
    expect(properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [idOf(stack.storage.table), 'StreamArn'] },
      FunctionName: ref(notify.function),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumRetryAttempts: 10,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(notifyFailures) } },
    });
  });

  const patterns = (): unknown[] =>
    (mapping().FilterCriteria.Filters as { Pattern: string }[]).map((filter) => JSON.parse(filter.Pattern));

  test('is invoked only for an audit entry inserted', () => {
    expect(patterns()).toEqual([
      { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['audit'] } } } },
    ]);
  });

  describe('the filters drop no change that is an event, and the changes that are none', () => {
    /** Lambda's event filtering, for patterns made of exact values only (all these filters use). */
    const matches = (pattern: unknown, value: unknown): boolean => {
      if (Array.isArray(pattern)) return pattern.includes(value);
      if (typeof pattern !== 'object' || pattern === null) throw new Error('not an exact-value pattern');
      return (
        typeof value === 'object' &&
        value !== null &&
        Object.entries(pattern).every(([key, inner]) =>
          matches(inner, (value as Record<string, unknown>)[key]),
        )
      );
    };
    const invokes = (change: TableChange) => {
      const record = {
        eventName: change.eventName,
        dynamodb: change.newImage
          ? { NewImage: marshall(change.newImage, { removeUndefinedValues: true }) }
          : {},
      };
      return patterns().some((pattern) => matches(pattern, record));
    };

    const at = '2026-11-29T09:12:00.000Z';
    const context = { newId: () => 'entry-1' } as unknown as CoreContext;
    const plate: FileRecord = {
      fileId: '0b7c3c8e-2a57-4a43-9d0e-5b1e7e6f0a11',
      key: 'fixtures/plate a.mcam',
      name: 'fixtures/Plate A.mcam',
      version: 3,
      sizeBytes: 10,
      sha256: 'a'.repeat(64),
      modifiedAt: at,
      modifiedBy: 'prog1',
      lock: { user: 'prog2', lockId: 'L1', acquiredAt: at, message: 'fixing post', expiresAt: null },
      released: null,
    };
    const entry = (record: AuditRecord): Item => auditToItem(record, 0);
    const version = versionToItem({
      fileId: plate.fileId,
      version: 4,
      name: plate.name,
      sizeBytes: 11,
      sha256: 'b'.repeat(64),
      createdAt: at,
      user: 'prog2',
      message: 'new roughing toolpath',
      lockId: 'L1',
      releases: [],
    });
    const upload = uploadToItem(
      {
        uploadId: 'U1',
        key: plate.key,
        name: plate.name,
        fileId: plate.fileId,
        user: 'prog2',
        lockId: 'L1',
        sizeBytes: 11,
        sha256: 'b'.repeat(64),
        createdAt: at,
        expiresAt: at,
        stagedUntil: at,
        committedVersion: null,
        method: 'PUT',
        stagedAtBlob: false,
        partSizeBytes: 11,
        partCount: 1,
        assemblyId: null,
        verifiedParts: 0,
        hashState: null,
        blobMarkedAt: at,
        blobReferenced: false,
        abandonedAt: null,
        sweptAt: null,
      },
      1_800_000_000,
    );
    const change = { user: 'prog2', message: '', at };
    const entries: [string, Item][] = [
      ['a checkout', entry(checkedOut(context, plate, at))],
      ['a check-in', entry(checkedIn(context, plate, { ...change, lockId: 'L1', version: 4 }))],
      ['an undo', entry(lockReleased(context, plate, 'L1', at))],
      [
        'a break',
        entry(lockBroken(context, plate, { admin: 'boss', previousOwner: 'prog2', lockId: 'L1', at })),
      ],
      ['a move', entry(moved(context, plate, { ...plate, name: 'plates/A.mcam' }, change))],
      ['a delete', entry(deleted(context, plate, change))],
      ['a restore', entry(restored(context, plate, change))],
      ['a release', entry(fileReleased(context, plate, { ...change, user: 'lead1', version: 4 }))],
      ['a withdrawal', entry(releaseWithdrawn(context, plate, { ...change, user: 'lead1', version: 4 }))],
      ['a request', entry(checkoutRequested(context, plate, { ...change, user: 'prog3', holder: 'prog2' }))],
      [
        'a rule set',
        entry(ruleChanged(context, { prefix: 'customers/', user: 'boss', read: ['leads'], write: [], at })),
      ],
      [
        'a rule removed',
        entry(ruleChanged(context, { prefix: 'customers/', user: 'boss', read: null, write: null, at })),
      ],
    ];
    const rules = rulesToItem({
      version: 1,
      rules: new Map([['customers/', { prefix: 'customers/', read: ['leads'], write: [] }]]),
    });
    const others: [string, TableChange['eventName'], Item | undefined][] = [
      ['a file item put', 'INSERT', fileToItem(plate)],
      ['a file item changed', 'MODIFY', fileToItem({ ...plate, lock: null })],
      ['a file item deleted', 'REMOVE', undefined],
      ['a version inserted', 'INSERT', version],
      ['an upload staged', 'INSERT', upload],
      ['an upload committed', 'MODIFY', { ...upload, committedVersion: 4 }],
      ['an upload expired by TTL', 'REMOVE', undefined],
      ['the folder rules put', 'INSERT', rules],
      ['the folder rules changed', 'MODIFY', { ...rules, version: 2 }],
      ['an audit entry modified (never happens)', 'MODIFY', entry(checkedOut(context, plate, at))],
    ];

    test.each(entries)('%s: its entry is an event, and reaches the function', (_, item) => {
      const inserted = { eventName: 'INSERT' as const, newImage: item };
      expect(eventFromChange(inserted)).not.toBeNull();
      expect(invokes(inserted)).toBe(true);
    });

    test.each(others)('%s: no event, and the function is not invoked', (_, eventName, newImage) => {
      const other = { eventName, newImage };
      expect({ event: eventFromChange(other), invokes: invokes(other) }).toEqual({
        event: null,
        invokes: false,
      });
    });

    test('the cases above include every kind of event', () => {
      const types = entries.map(([, item]) => eventFromChange({ eventName: 'INSERT', newImage: item })?.type);
      expect(new Set(types)).toEqual(new Set(EVENT_TYPES));
    });
  });

  test('may read the stream, send to its failure queue, publish to the topic and use its key through SNS: nothing else', () => {
    const { notify, notifyFailures, topic, key } = notifications();
    expect(permissionsOf(notify.role)).toEqual(
      [
        ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arnOf(notify.logGroup)]),
        ...allow(
          ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          [{ 'Fn::GetAtt': [idOf(stack.storage.table), 'StreamArn'] }],
        ),
        // ListStreams names no resource: IAM accepts only "*" for it.
        ...allow(['dynamodb:ListStreams'], ['*']),
        ...allow(['sqs:SendMessage'], [arnOf(notifyFailures)]),
        ...allow(['sns:Publish'], [ref(topic)]),
        ...allow(['kms:Decrypt', 'kms:GenerateDataKey'], [arnOf(key)]),
      ].sort(),
    );
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
      expect(statementsWith(notify.role, action)).toEqual([
        expect.objectContaining({
          Condition: {
            StringEquals: {
              'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
            },
          },
        }),
      ]);
    }
  });

  test('is told the topic, and nothing of the table or the bucket it does not use', () => {
    const variables = resourceOf(notifications().notify.function).Properties.Environment.Variables;
    expect(variablesReadBy(backgroundFunctions.notify.entry)).toEqual(['CAMVAULT_TOPIC_ARN']);
    expect(variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      CAMVAULT_LOG_LEVEL: 'INFO',
      CAMVAULT_TOPIC_ARN: ref(notifications().topic),
    });
  });
});

describe('DeliverNotifications', () => {
  test('reads the same stream as Notify, with the same filters, retries and a failure queue of its own', () => {
    const { deliver, deliverFailures, notify } = notifications();
    const { FilterCriteria, ...properties } = mappingOf(deliver.function);
    expect(properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [idOf(stack.storage.table), 'StreamArn'] },
      FunctionName: ref(deliver.function),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumRetryAttempts: 10,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(deliverFailures) } },
    });
    expect(FilterCriteria).toEqual(mappingOf(notify.function).FilterCriteria);
  });

  test('reads the table and its byGroup index, puts and deletes items, reads the stream: nothing else', () => {
    const { deliver, deliverFailures } = notifications();
    const table = { 'Fn::GetAtt': [idOf(stack.storage.table), 'Arn'] };
    expect(permissionsOf(deliver.role)).toEqual(
      [
        ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arnOf(deliver.logGroup)]),
        ...allow(
          ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          [{ 'Fn::GetAtt': [idOf(stack.storage.table), 'StreamArn'] }],
        ),
        ...allow(['dynamodb:ListStreams'], ['*']),
        ...allow(['sqs:SendMessage'], [arnOf(deliverFailures)]),
        ...allow(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], [table]),
        ...allow(['dynamodb:Query'], [{ 'Fn::Join': ['', [table, '/index/byGroup']] }]),
      ].sort(),
    );
  });
});

describe('SendMailDigests', () => {
  const digests = () => {
    const { mailDigests } = stack;
    if (!mailDigests) throw new Error('mailFrom is set: the digests are deployed');
    return mailDigests;
  };

  test('runs every digestMinutes, not retried, within the rate, with what its source reads', () => {
    const { send, schedule } = digests();
    expect(resourceOf(schedule).Properties).toMatchObject({
      ScheduleExpression: 'rate(10 minutes)',
      State: 'ENABLED',
      Targets: [
        expect.objectContaining({ Arn: arnOf(send.function), RetryPolicy: { MaximumRetryAttempts: 0 } }),
      ],
    });
    const properties = resourceOf(send.function).Properties;
    expect(properties.Timeout).toBeLessThan(10 * 60);
    expect(properties.Environment.Variables).toMatchObject({
      CAMVAULT_TABLE: ref(stack.storage.table),
      CAMVAULT_USER_POOL_ID: ref(stack.identity.userPool),
      CAMVAULT_MAIL_FROM: MAIL_FROM,
    });
    expect(
      Object.keys(properties.Environment.Variables)
        // Every function has the shared logger's level; the rest is what its own source reads.
        .filter((name) => name.startsWith('CAMVAULT_') && name !== 'CAMVAULT_LOG_LEVEL')
        .sort(),
    ).toEqual(variablesReadBy(backgroundFunctions.sendMailDigests.entry));
    const [invokeConfig] = ofType('AWS::Lambda::EventInvokeConfig').filter(
      ([, config]) => JSON.stringify(config.Properties.FunctionName) === JSON.stringify(ref(send.function)),
    );
    expect(invokeConfig?.[1].Properties.MaximumRetryAttempts).toBe(0);
  });

  test('finds due mail on byGroup, marks it, reads users from the pool, sends as mailFrom only', () => {
    const { send } = digests();
    const table = { 'Fn::GetAtt': [idOf(stack.storage.table), 'Arn'] };
    expect(permissionsOf(send.role)).toEqual(
      [
        ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arnOf(send.logGroup)]),
        ...allow(['dynamodb:UpdateItem'], [table]),
        ...allow(['dynamodb:Query'], [{ 'Fn::Join': ['', [table, '/index/byGroup']] }]),
        ...allow(['cognito-idp:AdminGetUser'], [arnOf(stack.identity.userPool)]),
        ...allow(
          ['ses:SendEmail'],
          [
            {
              'Fn::Join': [
                '',
                ['arn:aws:ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/*'],
              ],
            },
          ],
        ),
      ].sort(),
    );
    expect(statementsWith(send.role, 'ses:SendEmail').map((statement) => statement.Condition)).toEqual([
      { StringEquals: { 'ses:FromAddress': MAIL_FROM } },
    ]);
  });

  test('the feeds and every route are told to mark notifications due by mail', () => {
    const variables = resourceOf(notifications().deliver.function).Properties.Environment.Variables;
    expect(variables.CAMVAULT_EMAIL_NOTIFICATIONS).toBe('true');
  });
});

describe('Webhook', () => {
  test('is subscribed to the topic; what SNS cannot hand it goes to its dead-letter queue', () => {
    const { fn, deadLetters } = webhook();
    const [, subscription] = ofType('AWS::SNS::Subscription').find(
      ([, candidate]) => candidate.Properties.Protocol === 'lambda',
    ) as [string, Resource];
    expect(subscription.Properties).toEqual({
      Protocol: 'lambda',
      Endpoint: arnOf(fn.function),
      TopicArn: ref(notifications().topic),
      RedrivePolicy: { deadLetterTargetArn: arnOf(deadLetters) },
    });
    const invokers = ofType('AWS::Lambda::Permission').filter(
      ([, permission]) =>
        JSON.stringify(permission.Properties.FunctionName) === JSON.stringify(arnOf(fn.function)),
    );
    expect(invokers.map(([, permission]) => permission.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(fn.function),
        Principal: 'sns.amazonaws.com',
        SourceArn: ref(notifications().topic),
      },
    ]);
  });

  test('is retried twice, then the event goes to the dead-letter queue', () => {
    const { fn, deadLetters } = webhook();
    const [invokeConfig] = ofType('AWS::Lambda::EventInvokeConfig').filter(
      ([, config]) => JSON.stringify(config.Properties.FunctionName) === JSON.stringify(ref(fn.function)),
    );
    expect(invokeConfig?.[1].Properties).toEqual({
      FunctionName: ref(fn.function),
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(deadLetters) } },
    });
  });

  test('may read its secret and send to its dead-letter queue: nothing else', () => {
    const { fn, deadLetters, secret } = webhook();
    expect(permissionsOf(fn.role)).toEqual(
      [
        ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arnOf(fn.logGroup)]),
        ...allow(['secretsmanager:GetSecretValue'], [ref(secret)]),
        ...allow(['sqs:SendMessage'], [arnOf(deadLetters)]),
      ].sort(),
    );
  });

  test('reads the URL from the secret; the secret starts with a placeholder the function refuses to post to', () => {
    const { fn, secret } = webhook();
    const variables = resourceOf(fn.function).Properties.Environment.Variables;
    expect(variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      CAMVAULT_LOG_LEVEL: 'INFO',
      CAMVAULT_WEBHOOK_SECRET_ARN: ref(secret),
    });
    // The URL variable is for local mode; on AWS the function reads the secret, and refuses a non-https value.
    expect(variablesReadBy(backgroundFunctions.webhook.entry)).toEqual([
      'CAMVAULT_WEBHOOK_SECRET_ARN',
      'CAMVAULT_WEBHOOK_URL',
    ]);
    const source = readFileSync(join(REPOSITORY_ROOT, backgroundFunctions.webhook.entry), 'utf8');
    expect(source).toContain("SecretString?.startsWith('https://')");
    const secretResource = resourceOf(secret);
    expect(secretResource.Properties).toEqual({
      Description: expect.stringContaining('webhook URL'),
      SecretString: WEBHOOK_SECRET_PLACEHOLDER,
    });
    expect(WEBHOOK_SECRET_PLACEHOLDER.startsWith('https://')).toBe(false);
    expect(secretResource.DeletionPolicy).toBe('Delete');
  });
});

describe('the background functions', () => {
  test.each(['notify', 'webhook'] as const)(
    '%s: arm64, current Node.js, source maps, own log group',
    (name) => {
      const fn = name === 'notify' ? notifications().notify : webhook().fn;
      expect(resourceOf(fn.function).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: ref(fn.logGroup) },
      });
      expect(resourceOf(fn.logGroup).Properties.RetentionInDays).toBe(30);
    },
  );
});

describe('the failure queues', () => {
  /** SQS-encrypted, kept 14 days, refusing plain HTTP; sendable by the given topic's SNS and nobody else by policy. */
  const expectFailureQueue = (queue: IConstruct, snsSource: IConstruct | null) => {
    expect(resourceOf(queue).Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    const [, policy] = ofType('AWS::SQS::QueuePolicy').find(
      ([, candidate]) => JSON.stringify(candidate.Properties.Queues) === JSON.stringify([ref(queue)]),
    ) as [string, Resource];
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    expect(statements.filter((statement) => statement.Effect === 'Deny')).toEqual([
      expect.objectContaining({
        Action: 'sqs:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual(
      snsSource
        ? [
            expect.objectContaining({
              Action: 'sqs:SendMessage',
              Principal: { Service: 'sns.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': ref(snsSource) } },
            }),
          ]
        : [],
    );
  };

  test("Notify's: encrypted, 14 days, TLS only", () => {
    expectFailureQueue(notifications().notifyFailures, null);
  });

  test("Webhook's: encrypted, 14 days, TLS only, and the topic's SNS may send to it", () => {
    expectFailureQueue(webhook().deadLetters, notifications().topic);
  });
});

test('the stack outputs the topic, the failure queues and the webhook secret', () => {
  const { topic, notifyFailures } = notifications();
  const { deadLetters, secret } = webhook();
  template.hasOutput('TopicArn', { Value: ref(topic) });
  template.hasOutput('NotifyFailureQueueUrl', { Value: ref(notifyFailures) });
  template.hasOutput('WebhookDeadLetterQueueUrl', { Value: ref(deadLetters) });
  template.hasOutput('WebhookSecretArn', { Value: ref(secret) });
});

describe('with the default settings', () => {
  let plain: VaultStack;
  let plainResources: Record<string, Resource>;

  beforeAll(() => {
    plain = createVaultApp({ context: { 'aws:cdk:bundling-stacks': [] }, nag: false }).stack;
    plainResources = Template.fromStack(plain).toJSON().Resources;
  });

  const types = () => Object.values(plainResources).map((resource) => resource.Type);

  test('the topic, Notify and DeliverNotifications are there, with no subscription', () => {
    expect(types().filter((type) => type === 'AWS::SNS::Topic')).toHaveLength(1);
    expect(types().filter((type) => type === 'AWS::Lambda::EventSourceMapping')).toHaveLength(2);
    expect(types()).not.toContain('AWS::SNS::Subscription');
  });

  test('no webhook: no function, no secret, no dead-letter queue, no outputs for them', () => {
    expect(plain.notifications.webhook).toBeNull();
    expect(types()).not.toContain('AWS::SecretsManager::Secret');
    // The sweeper's own (it is not retried), and no other.
    expect(types().filter((type) => type === 'AWS::Lambda::EventInvokeConfig')).toHaveLength(1);
    // The stream consumers' failure queues only.
    expect(types().filter((type) => type === 'AWS::SQS::Queue')).toHaveLength(2);
    const outputs = Object.keys(Template.fromStack(plain).toJSON().Outputs);
    expect(outputs).toEqual(
      expect.arrayContaining(['TopicArn', 'NotifyFailureQueueUrl', 'DeliverFailureQueueUrl']),
    );
    expect(outputs).not.toEqual(expect.arrayContaining(['WebhookSecretArn']));
    expect(outputs).not.toEqual(expect.arrayContaining(['WebhookDeadLetterQueueUrl']));
  });

  test('no mailFrom: no digests, no schedule, and no notification is marked due by mail', () => {
    expect(plain.mailDigests).toBeNull();
    // Rules there are (staged parts arrived, the sweeper's hour), but none mails digests.
    const rules = Object.values(plainResources).filter((resource) => resource.Type === 'AWS::Events::Rule');
    expect(rules.map((rule) => rule.Properties.Description)).not.toContain(
      'camvault: mail the notification digests',
    );
    const deliver =
      plainResources[
        plain.getLogicalId(plain.notifications.deliver.function.node.defaultChild as CfnElement)
      ];
    expect(deliver?.Properties.Environment.Variables.CAMVAULT_EMAIL_NOTIFICATIONS).toBe('false');
  });
});
