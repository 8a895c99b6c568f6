import type { Context } from 'aws-lambda';
import { badRequest } from '#shared/errors';
import { type HttpEvent, httpRoute, publicRoute } from '#shared/http/route';
import { logger } from '#shared/logger';

const context = { awsRequestId: 'lambda-request-id' } as Context;
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.secret-token-payload.signature';
const eventFor = (claims: Record<string, string> | undefined): HttpEvent =>
  ({
    routeKey: 'GET /files',
    headers: { authorization: `Bearer ${TOKEN}` },
    requestContext: {
      requestId: 'gateway-request-id',
      authorizer: claims ? { jwt: { claims, scopes: [] } } : undefined,
    },
  }) as unknown as HttpEvent;

let logged: string[];
beforeEach(() => {
  logged = [];
  logger.setLogLevel('INFO');
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk) => {
      logged.push(String(chunk));
      return true;
    });
  }
});
afterEach(() => {
  jest.restoreAllMocks();
  logger.setLogLevel('SILENT');
});

test('an unexpected error is a 500 naming only a request id, logged with that id and no secrets', async () => {
  const handler = httpRoute(async () => {
    throw new Error('connect ECONNREFUSED dynamodb internals');
  });
  const response = await handler(eventFor({ sub: 'alice' }), context);
  expect(response.statusCode).toBe(500);
  const body = JSON.parse(response.body as string);
  expect(body).toEqual({
    error: { code: 'INTERNAL', message: expect.any(String), requestId: 'gateway-request-id' },
  });
  expect(body.error.message).not.toContain('ECONNREFUSED');
  const output = logged.join('');
  expect(output).toContain('gateway-request-id');
  expect(output).toContain('ECONNREFUSED');
  expect(output).not.toContain(TOKEN);
});

test('a domain error keeps its status, code and message', async () => {
  const handler = httpRoute(async () => {
    throw badRequest('limit: must be an integer from 1 to 1000');
  });
  const response = await handler(eventFor({ sub: 'alice' }), context);
  expect(response.statusCode).toBe(400);
  expect(JSON.parse(response.body as string)).toEqual({
    error: { code: 'BAD_REQUEST', message: 'limit: must be an integer from 1 to 1000' },
  });
  expect(response.headers).toMatchObject({
    'content-type': 'application/json; charset=utf-8',
    'x-content-type-options': 'nosniff',
  });
});

test('authenticated routes refuse an event without claims before running their logic', async () => {
  const logic = jest.fn();
  const response = await httpRoute(logic)(eventFor(undefined), context);
  expect(response.statusCode).toBe(401);
  expect(logic).not.toHaveBeenCalled();
});

test('public routes run without claims, and each request is logged once with its status', async () => {
  const response = await publicRoute(async () => ({ status: 200, body: { ok: true } }))(
    eventFor(undefined),
    context,
  );
  expect(response.statusCode).toBe(200);
  const lines = logged
    .join('')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(lines).toEqual([
    expect.objectContaining({ message: 'request', status: 200, requestId: 'gateway-request-id' }),
  ]);
});
