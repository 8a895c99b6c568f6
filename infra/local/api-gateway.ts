/**
 * What API Gateway's HTTP API does in front of the Lambda handlers, done locally: match the route,
 * verify the JWT, and build the payload format 2.0 event, claims included.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LfsAuthorizerContext } from '#shared/auth/lfs-credentials';
import type { HttpEvent } from '#shared/http/route';
import type { RouteDefinition } from '../routes';
import type { Claims } from './jwt';

/** What the route's authorizer found, as API Gateway hands it to Lambda: JWT claims, or a Lambda authorizer's context. */
export type AuthorizerResult = { jwt: Claims } | { lambda: LfsAuthorizerContext } | null;

export interface MatchedRoute {
  route: RouteDefinition;
  /** The path parameters as they were sent, still percent-encoded; `decodePathParameters` decodes them. */
  rawPathParameters: Record<string, string>;
}

type RouteSegment =
  | { kind: 'literal'; text: string }
  | { kind: 'parameter'; name: string }
  | { kind: 'greedy'; name: string };

/** A route's path in API Gateway's syntax, as segments; a greedy `{name+}` may only come last. */
const compile = (path: string): RouteSegment[] => {
  if (!path.startsWith('/')) throw new Error(`route path ${path} must start with /`);
  const segments = path
    .slice(1)
    .split('/')
    .map((segment): RouteSegment => {
      const parameter = /^\{(\w+)(\+?)\}$/.exec(segment);
      if (!parameter?.[1]) return { kind: 'literal', text: segment };
      return { kind: parameter[2] ? 'greedy' : 'parameter', name: parameter[1] };
    });
  if (segments.slice(0, -1).some((segment) => segment.kind === 'greedy')) {
    throw new Error(`route path ${path}: a greedy parameter must be its last segment`);
  }
  return segments;
};

const decoded = (text: string): string | null => {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
};

/** The raw path's parameters for this route, or null when the route does not match it. */
const matchSegments = (pattern: RouteSegment[], sent: string[]): Record<string, string> | null => {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of pattern.entries()) {
    if (segment.kind === 'greedy') {
      // The rest of the path exactly as sent: `.`, `..` and empty segments included, so that the
      // handler's rules answer 400 for them instead of the path being resolved to another name.
      const rest = sent.slice(index).join('/');
      if (rest === '') return null;
      parameters[segment.name] = rest;
      return parameters;
    }
    const part = sent[index];
    if (part === undefined) return null;
    if (segment.kind === 'literal') {
      if (decoded(part) !== segment.text) return null;
    } else {
      if (part === '') return null;
      parameters[segment.name] = part;
    }
  }
  return sent.length === pattern.length ? parameters : null;
};

/**
 * Matches a request on its raw path, exactly as sent (`splitRequestTarget`): segment by segment, nothing
 * resolved or decoded first, so `/checkout/x/../y.mcam` is the name `x/../y.mcam` (a 400), never
 * `y.mcam`, and a `%0A` or U+2028 in a name reaches the handler's rules like any other character.
 */
export const createRouter = (routes: RouteDefinition[]) => {
  const compiled = routes.map((route) => ({ route, pattern: compile(route.path) }));
  return (method: string, rawPath: string): MatchedRoute | null => {
    if (!rawPath.startsWith('/')) return null;
    const sent = rawPath.slice(1).split('/');
    for (const { route, pattern } of compiled) {
      if (route.method !== method) continue;
      const rawPathParameters = matchSegments(pattern, sent);
      if (rawPathParameters) return { route, rawPathParameters };
    }
    return null;
  };
};

/**
 * The path parameters percent-decoded, as API Gateway hands them to Lambda (`{name+}` too);
 * `undefined` when the route has none, null when one is not valid percent-encoded UTF-8.
 */
export const decodePathParameters = (
  rawPathParameters: Record<string, string>,
): Record<string, string> | undefined | null => {
  const entries = Object.entries(rawPathParameters);
  if (entries.length === 0) return undefined;
  const parameters: Record<string, string> = {};
  for (const [name, raw] of entries) {
    const value = decoded(raw);
    if (value === null) return null;
    parameters[name] = value;
  }
  return parameters;
};

/**
 * The request target's path and query exactly as sent: no dot-segment removal, no re-encoding (what
 * `new URL()` would do). An absolute-form target (`http://host/path`) is read from its path.
 */
export const splitRequestTarget = (target: string): { rawPath: string; rawQueryString: string } => {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?]*/i.exec(target)?.[0] ?? '';
  const rest = target.slice(origin.length);
  const question = rest.indexOf('?');
  const rawPath = question < 0 ? rest : rest.slice(0, question);
  return {
    rawPath: origin && rawPath === '' ? '/' : rawPath,
    rawQueryString: question < 0 ? '' : rest.slice(question + 1),
  };
};

/** The raw path percent-decoded, or null when it is not valid percent-encoded UTF-8. */
export const decodePath = (rawPath: string): string | null => decoded(rawPath);

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
  /** The path exactly as sent. */
  rawPath: string;
  rawQueryString: string;
  matched: MatchedRoute;
  /** The decoded path parameters (`decodePathParameters`). */
  pathParameters: Record<string, string> | undefined;
  authorizer: AuthorizerResult;
  body: Buffer;
}): HttpEvent => {
  const { request, rawPath, rawQueryString, matched, pathParameters, authorizer, body } = input;
  const method = request.method ?? 'GET';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  // API Gateway says how the client came in; the local server speaks plain HTTP.
  headers['x-forwarded-proto'] = 'http';
  // A Map, not assignments to an object: `?__proto__=x` must stay a parameter (an unknown one, 400).
  const repeated = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const earlier = repeated.get(name);
    repeated.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  const query: Record<string, string> = Object.fromEntries(repeated);
  const routeKey = `${matched.route.method} ${matched.route.path}`;
  const now = new Date();
  const isText = body.length === 0 || TEXT_BODY.test(headers['content-type'] ?? 'application/json');
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer:
        authorizer === null
          ? undefined
          : 'jwt' in authorizer
            ? {
                principalId: '',
                integrationLatency: 0,
                jwt: { claims: flattenClaims(authorizer.jwt), scopes: [] },
              }
            : { principalId: '', integrationLatency: 0, lambda: authorizer.lambda },
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: decodePath(rawPath) ?? rawPath,
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
