import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { unauthorized } from '../errors';
import type { Caller } from '../model';

const USER_CLAIMS = ['username', 'cognito:username', 'sub'] as const;

/** API Gateway flattens an array claim into a string such as "[admins planners]". */
const groupsOf = (claim: unknown): string[] => {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string') return [];
  return claim
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter((group) => group !== '');
};

/** Who a verified token's claims name, or null when they name no user. */
export const callerFromClaims = (claims: Record<string, unknown>): Caller | null => {
  const user = USER_CLAIMS.map((claim) => claims[claim]).find(
    (value): value is string => typeof value === 'string' && value.trim() !== '',
  );
  return user ? { user, groups: groupsOf(claims['cognito:groups']) } : null;
};

/** Who is calling, from the verified token's claims alone (the gateway or the local server verified it). */
export const callerFromEvent = (event: APIGatewayProxyEventV2WithJWTAuthorizer): Caller => {
  const caller = callerFromClaims(event.requestContext.authorizer?.jwt?.claims ?? {});
  if (!caller) throw unauthorized('a valid bearer token naming a user is required');
  return caller;
};
