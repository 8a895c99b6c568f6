/**
 * The HTTP API: one route per entry of the route table, each behind Cognito's JWT authorizer unless the
 * contract says otherwise ((v2) the Git LFS routes are behind a Lambda authorizer that also reads HTTP
 * Basic), CORS for the web page's origin, and an access log of every request.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
  HttpUserPoolAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../routes';

export interface VaultApiProps {
  webOrigin: string;
  userPool: UserPool;
  client: UserPoolClient;
  logRetention: RetentionDays;
  /** (v2) The Git LFS routes' authorizer (functions/lfs-authorizer.ts). */
  lfsAuthorizer: IFunction;
}

/** Steady and burst request rates for the whole API: far above a team's use, well below a runaway loop's. */
export const THROTTLE = { rateLimit: 200, burstLimit: 400 };

/** One JSON line per request: who, what, how it ended; never a token, a body or a query string. */
const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  user: '$context.authorizer.claims.username',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
};

export class VaultApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  private readonly authorizer: HttpUserPoolAuthorizer;
  private readonly lfsAuthorizer: HttpLambdaAuthorizer;

  constructor(scope: Construct, id: string, props: VaultApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: 'camvault: check-out / check-in vault',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [props.webOrigin],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
      },
    });
    // Issuer: the user pool; audience: the app client (an access token's client_id, an ID token's aud).
    this.authorizer = new HttpUserPoolAuthorizer('Cognito', props.userPool, {
      userPoolClients: [props.client],
      identitySource: ['$request.header.Authorization'],
    });
    // (v2) Git sends its token as a Basic password, which the JWT authorizer cannot read. No identity
    // source, so that a request without credentials reaches the function too (and, through its
    // verdict, the handler's 401 with `LFS-Authenticate`); without one no result can be cached, and
    // the function keeps the pool's keys between invocations instead.
    this.lfsAuthorizer = new HttpLambdaAuthorizer('GitLfs', props.lfsAuthorizer, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });
  }

  /** The route the table describes, served by `handler`. */
  addRoute(route: RouteDefinition, handler: IFunction): void {
    const [httpRoute] = this.api.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${route.id}Integration`, handler),
      authorizer: !route.authenticated
        ? undefined
        : route.authorizer === 'lfs'
          ? this.lfsAuthorizer
          : this.authorizer,
    });
    if (!route.authenticated && httpRoute) {
      Validations.of(httpRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${route.method} ${route.path} is public by the API contract (authenticated: false in infra/routes.ts).`,
      });
    }
  }

  /** The base URL, without the trailing slash a stage URL has: clients append `/health` and the like. */
  get url(): string {
    // The stage is `$default`, served at the API's endpoint itself.
    return this.api.apiEndpoint;
  }
}
