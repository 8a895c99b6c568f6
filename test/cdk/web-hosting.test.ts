/**
 * The web page's hosting in the synthesized templates: a private bucket read by CloudFront alone
 * (origin access control), HTTPS with strict headers, the page and its config.json deployed by the
 * nested stack, and the API's CORS and Cognito's return URLs following the distribution when no
 * webOrigin is configured. One stack for the whole file, built offline as `cdk synth` builds it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { createVaultApp } from '../../infra/cdk/vault-app';
import type { VaultStack } from '../../infra/cdk/vault-stack';
import { contentSecurityPolicy, webEndpoints } from '../../infra/cdk/web-hosting';

/** No webOrigin, no callbackUrls: both follow the distribution. */
const CONTEXT = {
  'aws:cdk:bundling-stacks': [],
  stackName: 'CamvaultWebTest',
  authDomainPrefix: 'camvault-web-test',
};

type Resource = { Type: string; Properties?: any; DeletionPolicy?: string };

let outdir: string;
let stack: VaultStack;
let parent: Record<string, Resource>;
let nested: Record<string, Resource>;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'camvault-web-synth-'));
  stack = createVaultApp({ outdir, context: CONTEXT, nag: false }).stack;
  parent = Template.fromStack(stack).toJSON().Resources;
  nested = Template.fromStack(stack.web.content).toJSON().Resources;
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const idOf = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const ofType = (resources: Record<string, Resource>, type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);
const only = (resources: Record<string, Resource>, type: string): Resource => {
  const found = ofType(resources, type);
  expect(found).toHaveLength(1);
  return (found[0] as [string, Resource])[1];
};

const domainName = () => ({ 'Fn::GetAtt': [idOf(stack.web.distribution), 'DomainName'] });
const distributionOrigin = () => ({ 'Fn::Join': ['', ['https://', domainName()]] });
/** `https://<distribution domain>/`: the page's URL and Cognito's return URL. */
const distributionUrl = () => ({ 'Fn::Join': ['', ['https://', domainName(), '/']] });

describe('the page bucket', () => {
  test('private, encrypted, logged, with no fixed name and no website endpoint', () => {
    const bucket = parent[idOf(stack.web.bucket)] as Resource;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: idOf(stack.storage.accessLogsBucket) },
        LogFilePrefix: 'web/',
      },
    });
    expect(bucket.Properties.BucketName).toBeUndefined();
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
  });

  test('only this distribution may read it, and only over TLS', () => {
    const [, policy] = ofType(parent, 'AWS::S3::BucketPolicy').find(
      ([, candidate]) =>
        JSON.stringify(candidate.Properties.Bucket) === JSON.stringify({ Ref: idOf(stack.web.bucket) }),
    ) as [string, Resource];
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': ['', expect.arrayContaining([{ Ref: idOf(stack.web.distribution) }])],
            },
          },
        },
      }),
    ]);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    );
  });
});

describe('the distribution', () => {
  test('serves index.html at / from the bucket through origin access control, HTTPS only', () => {
    const config = only(parent, 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
    expect(config).toMatchObject({
      DefaultRootObject: 'index.html',
      HttpVersion: 'http2and3',
      DefaultCacheBehavior: {
        ViewerProtocolPolicy: 'redirect-to-https',
        AllowedMethods: ['GET', 'HEAD'],
        Compress: true,
        ResponseHeadersPolicyId: { Ref: idOf(stack.web.headers) },
      },
    });
    expect(config.Origins).toEqual([
      expect.objectContaining({
        DomainName: { 'Fn::GetAtt': [idOf(stack.web.bucket), 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [expect.any(String), 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      }),
    ]);
    const [oacId] = ofType(parent, 'AWS::CloudFront::OriginAccessControl')[0] as [string, Resource];
    expect(config.Origins[0].OriginAccessControlId['Fn::GetAtt'][0]).toBe(oacId);
    expect(
      only(parent, 'AWS::CloudFront::OriginAccessControl').Properties.OriginAccessControlConfig,
    ).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    // No legacy origin access identity anywhere.
    expect(ofType(parent, 'AWS::CloudFront::CloudFrontOriginAccessIdentity')).toEqual([]);
  });

  test('sends a strict Content-Security-Policy, HSTS, no framing and no referrer', () => {
    const headers = only(parent, 'AWS::CloudFront::ResponseHeadersPolicy').Properties
      .ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(headers).toMatchObject({
      StrictTransportSecurity: {
        AccessControlMaxAgeSec: 31_536_000,
        IncludeSubdomains: true,
        Override: true,
      },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    });
    const csp = (headers.ContentSecurityPolicy.ContentSecurityPolicy['Fn::Join'][1] as unknown[])
      .map((part) => (typeof part === 'string' ? part : '<region>'))
      .join('');
    expect(csp).toBe(contentSecurityPolicy('<region>', 'camvault-web-test'));
    expect(csp.split('; ')).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "connect-src 'self' https://*.execute-api.<region>.amazonaws.com https://*.s3.<region>.amazonaws.com https://camvault-web-test.auth.<region>.amazoncognito.com",
      ]),
    );
  });
});

describe('without a configured webOrigin, the page’s origin is the distribution’s', () => {
  test('the API allows CORS from it alone', () => {
    expect(only(parent, 'AWS::ApiGatewayV2::Api').Properties.CorsConfiguration.AllowOrigins).toEqual([
      distributionOrigin(),
    ]);
  });

  test('the blob bucket lets it PUT and GET through presigned URLs', () => {
    const rules = (parent[idOf(stack.storage.bucket)] as Resource).Properties.CorsConfiguration.CorsRules;
    expect(rules).toEqual([expect.objectContaining({ AllowedOrigins: [distributionOrigin()] })]);
  });

  test('Cognito sends the browser back to it after sign-in and sign-out', () => {
    const back = distributionUrl();
    expect(only(parent, 'AWS::Cognito::UserPoolClient').Properties).toMatchObject({
      AllowedOAuthFlows: ['code'],
      CallbackURLs: [back],
      LogoutURLs: [back],
    });
  });

  test('the stack prints the page’s URL', () => {
    Template.fromStack(stack).hasOutput('WebUrl', {
      Value: distributionUrl(),
    });
  });
});

describe('webEndpoints: configured values win, the rest follow the distribution', () => {
  const settings = {
    webOrigin: 'https://vault.example.com',
    callbackUrls: ['https://vault.example.com/'],
    logoutUrls: ['https://vault.example.com/'],
  };
  const hosted = 'https://d111.cloudfront.net';

  test.each([
    [
      'nothing configured',
      { webOrigin: false, callbackUrls: false, logoutUrls: false },
      { webOrigin: hosted, callbackUrls: [`${hosted}/`], logoutUrls: [`${hosted}/`] },
    ],
    ['a webOrigin configured', { webOrigin: true, callbackUrls: false, logoutUrls: false }, settings],
    [
      'only callback URLs configured',
      { webOrigin: false, callbackUrls: true, logoutUrls: false },
      { webOrigin: hosted, callbackUrls: settings.callbackUrls, logoutUrls: settings.logoutUrls },
    ],
  ])('%s', (_, given, expected) => {
    expect(webEndpoints(settings, given, hosted)).toEqual(expected);
  });
});

describe('the deployment (nested stack)', () => {
  const deployment = () => only(nested, 'Custom::CDKBucketDeployment').Properties;
  const parentParameter = (name: string) =>
    only(parent, 'AWS::CloudFormation::Stack').Properties.Parameters[name] as unknown;
  /** A nested-stack value as the parent stack fills it in. */
  const resolved = (value: any): unknown =>
    value?.Ref && parentParameter(value.Ref) !== undefined ? parentParameter(value.Ref) : value;

  test('copies the page into the page bucket, prunes stale files and flushes CloudFront’s cache', () => {
    expect(deployment()).toMatchObject({
      DestinationBucketName: { Ref: 'SiteBucketName' },
      DistributionId: { Ref: 'DistributionId' },
      DistributionPaths: ['/*'],
      Prune: true,
      RetainOnDelete: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    expect(parentParameter('SiteBucketName')).toEqual({ Ref: idOf(stack.web.bucket) });
    expect(parentParameter('DistributionId')).toEqual({ Ref: idOf(stack.web.distribution) });
  });

  test('deploys the bundle built during synth: index.html, app.js, app.css, hash-worker.js', () => {
    const [pageKey] = deployment().SourceObjectKeys as string[];
    const asset = join(outdir, `asset.${pageKey?.replace(/\.zip$/, '')}`);
    for (const file of ['index.html', 'app.js', 'app.css', 'hash-worker.js'])
      expect(existsSync(join(asset, file))).toBe(true);
    expect(readFileSync(join(asset, 'index.html'), 'utf8')).toContain('<script type="module" src="app.js">');
  });

  test('writes config.json: Cognito mode, this API, this app client and hosted login', () => {
    const [, configKey] = deployment().SourceObjectKeys as string[];
    const markers = (deployment().SourceMarkers as Record<string, unknown>[])[1] as Record<string, unknown>;
    const text = readFileSync(
      join(outdir, `asset.${configKey?.replace(/\.zip$/, '')}`, 'config.json'),
      'utf8',
    );
    const config = JSON.parse(text);
    // Each deploy-time value where its marker stands, as the deployment puts it back.
    const value = (field: string) =>
      field
        .split(/(<<marker:0xbaba:\d+>>)/)
        .filter(Boolean)
        .map((part) => (part in markers ? resolved(markers[part]) : part));
    expect(config.mode).toBe('cognito');
    expect(config.pollSeconds).toBe(5);
    expect(config.notificationsPollSeconds).toBe(30);
    expect(value(config.apiUrl)).toEqual([{ 'Fn::GetAtt': [idOf(stack.http.api), 'ApiEndpoint'] }]);
    expect(value(config.cognito.clientId)).toEqual([{ Ref: idOf(stack.identity.client) }]);
    expect(value(config.cognito.domain)).toEqual([
      'https://',
      { Ref: stack.getLogicalId(stack.identity.domain?.node.defaultChild as CfnElement) },
      '.auth.',
      { Ref: 'AWS::Region' },
      '.amazoncognito.com',
    ]);
  });

  test('the vault stack itself gains no function: the deployment’s function and role live in the nested stack', () => {
    expect(ofType(nested, 'AWS::Lambda::Function')).toHaveLength(1);
    expect(ofType(nested, 'AWS::IAM::Role')).toHaveLength(1);
    expect(ofType(parent, 'AWS::Lambda::Function').map(([id]) => id)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/BucketDeployment/)]),
    );
  });
});
