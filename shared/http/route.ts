/**
 * Every route's plumbing, as middy middleware: the caller from the token, JSON responses with the
 * contract's error bodies, security headers, and request-scoped structured logs.
 */
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { VaultError } from '../errors';
import { logger } from '../logger';
import type { Caller } from '../model';
import { callerFromEvent } from './caller';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;
export interface Reply {
  status: number;
  body: unknown;
}

const RESPONSE_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
};

export const jsonResponse = ({ status, body }: Reply): HttpResult => ({
  statusCode: status,
  headers: RESPONSE_HEADERS,
  body: JSON.stringify(body),
});

const requestIdOf = (event: HttpEvent, context: Context): string =>
  event.requestContext?.requestId || context.awsRequestId;

/** Domain errors keep their code and message; anything else is a 500 that names only a request id. */
export const errorReply = (error: unknown, requestId: string): Reply => {
  if (error instanceof VaultError) {
    return {
      status: error.status,
      body: { error: { code: error.code, message: error.message, ...error.details } },
    };
  }
  logger.error('unhandled error', { requestId, error: error as Error });
  return {
    status: 500,
    body: {
      error: { code: 'INTERNAL', message: `internal error; quote request id ${requestId}`, requestId },
    },
  };
};

/** Request-scoped logs, and `toResponse` for whatever the handler threw (the error handler, last). */
export const requestLog = (
  toResponse: (error: unknown, requestId: string) => HttpResult,
): middy.MiddlewareObj<HttpEvent, HttpResult> => {
  let startedAt = 0;
  return {
    before: ({ event, context }) => {
      startedAt = performance.now();
      logger.appendKeys({ requestId: requestIdOf(event, context), route: event.routeKey });
    },
    after: ({ response }) => {
      logger.info('request', { status: response?.statusCode, ms: Math.round(performance.now() - startedAt) });
      logger.resetKeys();
    },
    onError: (request) => {
      request.response = toResponse(request.error, requestIdOf(request.event, request.context));
      logger.info('request', {
        status: request.response.statusCode,
        ms: Math.round(performance.now() - startedAt),
      });
      logger.resetKeys();
    },
  };
};

const route = (authenticated: boolean, logic: (event: HttpEvent, caller: Caller) => Promise<Reply>) =>
  middy<HttpEvent, HttpResult>()
    .use(requestLog((error, requestId) => jsonResponse(errorReply(error, requestId))))
    .handler(async (event) => {
      // Nobody is identified on a public route; its logic never sees a caller.
      const caller = authenticated ? callerFromEvent(event) : { user: '', groups: [] };
      return jsonResponse(await logic(event, caller));
    });

/** A handler for a route behind the token: `logic` parses the event, calls the core, says what to answer. */
export const httpRoute = (logic: (event: HttpEvent, caller: Caller) => Promise<Reply>) => route(true, logic);

/** A handler for a route that needs no token. */
export const publicRoute = (logic: (event: HttpEvent) => Promise<Reply>) =>
  route(false, (event) => logic(event));
