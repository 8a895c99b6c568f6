/**
 * The web page on AWS: a private bucket that only CloudFront may read (origin access control), a
 * distribution that serves it over HTTPS with strict security headers, and the page itself deployed
 * into the bucket at deploy time with its config.json (API URL, Cognito domain and app client).
 *
 * The page is bundled during synth (web/build.ts, local esbuild, offline, ~0.1 s). The deployment is
 * CDK's BucketDeployment, whose custom-resource function lives in a nested stack of its own: the
 * vault stack's template keeps only the vault's functions, and the nested one holds the deployment
 * machinery and its CDK-made role.
 */
import { join } from 'node:path';
import {
  BOOTSTRAP_QUALIFIER_CONTEXT,
  CfnParameter,
  DefaultStackSynthesizer,
  Duration,
  NestedStack,
  RemovalPolicy,
  Stack,
  Stage,
  Validations,
} from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  type IDistribution,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { writeWeb } from '../../web/build';
import {
  DEFAULT_NOTIFICATIONS_POLL_SECONDS,
  DEFAULT_POLL_SECONDS,
  type WebConfig,
} from '../../web/src/web-config';
import type { VaultSettings } from './settings';

export interface VaultWebHostingProps {
  /** Where the page bucket's S3 access logs go (under `web/`). */
  accessLogsBucket: IBucket;
  /** The API's base URL, for config.json. */
  apiUrl: string;
  /** The public app client the page signs in with (authorization code + PKCE). */
  clientId: string;
  /** The hosted login's base URL, or null when the deployment has no `authDomainPrefix`. */
  hostedLoginUrl: string | null;
  /** The hosted login's domain prefix, for the page's Content-Security-Policy. */
  authDomainPrefix: string | null;
}

/** Which web settings the deployment gave; those it did not follow the distribution's origin. */
export interface GivenWebSettings {
  webOrigin: boolean;
  callbackUrls: boolean;
  logoutUrls: boolean;
}

const isGiven = (value: unknown): boolean =>
  value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');

/** Reads from CDK context which of `webOrigin`, `callbackUrls` and `logoutUrls` were set. */
export const givenWebSettings = (read: (key: string) => unknown): GivenWebSettings => ({
  webOrigin: isGiven(read('webOrigin')),
  callbackUrls: isGiven(read('callbackUrls')),
  logoutUrls: isGiven(read('logoutUrls')),
});

/**
 * The browser origin the API's and the blob bucket's CORS allow, and where Cognito may send the
 * browser back: as configured, or, where nothing was configured, the distribution's own origin
 * (`hostedOrigin`, e.g. `https://d111111abcdef8.cloudfront.net`).
 */
export const webEndpoints = (
  settings: Pick<VaultSettings, 'webOrigin' | 'callbackUrls' | 'logoutUrls'>,
  given: GivenWebSettings,
  hostedOrigin: string,
): Pick<VaultSettings, 'webOrigin' | 'callbackUrls' | 'logoutUrls'> => {
  const webOrigin = given.webOrigin ? settings.webOrigin : hostedOrigin;
  // The settings' own defaults derive the URLs from webOrigin; without one, they derive from the distribution.
  const callbackUrls = given.callbackUrls || given.webOrigin ? settings.callbackUrls : [`${hostedOrigin}/`];
  const logoutUrls =
    given.logoutUrls || given.callbackUrls || given.webOrigin ? settings.logoutUrls : callbackUrls;
  return { webOrigin, callbackUrls, logoutUrls };
};

/** The page's Content-Security-Policy: its own scripts and styles, and calls to the vault's AWS endpoints only. */
export const contentSecurityPolicy = (region: string, authDomainPrefix: string | null): string => {
  // Host wildcards, not the API's and the bucket's exact names: those resources allow the distribution's
  // origin in their CORS, so naming them here would make a dependency cycle.
  const connect = [
    "'self'",
    `https://*.execute-api.${region}.amazonaws.com`,
    `https://*.s3.${region}.amazonaws.com`,
    ...(authDomainPrefix ? [`https://${authDomainPrefix}.auth.${region}.amazoncognito.com`] : []),
  ];
  return [
    "default-src 'none'",
    // hash-wasm compiles its WebAssembly from bytes in the bundle.
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
};

export class VaultWebHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly headers: ResponseHeadersPolicy;
  readonly content: WebContent;
  /** The page's origin, `https://<distribution domain>`. */
  readonly origin: string;
  /** The page's URL. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: VaultWebHostingProps) {
    super(scope, id);
    const region = Stack.of(this).region;

    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // It holds only the built page, which every deploy writes again; the deployment empties it on delete.
      removalPolicy: RemovalPolicy.DESTROY,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'web/',
    });

    this.headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'camvault web page: CSP, HSTS, no framing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy(region, props.authDomainPrefix),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        // The address bar holds the sign-in code for a moment: never send it elsewhere.
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'camvault web page',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        // HTTPS only: plain HTTP gets nothing but a redirect to HTTPS.
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        compress: true,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Remote programmers work from anywhere; the page is public code and every API call needs a token.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static public files only; the API has its own throttling, and WAF would bill monthly for little.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason: 'The page is static public code; every API call is logged by the API access log.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason: 'The default *.cloudfront.net certificate cannot pin TLS 1.2; a custom domain would.',
      },
    );
    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/`;

    const config: WebConfig = {
      mode: 'cognito',
      apiUrl: props.apiUrl,
      pollSeconds: DEFAULT_POLL_SECONDS,
      notificationsPollSeconds: DEFAULT_NOTIFICATIONS_POLL_SECONDS,
      cognito: { domain: props.hostedLoginUrl, clientId: props.clientId, region },
    };
    this.content = new WebContent(this, 'Content', {
      bucket: this.bucket,
      distribution: this.distribution,
      config,
    });
  }
}

interface WebContentProps {
  bucket: IBucket;
  distribution: IDistribution;
  config: WebConfig;
}

/** The CDK assets bucket a BucketDeployment reads from, as cdk-nag prints it. */
const assetsBucketEvidence = (scope: Construct): string =>
  DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace(
    /\$\{Qualifier\}/,
    scope.node.tryGetContext(BOOTSTRAP_QUALIFIER_CONTEXT) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER,
  ).replace(/\$\{(AWS::\w+)\}/g, '<$1>');

/**
 * The page's files and config.json, copied into the bucket at every deploy, then CloudFront's cache
 * flushed. The bucket and the distribution come in as parameters of this nested stack.
 */
export class WebContent extends NestedStack {
  readonly deployment: BucketDeployment;

  constructor(scope: Construct, id: string, props: WebContentProps) {
    super(scope, id, {
      description: 'camvault: deploys the web page into its bucket',
      parameters: {
        SiteBucketName: props.bucket.bucketName,
        DistributionId: props.distribution.distributionId,
        DistributionDomainName: props.distribution.distributionDomainName,
      },
    });
    const parameter = (name: string) => new CfnParameter(this, name, { type: 'String' }).valueAsString;
    const bucket = Bucket.fromBucketName(this, 'Site', parameter('SiteBucketName'));
    const distribution = Distribution.fromDistributionAttributes(this, 'Distribution', {
      distributionId: parameter('DistributionId'),
      domainName: parameter('DistributionDomainName'),
    });

    // Built into the cloud assembly's directory: each synth (and each test's app) has its own.
    const directory = join(Stage.of(this)?.outdir ?? '.', 'camvault-web');
    writeWeb(directory);
    this.deployment = new BucketDeployment(this, 'Deploy', {
      sources: [Source.asset(directory), Source.jsonData('config.json', props.config)],
      destinationBucket: bucket,
      distribution,
      distributionPaths: ['/*'],
      // Small files, fetched again when changed (ETag): a new deploy is seen at once.
      cacheControl: [CacheControl.noCache()],
      prune: true,
      retainOnDelete: false,
      memoryLimit: 256,
    });

    // CDK's own deployment function, with the role and runtime CDK gives it.
    const why = (what: string) => `CDK's BucketDeployment function: ${what}.`;
    Validations.of(this.deployment.handlerRole).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: why('CDK attaches the basic execution policy so that it can write its own logs'),
      },
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: why(
          'CDK grants these on the assets bucket and the page bucket, to copy the page and list stale files',
        ),
      })),
      ...['s3:DeleteObject*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: why('CDK grants these on the page bucket only, to replace and prune the page files'),
      })),
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${assetsBucketEvidence(this)}/*]`,
        reason: why('it reads the page asset, whose key is a content hash, from the CDK assets bucket'),
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<SiteBucketName>/*]',
        reason: why('it writes every object of the page bucket, which holds nothing but the page'),
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: why('CDK grants invalidation on every distribution; it invalidates only this one'),
      },
    );
    // The function's L2 construct, which holds the CfnFunction cdk-nag checks.
    const handler = this.node.findAll().find((construct) => construct instanceof CfnFunction)?.node.scope;
    if (handler)
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-L1',
        reason: why('aws-cdk-lib chooses and updates its runtime, not this app'),
      });
  }
}
