/**
 * (v2) The Lambda authorizer of the Git LFS routes on AWS. API Gateway's JWT authorizer reads only
 * `Bearer` tokens, and Git sends the token as a Basic password; this one verifies either against the
 * user pool's keys (`<issuer>/.well-known/jwks.json`, kept between invocations) exactly as the JWT
 * authorizer would. It never refuses: an HTTP API Lambda authorizer can refuse only with 403, and Git
 * asks its credential helper only on a 401 with `LFS-Authenticate`; so it hands its verdict to the
 * handler (`shared/http/lfs-route.ts`), which answers a caller it names, and 401 to any other.
 */
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { CognitoVerifier, readCognitoSettings } from '#shared/auth/cognito-jwt';
import { type LfsAuthorizerContext, lfsAuthorizerContext } from '#shared/auth/lfs-credentials';

const settings = readCognitoSettings(process.env);
if (!settings) throw new Error('CAMVAULT_COGNITO_ISSUER must be set: the user pool whose tokens to accept');
const verifier = new CognitoVerifier(settings);

export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<LfsAuthorizerContext>> => ({
  isAuthorized: true,
  context: await lfsAuthorizerContext(event.headers?.authorization, (token) => verifier.verify(token)),
});
