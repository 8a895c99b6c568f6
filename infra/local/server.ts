/**
 * The local HTTP front: API Gateway's part (route, JWT, event) done here, then the very handler
 * Lambda runs. Used by `npm start` and by the end-to-end tests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { lfsAuthorizerContext } from '#shared/auth/lfs-credentials';
import type { HttpEvent, HttpResult } from '#shared/http/route';
import { jsonResponse } from '#shared/http/route';
import { DEFAULT_ROUTE_TIMEOUT_SECONDS, type RouteDefinition } from '../routes';
import {
  type AuthorizerResult,
  buildEvent,
  createRouter,
  decodePath,
  decodePathParameters,
  splitRequestTarget,
} from './api-gateway';
import { verifyBearerToken } from './jwt';

export type LambdaHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** API Gateway refuses payloads over 10 MB; nothing the contract accepts comes near 1 MiB. */
const MAX_REQUEST_BYTES = 1024 * 1024;

export const REPOSITORY_ROOT = join(__dirname, '..', '..');

/** Loads each route's exported `handler`: the same module Lambda runs. Configuration must be in the environment first. */
export const loadHandlers = (routes: RouteDefinition[]): Map<string, LambdaHandler> =>
  new Map(routes.map((route) => [route.id, loadHandler<LambdaHandler>(route.entry)]));

/** The `handler` a function's entry exports, loaded as Lambda loads it. */
export const loadHandler = <Handler>(entry: string): Handler =>
  require(join(REPOSITORY_ROOT, entry)).handler as Handler;

/** The Lambda context a function gets; `functionId` is its id in the route table, `timeoutSeconds` its time limit. */
export const lambdaContext = (
  functionId: string,
  timeoutSeconds = DEFAULT_ROUTE_TIMEOUT_SECONDS,
): Context => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `camvault-${functionId}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:camvault-${functionId}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/camvault-${functionId}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

const gatewayError = (response: ServerResponse, status: number, code: string, message: string): void => {
  send(response, jsonResponse({ status, body: { error: { code, message } } }));
};

const send = (response: ServerResponse, result: HttpResult): void => {
  response.writeHead(result.statusCode ?? 200, { ...(result.headers as Record<string, string>) });
  response.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
};

const readBody = async (request: IncomingMessage): Promise<Buffer | null> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};

const bearerToken = (request: IncomingMessage): string | null => {
  const match = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1] ?? null;
};

/** A GET page outside the contract; it sees the request (who asks, from where). */
export type ExtraPage = (request: IncomingMessage) => {
  status?: number;
  contentType: string;
  body: string | Buffer;
};

export interface LocalApiOptions {
  routes: RouteDefinition[];
  handlers: Map<string, LambdaHandler>;
  jwtSecret: string;
  /** Extra GET pages outside the contract (the OpenAPI document, the web page). */
  extraPages?: Map<string, ExtraPage>;
}

export const createLocalApi = (options: LocalApiOptions) => {
  const match = createRouter(options.routes);
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // The path exactly as sent: `new URL()` would resolve `.`/`..` segments (`%2E` ones too) and so
    // act on another file than the one named (contract v2, "The path is read as sent").
    const { rawPath, rawQueryString } = splitRequestTarget(request.url ?? '/');
    const method = request.method ?? 'GET';
    const pagePath = method === 'GET' ? decodePath(rawPath) : null;
    const page = pagePath !== null ? options.extraPages?.get(pagePath) : undefined;
    if (page) {
      const { status = 200, contentType, body } = page(request);
      response.writeHead(status, {
        'content-type': contentType,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      return void response.end(body);
    }
    // Routes match on the raw segments, so a path that does not decode still picks its route and a
    // missing token is 401 before the path is 400.
    const matched = match(method, rawPath);
    if (!matched) return gatewayError(response, 404, 'NOT_FOUND', `no route ${method} ${rawPath}`);

    let authorizer: AuthorizerResult = null;
    if (matched.route.authenticated && matched.route.authorizer === 'lfs') {
      // As the LFS routes' Lambda authorizer does on AWS: a verdict for the handler, never a refusal here.
      authorizer = {
        lambda: await lfsAuthorizerContext(request.headers.authorization, (token) =>
          verifyBearerToken(token, options.jwtSecret),
        ),
      };
    } else if (matched.route.authenticated) {
      const token = bearerToken(request);
      const verified = token
        ? await verifyBearerToken(token, options.jwtSecret)
        : { error: 'missing bearer token' };
      if ('error' in verified) return gatewayError(response, 401, 'UNAUTHORIZED', verified.error);
      authorizer = { jwt: verified.claims };
    }
    const pathParameters = decodePathParameters(matched.rawPathParameters);
    if (pathParameters === null)
      return gatewayError(response, 400, 'BAD_REQUEST', 'the path is not valid percent-encoding');
    const body = await readBody(request);
    if (body === null) return gatewayError(response, 413, 'PAYLOAD_TOO_LARGE', 'request body is too large');

    const event = buildEvent({ request, rawPath, rawQueryString, matched, pathParameters, authorizer, body });
    const handler = options.handlers.get(matched.route.id);
    if (!handler) throw new Error(`no handler loaded for route ${matched.route.id}`);
    send(response, await handler(event, lambdaContext(matched.route.id, matched.route.timeoutSeconds)));
  };
};

export const listen = async (
  api: ReturnType<typeof createLocalApi>,
  host: string,
  port: number,
): Promise<{ server: Server; url: string }> => {
  const server = createServer((request, response) => {
    api(request, response).catch(() => {
      if (!response.headersSent) gatewayError(response, 500, 'INTERNAL', 'local gateway failure');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: boundPort } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { server, url: `http://${shownHost}:${boundPort}` };
};
