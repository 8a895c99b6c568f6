/**
 * What API Gateway's HTTP API does in front of the Lambda handlers, done locally: match the route,
 * verify the JWT, and build the payload format 2.0 event, claims included.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { HttpEvent } from '#shared/http/route';
import type { RouteDefinition } from '../routes';
import type { Claims } from './jwt';

export interface MatchedRoute {
  route: RouteDefinition;
  pathParameters: Record<string, string> | undefined;
}

const routePattern = (path: string): RegExp =>
  new RegExp(
    `^${path
      .split('/')
      .map((segment) => {
        const parameter = /^\{(\w+)(\+?)\}$/.exec(segment);
        if (!parameter) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        return parameter[2] ? `(?<${parameter[1]}>.+)` : `(?<${parameter[1]}>[^/]+)`;
      })
      .join('/')}$`,
  );

export const createRouter = (routes: RouteDefinition[]) => {
  const compiled = routes.map((route) => ({ route, pattern: routePattern(route.path) }));
  /** `path` is already percent-decoded, as API Gateway decodes it before matching. */
  return (method: string, path: string): MatchedRoute | null => {
    for (const { route, pattern } of compiled) {
      if (route.method !== method) continue;
      const match = pattern.exec(path);
      if (match) return { route, pathParameters: match.groups ? { ...match.groups } : undefined };
    }
    return null;
  };
};

/** API Gateway hands claims to Lambda as strings, arrays flattened to "[a b]". */
const flattenClaims = (claims: Claims): Record<string, string> =>
  Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      Array.isArray(value)
        ? `[${value.join(' ')}]`
        : typeof value === 'string'
          ? value
          : JSON.stringify(value),
    ]),
  );

const TEXT_BODY = /^(application\/(.+\+)?json|text\/|application\/x-www-form-urlencoded)/i;

export const buildEvent = (input: {
  request: IncomingMessage;
  path: string;
  rawQueryString: string;
  matched: MatchedRoute;
  claims: Claims | null;
  body: Buffer;
}): HttpEvent => {
  const { request, path, rawQueryString, matched, claims, body } = input;
  const method = request.method ?? 'GET';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  const routeKey = `${matched.route.method} ${matched.route.path}`;
  const now = new Date();
  const isText = body.length === 0 || TEXT_BODY.test(headers['content-type'] ?? 'application/json');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString,
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: matched.pathParameters,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: claims
        ? { principalId: '', integrationLatency: 0, jwt: { claims: flattenClaims(claims), scopes: [] } }
        : undefined,
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length === 0 ? undefined : isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !isText,
  } as HttpEvent;
};
