/**
 * The Git LFS routes' Lambda authorizer (AWS only) against a Cognito-compatible user pool
 * (cognito-local): it verifies the pool's RS256 tokens with the pool's keys, sent as Bearer or as a
 * Basic password, and hands the handler a verdict it turns into the caller, or into a 401. It runs
 * here as Lambda runs it: the module loaded with the stack's environment, its handler called with
 * API Gateway's authorizer event. (API Gateway's own part, no identity source and no caching, is
 * checked in the CDK template: test/cdk/vault-stack.test.ts.)
 */
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { devToken } from '#infra/local/jwt';
import { lfsCaller } from '#shared/http/lfs-route';
import type { HttpEvent } from '#shared/http/route';
import { startUserPool, type UserPool } from '../support/cognito';

let pool: UserPool;
let clientId: string;
let otherClientId: string;
let anaToken: string;
let otherClientToken: string;
let handler: (event: APIGatewayRequestAuthorizerEventV2) => Promise<{ isAuthorized: boolean; context: any }>;

const signIn = async (username: string, temporaryPassword: string, appClient: string): Promise<string> => {
  const cognito = new CognitoIdentityProviderClient({
    endpoint: pool.endpoint,
    region: pool.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const first = await cognito.send(
    new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: appClient,
      AuthParameters: { USERNAME: username, PASSWORD: temporaryPassword },
    }),
  );
  const answered = await cognito.send(
    new RespondToAuthChallengeCommand({
      ClientId: appClient,
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: first.Session,
      ChallengeResponses: { USERNAME: username, NEW_PASSWORD: 'A-new-password-1' },
    }),
  );
  cognito.destroy();
  return answered.AuthenticationResult?.AccessToken as string;
};

const authorize = (authorization?: string) =>
  handler({
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/$default/POST/lfs/cam/locks',
    identitySource: [],
    routeKey: 'POST /lfs/{lfsPath+}',
    rawPath: '/lfs/cam/locks',
    rawQueryString: '',
    headers: authorization === undefined ? {} : { authorization },
    requestContext: {},
  } as unknown as APIGatewayRequestAuthorizerEventV2);

const basic = (password: string) => `Basic ${Buffer.from(`anything:${password}`).toString('base64')}`;

/** What the handler makes of the verdict, as API Gateway hands it over in `requestContext.authorizer.lambda`. */
const callerFrom = (context: unknown) =>
  lfsCaller({ requestContext: { authorizer: { lambda: context } } } as unknown as HttpEvent);

beforeAll(async () => {
  pool = await startUserPool();
  clientId = await pool.createAppClient('git');
  otherClientId = await pool.createAppClient('another app');
  await pool.createUser('ana', ['programmers', 'leads'], 'Temp-password-1');
  await pool.createUser('bob', ['leads'], 'Temp-password-2');
  anaToken = await signIn('ana', 'Temp-password-1', clientId);
  otherClientToken = await signIn('bob', 'Temp-password-2', otherClientId);
  process.env.CAMVAULT_COGNITO_ISSUER = pool.issuer;
  process.env.CAMVAULT_COGNITO_CLIENT_IDS = clientId;
  ({ handler } = await import('#functions/lfs-authorizer'));
}, 60_000);
afterAll(() => pool?.stop());

test('a pool token as Basic password or as Bearer names the caller and their groups; the handler takes the verdict', async () => {
  const token = anaToken;
  for (const authorization of [basic(token), `Bearer ${token}`]) {
    const verdict = await authorize(authorization);
    expect(verdict).toEqual({
      isAuthorized: true,
      context: { user: expect.any(String), groups: JSON.stringify(['leads', 'programmers']) },
    });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
    expect(verdict.context.user).toBe(claims.username);
    expect(callerFrom(verdict.context)).toEqual({ user: claims.username, groups: ['leads', 'programmers'] });
  }
});

test.each<[string, () => string | undefined, RegExp]>([
  ['no credentials', () => undefined, /credentials are required/],
  ['a password that is no token', () => basic('hunter2'), /malformed token/],
  [
    'a dev token (HS256), which only the local server takes',
    () => basic(devToken('ana', { admin: true, secret: 'camvault-dev-secret', ttlSeconds: 600 })),
    /RS256/,
  ],
  ['a token of another app client', () => basic(otherClientToken), /another app client/],
  [
    'a token whose claims were changed after signing',
    () => {
      const [header, payload, signature] = anaToken.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const forged = Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['admins'] })).toString(
        'base64url',
      );
      return basic(`${header}.${forged}.${signature}`);
    },
    /bad token signature/,
  ],
  ['another scheme', () => 'Digest username="ana"', /Bearer <token> or Basic/],
])('%s: a verdict the handler answers with 401', async (_, authorization, reason) => {
  const verdict = await authorize(authorization());
  expect(verdict.isAuthorized).toBe(true);
  expect(verdict.context).toEqual({ refusal: expect.stringMatching(reason) });
  expect(() => callerFrom(verdict.context)).toThrow(expect.objectContaining({ status: 401 }));
});
