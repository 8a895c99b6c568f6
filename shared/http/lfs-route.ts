/**
 * (v2) The plumbing of the Git LFS routes, in Git LFS's terms rather than the vault's: every response
 * (errors too) is `application/vnd.git-lfs+json`, an error body is `{ message }` (the spec's, which
 * the client prints), validation errors are 422, and a missing or bad credential is a 401 with
 * `LFS-Authenticate`, which makes Git ask its credential helper. A known caller who may not is 403:
 * git-lfs 3.3 answers a 401 that persists by asking again without end.
 */
import middy from '@middy/core';
import type * as z from 'zod/mini';
import { unauthorized, VaultError } from '../errors';
import { logger } from '../logger';
import type { Caller } from '../model';
import { MAX_BODY_BYTES } from './request';
import { type HttpEvent, type HttpResult, type Reply, requestLog } from './route';

export const LFS_MEDIA_TYPE = 'application/vnd.git-lfs+json';
export const LFS_AUTHENTICATE = 'Basic realm="camvault"';

const LFS_RESPONSE_HEADERS = {
  'content-type': `${LFS_MEDIA_TYPE}; charset=utf-8`,
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
};

/** An answer the LFS specification names that the vault's own codes do not (400, 406, 415, 422). */
export class LfsError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'LfsError';
  }
}

export const lfsResponse = ({ status, body }: Reply, headers: Record<string, string> = {}): HttpResult => ({
  statusCode: status,
  headers: { ...LFS_RESPONSE_HEADERS, ...headers },
  body: JSON.stringify(body),
});

/** The vault's refusals, as LFS says them: its validation errors are 422, the rest keep their status. */
const lfsErrorResponse = (error: unknown, requestId: string): HttpResult => {
  if (error instanceof LfsError)
    return lfsResponse({ status: error.status, body: { message: error.message } });
  if (error instanceof VaultError) {
    const status = error.code === 'BAD_REQUEST' ? 422 : error.status;
    const headers: Record<string, string> = status === 401 ? { 'lfs-authenticate': LFS_AUTHENTICATE } : {};
    return lfsResponse({ status, body: { message: error.message } }, headers);
  }
  logger.error('unhandled error', { requestId, error: error as Error });
  return lfsResponse({
    status: 500,
    body: { message: `internal error; quote request id ${requestId}`, request_id: requestId },
  });
};

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((entry) => typeof entry === 'string');

/** Who is calling, as the LFS authorizer found (on AWS its Lambda, locally the server); else 401. */
export const lfsCaller = (event: HttpEvent): Caller => {
  // As the authorizer handed it over (LfsAuthorizerContext), read without trusting its shape.
  type Verdict = { [field in 'user' | 'groups' | 'refusal']?: unknown };
  const verdict = (event.requestContext.authorizer as { lambda?: Verdict } | undefined)?.lambda;
  if (!verdict || verdict.refusal !== undefined || typeof verdict.user !== 'string' || verdict.user === '')
    throw unauthorized(typeof verdict?.refusal === 'string' ? verdict.refusal : 'credentials are required');
  const groups: unknown = JSON.parse(typeof verdict.groups === 'string' ? verdict.groups : '[]');
  return { user: verdict.user, groups: isStringArray(groups) ? groups : [] };
};

const mediaType = (value: string): string => (value.split(';')[0] ?? '').trim().toLowerCase();
const ACCEPTED = new Set([LFS_MEDIA_TYPE, 'application/json', 'application/*', '*/*']);

/** The client takes our media type (git-lfs sends exactly it; no Accept at all takes anything). */
const acceptsLfs = (event: HttpEvent): boolean => {
  const accept = event.headers.accept;
  return accept === undefined || accept.split(',').some((type) => ACCEPTED.has(mediaType(type)));
};

/** A handler for a Git LFS route: `logic` parses the event, calls the core, says what to answer. */
export const lfsRoute = (logic: (event: HttpEvent, caller: Caller) => Promise<Reply>) =>
  middy<HttpEvent, HttpResult>()
    .use(requestLog(lfsErrorResponse))
    .handler(async (event) => {
      const caller = lfsCaller(event);
      if (!acceptsLfs(event)) throw new LfsError(406, `the Accept header must allow ${LFS_MEDIA_TYPE}`);
      return lfsResponse(await logic(event, caller));
    });

const describe = (issues: z.core.$ZodIssue[]): string =>
  issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');

/**
 * The JSON body of an LFS request, at most 64 KiB, sent as `application/vnd.git-lfs+json` (or plain
 * JSON). Fields the schema does not name are ignored: clients add fields in newer versions.
 */
export const parseLfsBody = <T>(event: HttpEvent, schema: z.ZodMiniType<T>): T => {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new LfsError(413, `request body is over ${MAX_BODY_BYTES} bytes`);
  const type = mediaType(event.headers['content-type'] ?? '');
  if (type !== LFS_MEDIA_TYPE && type !== 'application/json')
    throw new LfsError(415, `the request body must be ${LFS_MEDIA_TYPE}`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new LfsError(400, 'request body is not valid JSON');
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new LfsError(422, `request body: ${describe(result.error.issues)}`);
  return result.data;
};

/**
 * The query of an LFS request, read from the raw query string as a form (git-lfs writes a space in
 * `?path=` as `+`), so that it reads the same whatever the gateway decodes. Parameters the schema
 * does not name are ignored, as for bodies; of a repeated one, the first counts.
 */
export const parseLfsQuery = <T>(event: HttpEvent, schema: z.ZodMiniType<T>): T => {
  const query = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(event.rawQueryString ?? ''))
    if (!query.has(name)) query.set(name, value);
  const result = schema.safeParse(Object.fromEntries(query));
  if (!result.success) throw new LfsError(422, `query: ${describe(result.error.issues)}`);
  return result.data;
};
