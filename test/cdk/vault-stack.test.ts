/**
 * The synthesized template, checked for what matters: routes and their authorizer, each function's
 * exact permissions and configuration, storage and identity settings. One stack for the whole file
 * (building one takes seconds), with every setting away from its default.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { parse } from 'yaml';
import { tableSchema } from '#shared/aws/dynamodb/table-schema';
import { loadConfig } from '#shared/config';
import { createVaultApp } from '../../infra/cdk/vault-app';
import { MIGRATION_TABLE_ACTIONS, REPOSITORY_ROOT, type VaultStack } from '../../infra/cdk/vault-stack';
import { routes } from '../../infra/routes';

const CONTEXT = {
  'aws:cdk:bundling-stacks': [],
  stackName: 'CamvaultTest',
  webOrigin: 'https://vault.example.com',
  callbackUrls: 'https://vault.example.com/callback,http://localhost:3000/',
  extensions: '.mcam,.emcam',
  urlTtlSeconds: '600',
  lockTtlSeconds: 86_400,
  maxUploadBytes: '1073741824',
  defaultRole: 'operators',
  releaseFourEyes: 'true',
  adminEmails: ['lead@example.com', 'second@example.com'],
  logLevel: 'debug',
  logRetentionDays: 30,
  authDomainPrefix: 'camvault-test',
  refreshTokenValidityDays: '14',
  notifyEmails: 'team@example.com',
  webhook: 'true',
};

let stack: VaultStack;
let template: Template;

beforeAll(() => {
  // cdk-nag has its own test (cdk-nag.test.ts); here a finding would only hide what is asserted.
  stack = createVaultApp({ context: CONTEXT, nag: false }).stack;
  template = Template.fromStack(stack);
});

type Resource = { Type: string; Properties?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string };

const idOf = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const ref = (construct: IConstruct) => ({ Ref: idOf(construct) });
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [idOf(construct), 'Arn'] });
const arnPlus = (construct: IConstruct, suffix: string) => ({ 'Fn::Join': ['', [arnOf(construct), suffix]] });

const handler = (routeId: string) => {
  const found = stack.functions.get(routeId);
  if (!found) throw new Error(`no function for route ${routeId}`);
  return found;
};
const resourceOf = (construct: IConstruct): Resource =>
  template.toJSON().Resources[idOf(construct)] as Resource;
const bucketProperties = (): Resource => resourceOf(stack.storage.bucket);
const functionResource = (routeId: string): Resource =>
  template.toJSON().Resources[idOf(handler(routeId).function)] as Resource;

const resourcesOfType = (type: string): [string, Resource][] =>
  Object.entries(template.findResources(type)) as [string, Resource][];

/** Every (effect, action, resource) a role's identity policies allow, one string each. */
const permissionsOf = (roleId: string): string[] =>
  resourcesOfType('AWS::IAM::Policy')
    .filter(([, policy]) =>
      policy.Properties.Roles.some(
        (role: unknown) => JSON.stringify(role) === JSON.stringify({ Ref: roleId }),
      ),
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

/** The logical id of the authorizer of this type: the JWT one, or (v2) the Git LFS routes' Lambda one. */
const authorizerOfType = (type: 'JWT' | 'REQUEST'): string => {
  const found = resourcesOfType('AWS::ApiGatewayV2::Authorizer').filter(
    ([, authorizer]) => authorizer.Properties.AuthorizerType === type,
  );
  expect(found).toHaveLength(1);
  return (found[0] as [string, Resource])[0];
};

describe('the HTTP API', () => {
  test.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s is routed to its own function, behind the JWT authorizer (the LFS one for Git LFS) unless public',
    (routeKey, route) => {
      const matches = resourcesOfType('AWS::ApiGatewayV2::Route').filter(
        ([, r]) => r.Properties.RouteKey === routeKey,
      );
      expect(matches).toHaveLength(1);
      const [, apiRoute] = matches[0] as [string, Resource];
      if (!route.authenticated) {
        expect(apiRoute.Properties.AuthorizationType).toBe('NONE');
        expect(apiRoute.Properties.AuthorizerId).toBeUndefined();
      } else if (route.authorizer === 'lfs') {
        expect(apiRoute.Properties).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: authorizerOfType('REQUEST') },
        });
      } else {
        expect(apiRoute.Properties).toMatchObject({
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: authorizerOfType('JWT') },
        });
      }
      const integrationId = apiRoute.Properties.Target['Fn::Join'][1][1].Ref;
      expect(template.toJSON().Resources[integrationId].Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: arnOf(handler(route.id).function),
        PayloadFormatVersion: '2.0',
      });
    },
  );

  test('serves exactly the routes of the published contract (docs/openapi.yaml)', () => {
    const openapi = parse(readFileSync(join(REPOSITORY_ROOT, 'docs/openapi.yaml'), 'utf8'));
    /** The greedy route that dispatches a documented operation, if one does (`serves`). */
    const servedBy = (operation: string) => routes.find((route) => route.serves?.includes(operation));
    const contract = [
      ...new Set(
        Object.entries(openapi.paths as Record<string, Record<string, { security?: unknown[] }>>).flatMap(
          ([path, operations]) =>
            Object.entries(operations)
              .filter(([method]) => method !== 'parameters')
              .map(([method, operation]) => {
                const greedy = servedBy(`${method.toUpperCase()} ${path}`);
                if (greedy) return `${greedy.method} ${greedy.path} CUSTOM`;
                // The contract's `{name}` is a whole remaining path, slashes included: API Gateway's `{name+}`.
                const routeKey = `${method.toUpperCase()} ${path.replace(/\{(name|prefix)\}/, '{$1+}')}`;
                return `${routeKey} ${operation.security?.length === 0 ? 'NONE' : 'JWT'}`;
              }),
        ),
      ),
    ].sort();
    const deployed = resourcesOfType('AWS::ApiGatewayV2::Route')
      .map(([, r]) => `${r.Properties.RouteKey} ${r.Properties.AuthorizationType}`)
      .sort();
    expect(deployed).toEqual(contract);
  });

  test('the JWT authorizer trusts the user pool as issuer and the app client as audience', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 2);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [ref(stack.identity.client)],
        Issuer: {
          'Fn::Join': [
            '',
            ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', ref(stack.identity.userPool)],
          ],
        },
      },
    });
  });

  test("(v2) the Git LFS routes' Lambda authorizer runs on every request, uncached, and trusts what the JWT authorizer trusts", () => {
    const [, authorizer] = resourcesOfType('AWS::ApiGatewayV2::Authorizer').find(
      ([id]) => id === authorizerOfType('REQUEST'),
    ) as [string, Resource];
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
      // No identity source: a request without credentials reaches it too (the handler answers 401).
      IdentitySource: [],
      AuthorizerResultTtlInSeconds: 0,
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(idOf(stack.lfsAuthorizer.function));
    const fn = (template.toJSON().Resources as Record<string, Resource>)[idOf(stack.lfsAuthorizer.function)];
    expect(fn?.Properties.Environment.Variables).toMatchObject({
      CAMVAULT_COGNITO_ISSUER: { 'Fn::GetAtt': [idOf(stack.identity.userPool), 'ProviderURL'] },
      CAMVAULT_COGNITO_CLIENT_IDS: ref(stack.identity.client),
    });
    // Only API Gateway may invoke it, and only as this authorizer.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(stack.lfsAuthorizer.function),
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
    // It reads nothing but the pool's public keys: no table, no bucket, only its own log group.
    expect(permissionsOf(idOf(stack.lfsAuthorizer.role))).toEqual(
      allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arnOf(stack.lfsAuthorizer.logGroup)]).sort(),
    );
  });

  test('allows CORS from the configured web origin only', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://vault.example.com'],
        AllowMethods: Match.arrayWith(['GET', 'POST', 'DELETE']),
        AllowHeaders: Match.arrayWith(['authorization', 'content-type']),
      },
    });
  });

  test('logs every request to its access log group, throttled', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: arnOf(stack.http.accessLogs),
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 30,
    });
  });
});

/** CDK's own function that runs triggers: one per stack, made by aws-cdk-lib/triggers. */
const TRIGGER_PROVIDER = 'AWSCDKTriggerCustomResourceProviderCustomResourceProviderHandler';

describe('least privilege', () => {
  test.each(routes.map((route) => [route.id, route] as const))(
    '%s may do exactly its route’s actions on exactly their resources',
    (routeId, route) => {
      const { table, bucket } = stack.storage;
      const fn = handler(routeId);
      const expected = [
        ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arnOf(fn.logGroup)]),
        ...allow(route.tableActions, [arnOf(table)]),
        ...allow(
          ['dynamodb:Query'],
          (route.queryIndexes ?? []).map((index) => arnPlus(table, `/index/${index}`)),
        ),
        ...allow(route.blobActions, [arnPlus(bucket, '/blobs/*')]),
        ...allow(route.stagingActions ?? [], [arnPlus(bucket, '/uploads/*')]),
        ...allow(route.bucketActions ?? [], [arnOf(bucket)]),
      ].sort();
      expect(permissionsOf(idOf(fn.role))).toEqual(expected);
    },
  );

  test('no role has a managed or inline policy, and no identity policy allows a wildcard action', () => {
    // The one exception is CDK's own: the provider that runs triggers (here, the migration) logs
    // through AWSLambdaBasicExecutionRole, and may invoke exactly the migration function.
    const triggerProvider = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) =>
      id.startsWith(TRIGGER_PROVIDER),
    );
    const providerRole = JSON.stringify(
      (template.toJSON().Resources as Record<string, Resource>)[triggerProvider ?? '']?.Properties?.Role,
    );
    for (const [id, role] of resourcesOfType('AWS::IAM::Role')) {
      if (providerRole.includes(`"${id}"`)) {
        expect(role.Properties.ManagedPolicyArns).toEqual([
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own substitution syntax
          { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' },
        ]);
        continue;
      }
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    }
    const actions = resourcesOfType('AWS::IAM::Policy').flatMap(([, policy]) =>
      policy.Properties.PolicyDocument.Statement.flatMap((statement: any) => [statement.Action].flat()),
    );
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action: string) => action.includes('*'))).toEqual([]);
  });

  test('the migration may work on the table and nothing else, and runs at each deployment before any route changes', () => {
    const { migrate, storage } = stack;
    expect(permissionsOf(idOf(migrate.role))).toEqual(
      [
        ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arnOf(migrate.logGroup)]),
        ...allow([...MIGRATION_TABLE_ACTIONS], [arnOf(storage.table)]),
      ].sort(),
    );
    const [triggerId, trigger] = Object.entries(template.findResources('Custom::Trigger'))[0] ?? [];
    expect(trigger?.Properties).toMatchObject({ HandlerArn: expect.anything() });
    // The trigger invokes the current version of the migration function, so each new bundle runs once.
    expect(JSON.stringify(trigger?.Properties.HandlerArn)).toContain(
      `${idOf(migrate.function).replace(/Function[0-9A-F]{8}$/, 'Function')}CurrentVersion`,
    );
    for (const route of routes) {
      const dependsOn = (template.toJSON().Resources as Record<string, { DependsOn?: string[] }>)[
        idOf(handler(route.id).function)
      ]?.DependsOn;
      expect({ route: route.id, waitsForMigration: dependsOn?.includes(triggerId as string) }).toEqual({
        route: route.id,
        waitsForMigration: true,
      });
    }
  });

  test('read routes are granted no write (GetUpload signs a staged single PUT afresh: its own upload key only)', () => {
    const writes = /^(dynamodb:(Put|Update|Delete|BatchWrite)|s3:(Put|Delete))/;
    for (const route of routes.filter((r) => r.method === 'GET')) {
      const granted = permissionsOf(idOf(handler(route.id).role)).filter((line) => {
        const [, action, resource] = line.split(' ');
        return (
          action && writes.test(action) && !(route.id === 'GetUpload' && resource?.includes('/uploads/*'))
        );
      });
      expect({ route: route.id, writes: granted }).toEqual({ route: route.id, writes: [] });
    }
  });

  test('only the routes that HEAD or list staged parts or blobs, and (v2) the Git LFS batch, may list the bucket (HeadObject then tells a missing object, 404, from a forbidden one, 403)', () => {
    const listing = routes
      .filter((route) =>
        permissionsOf(idOf(handler(route.id).role)).some((line) => line.includes(' s3:ListBucket ')),
      )
      .map((route) => route.id);
    expect(listing.sort()).toEqual(['AbandonUpload', 'Checkin', 'GetUpload', 'Lfs', 'UploadParts']);
    for (const routeId of listing)
      expect(
        permissionsOf(idOf(handler(routeId).role)).filter((line) => line.includes(' s3:ListBucket ')),
      ).toEqual(allow(['s3:ListBucket'], [arnOf(stack.storage.bucket)]));
  });

  test('the download route may sign GETs on blobs and nothing else in the bucket', () => {
    const s3 = permissionsOf(idOf(handler('Download').role)).filter((line) => line.includes(' s3:'));
    expect(s3).toEqual(allow(['s3:GetObject'], [arnPlus(stack.storage.bucket, '/blobs/*')]));
  });
});

describe('the functions', () => {
  /** Every variable the deployed code reads; the ones only the local server sets are named here. */
  const LOCAL_ONLY = new Set([
    'CAMVAULT_UNSIGNABLE_FILENAME_CHARACTERS',
    // Read with the Cognito verifier (shared/auth/): locally by the server, on AWS by the LFS authorizer alone.
    'CAMVAULT_COGNITO_ISSUER',
    'CAMVAULT_COGNITO_CLIENT_IDS',
  ]);
  const sourceFiles = (directory: string): string[] =>
    readdirSync(directory).flatMap((name) => {
      const path = join(directory, name);
      return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
    });
  // What the route handlers read: the shared code and their own entries (the background functions read their own).
  const variablesRead = [
    ...new Set(
      [
        ...sourceFiles(join(REPOSITORY_ROOT, 'shared')),
        ...routes.map((route) => join(REPOSITORY_ROOT, route.entry)),
      ].flatMap((file) => readFileSync(file, 'utf8').match(/\bCAMVAULT_[A-Z0-9_]+\b/g) ?? []),
    ),
  ].filter((variable) => !LOCAL_ONLY.has(variable));

  test.each(routes.map((route) => route.id))(
    '%s: arm64, current Node.js, source maps, own log group',
    (routeId) => {
      expect(functionResource(routeId).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: ref(handler(routeId).logGroup) },
        Environment: {
          Variables: expect.objectContaining({
            NODE_OPTIONS: '--enable-source-maps',
            CAMVAULT_LOG_LEVEL: 'DEBUG',
          }),
        },
      });
      expect(template.toJSON().Resources[idOf(handler(routeId).logGroup)].Properties.RetentionInDays).toBe(
        30,
      );
    },
  );

  test.each(routes.map((route) => route.id))(
    '%s: the time limit its route names (29 s unless a retry is safe)',
    (routeId) => {
      const route = routes.find((candidate) => candidate.id === routeId);
      expect(functionResource(routeId).Properties.Timeout).toBe(route?.timeoutSeconds ?? 29);
    },
  );

  test('only the check-in may work on past the gateway’s 30 s: it is idempotent, and the client asks again', () => {
    expect(routes.filter((route) => (route.timeoutSeconds ?? 29) > 29).map((route) => route.id)).toEqual([
      'Checkin',
    ]);
  });

  test('the code reads configuration the test knows about', () => {
    expect(variablesRead).toEqual(
      expect.arrayContaining(['CAMVAULT_TABLE', 'CAMVAULT_BUCKET', 'CAMVAULT_LOG_LEVEL']),
    );
  });

  test.each(routes.map((route) => route.id))(
    '%s: every variable the code reads is set, as configured',
    (routeId) => {
      const variables = functionResource(routeId).Properties.Environment.Variables as Record<string, unknown>;
      expect(Object.keys(variables)).toEqual(expect.arrayContaining(variablesRead));
      expect(variables).toMatchObject({
        CAMVAULT_TABLE: ref(stack.storage.table),
        CAMVAULT_BUCKET: ref(stack.storage.bucket),
      });
      // What the function itself will make of them at cold start:
      const config = loadConfig({
        ...(variables as Record<string, string>),
        CAMVAULT_TABLE: 't',
        CAMVAULT_BUCKET: 'b',
      });
      expect(config).toEqual({
        table: 't',
        bucket: 'b',
        extensions: ['.mcam', '.emcam'],
        urlTtlSeconds: 600,
        lockTtlSeconds: 86_400,
        maxUploadBytes: 1_073_741_824,
        multipartThresholdBytes: 100 * 1024 ** 2,
        uploadTtlSeconds: 7 * 24 * 3600,
        defaultRole: 'operators',
        releaseFourEyes: true,
        // No mailFrom in this stack: no digests, so nothing is marked due by mail.
        emailNotifications: false,
      });
    },
  );
});

describe('the table', () => {
  test('on demand, point-in-time recovery, deletion protection, TTL, a stream of both images', () => {
    const { partitionKey, sortKey, timeToLiveAttribute } = tableSchema;
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: Match.absent(),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
    });
  });

  test('has exactly the indexes of table-schema.ts, projecting everything', () => {
    const index = ({
      name,
      partitionKey,
      sortKey,
    }: {
      name: string;
      partitionKey: string;
      sortKey: string;
    }) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        index(tableSchema.filesIndex),
        index(tableSchema.locksIndex),
        index(tableSchema.groupsIndex),
      ],
    });
  });

  test('outlives the stack', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('the blob bucket', () => {
  test('private, encrypted, versioned, logged, retained, with no fixed name', () => {
    expect(bucketProperties()).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: ref(stack.storage.accessLogsBucket) },
      },
    });
    expect(bucketProperties().Properties.BucketName).toBeUndefined();
  });

  test('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(stack.storage.bucket),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('lets the web origin GET and PUT through presigned URLs', () => {
    expect(bucketProperties().Properties.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({
        AllowedOrigins: ['https://vault.example.com'],
        AllowedMethods: expect.arrayContaining(['GET', 'PUT']),
        AllowedHeaders: expect.arrayContaining(['x-amz-checksum-sha256']),
        ExposedHeaders: expect.arrayContaining(['etag']),
      }),
    ]);
  });

  test('keeps incomplete multipart uploads and staged parts a day past an upload’s 7 days, and expires old versions after 30 days', () => {
    expect(bucketProperties().Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 8 },
          Status: 'Enabled',
        }),
        expect.objectContaining({
          Prefix: 'uploads/',
          ExpirationInDays: 8,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          Status: 'Enabled',
        }),
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
      ]),
    );
  });
});

describe('the verifier of staged parts', () => {
  test('the bucket sends its events to EventBridge itself (no custom resource), and a rule hands staged parts’ to the verifier', () => {
    expect(bucketProperties().Properties.NotificationConfiguration).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
    expect(Object.keys(template.findResources('Custom::S3BucketNotifications'))).toEqual([]);
    const { rule, verify } = stack.uploadVerifier;
    expect(resourceOf(rule).Properties).toMatchObject({
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [ref(stack.storage.bucket)] }, object: { key: [{ prefix: 'uploads/' }] } },
      },
      State: 'ENABLED',
      Targets: [
        expect.objectContaining({ Arn: arnOf(verify.function), RetryPolicy: { MaximumRetryAttempts: 2 } }),
      ],
    });
  });

  test('runs long enough to verify parts ahead of the check-in, on a whole vCPU, with the routes’ configuration', () => {
    const { verify } = stack.uploadVerifier;
    const properties = resourceOf(verify.function).Properties;
    expect(properties).toMatchObject({ Timeout: 600, MemorySize: 1769 });
    expect(properties.Environment.Variables).toMatchObject({
      CAMVAULT_TABLE: ref(stack.storage.table),
      CAMVAULT_BUCKET: ref(stack.storage.bucket),
      CAMVAULT_UPLOAD_TTL_SECONDS: String(7 * 24 * 3600),
    });
  });

  test('may read uploads and move their verified prefix on, read staged parts and copy them into blobs, nothing more', () => {
    const { verify } = stack.uploadVerifier;
    const { table, bucket } = stack.storage;
    expect(permissionsOf(idOf(verify.role))).toEqual(
      [
        ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arnOf(verify.logGroup)]),
        ...allow(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], [arnOf(table)]),
        ...allow(['s3:PutObject'], [arnPlus(bucket, '/blobs/*')]),
        ...allow(['s3:GetObject'], [arnPlus(bucket, '/uploads/*')]),
        ...allow(['s3:ListBucket'], [arnOf(bucket)]),
      ].sort(),
    );
  });
});

describe('the sweeper', () => {
  test('runs every hour, not retried (the next run does what one left), with the routes’ configuration', () => {
    const { schedule, sweep } = stack.sweeper;
    expect(resourceOf(schedule).Properties).toMatchObject({
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [
        expect.objectContaining({ Arn: arnOf(sweep.function), RetryPolicy: { MaximumRetryAttempts: 0 } }),
      ],
    });
    const properties = resourceOf(sweep.function).Properties;
    expect(properties.Timeout).toBeLessThan(3600);
    expect(properties.Environment.Variables).toMatchObject({
      CAMVAULT_TABLE: ref(stack.storage.table),
      CAMVAULT_BUCKET: ref(stack.storage.bucket),
    });
  });

  test('may mark uploads and blob records, find candidates on byGroup, delete staged parts and blobs, nothing more', () => {
    const { sweep } = stack.sweeper;
    const { table, bucket } = stack.storage;
    expect(permissionsOf(idOf(sweep.role))).toEqual(
      [
        ...allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arnOf(sweep.logGroup)]),
        ...allow(['dynamodb:GetItem', 'dynamodb:UpdateItem'], [arnOf(table)]),
        ...allow(['dynamodb:Query'], [arnPlus(table, '/index/byGroup')]),
        ...allow(['s3:DeleteObject', 's3:AbortMultipartUpload'], [arnPlus(bucket, '/blobs/*')]),
        ...allow(['s3:DeleteObject'], [arnPlus(bucket, '/uploads/*')]),
        ...allow(['s3:ListBucket'], [arnOf(bucket)]),
      ].sort(),
    );
  });
});

describe('identity', () => {
  test('a user pool where only an administrator creates accounts, retained', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: Match.objectLike({ AllowAdminCreateUserOnly: true }),
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
        UserPoolName: Match.absent(),
      }),
    });
  });

  test('one public app client: password and SRP for the CLI, code flow for the web page', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith([
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_USER_SRP_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH',
      ]),
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: ['https://vault.example.com/callback', 'http://localhost:3000/'],
    });
  });

  test('sign-ins last the configured refresh-token validity; access tokens an hour; revocable', () => {
    template.hasResourceProperties(
      'AWS::Cognito::UserPoolClient',
      Match.objectLike({
        RefreshTokenValidity: 14 * 24 * 60,
        AccessTokenValidity: 60,
        IdTokenValidity: 60,
        TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
        EnableTokenRevocation: true,
        PreventUserExistenceErrors: 'ENABLED',
      }),
    );
  });

  test('an admins group holding the configured admin users', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admins' });
    for (const email of CONTEXT.adminEmails) {
      const [userId] = Object.keys(
        template.findResources('AWS::Cognito::UserPoolUser', { Properties: { Username: email } }),
      );
      expect(userId).toBeDefined();
      template.hasResourceProperties('AWS::Cognito::UserPoolUserToGroupAttachment', {
        GroupName: Match.anyValue(),
        Username: { Ref: userId },
      });
    }
    template.resourceCountIs('AWS::Cognito::UserPoolUserToGroupAttachment', CONTEXT.adminEmails.length);
  });

  test('a hosted-login domain when a prefix is configured', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'camvault-test' });
  });
});

describe('the stack as a whole', () => {
  test('outputs what a client needs', () => {
    for (const output of [
      'ApiUrl',
      'UserPoolId',
      'AppClientId',
      'BucketName',
      'TableName',
      'Region',
      'HostedLoginUrl',
      'TopicArn',
      'NotifyFailureQueueUrl',
      'DeliverFailureQueueUrl',
      'WebhookSecretArn',
      'WebhookDeadLetterQueueUrl',
    ]) {
      template.hasOutput(output, {});
    }
    template.hasOutput('TableName', { Value: ref(stack.storage.table) });
  });

  test('fixes no physical name, so two copies deploy side by side', () => {
    // The property that would give each kind of resource a fixed name.
    const nameProperty: Record<string, string> = {
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::S3::Bucket': 'BucketName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::Cognito::UserPool': 'UserPoolName',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::SecretsManager::Secret': 'Name',
    };
    const named = Object.entries(template.toJSON().Resources as Record<string, Resource>)
      .filter(([, resource]) => {
        const property = nameProperty[resource.Type];
        return property !== undefined && resource.Properties?.[property] !== undefined;
      })
      .map(([id]) => id);
    // One function per route, and the background functions (the webhook's is on in this stack).
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).sort()).toEqual(
      [
        ...routes.map((route) => handler(route.id).function),
        stack.notifications.notify.function,
        stack.notifications.deliver.function,
        stack.notifications.webhook?.function,
        stack.migrate.function,
        stack.lfsAuthorizer.function,
        stack.uploadVerifier.verify.function,
        stack.sweeper.sweep.function,
      ]
        .map((fn) => (fn ? idOf(fn) : 'missing'))
        .concat(
          Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
            id.startsWith(TRIGGER_PROVIDER),
          ),
        )
        .sort(),
    );
    expect(named).toEqual([]);
  });
});
