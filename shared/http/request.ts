/** Turning the raw parts of an API Gateway event into typed, validated values, or a 400/413. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { badRequest, payloadTooLarge } from '../errors';
import { type FileName, type FolderPrefix, parseFileName, parseFolderPrefix } from '../names';

// zod/mini (a fraction of full zod's import time) carries no messages of its own: give it English.
z.config(en());

export const MAX_BODY_BYTES = 64 * 1024;

const describeIssue = (issue: z.core.$ZodIssue): string => {
  const field = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') return `unknown field ${issue.keys.join(', ')}`;
  return field ? `${field}: ${issue.message}` : issue.message;
};

const validate = <T>(schema: z.ZodMiniType<T>, value: unknown, what: string): T => {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(`${what}: ${result.error.issues.map(describeIssue).join('; ')}`);
  return result.data;
};

/** The JSON body, at most 64 KiB; an absent or empty body reads as `{}`. */
export const parseBody = <T>(event: APIGatewayProxyEventV2, schema: z.ZodMiniType<T>): T => {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw payloadTooLarge(`request body is over ${MAX_BODY_BYTES} bytes`);
  const text = bytes.toString('utf8');
  let json: unknown = {};
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      throw badRequest('request body is not valid JSON');
    }
  }
  return validate(schema, json, 'request body');
};

/** The query string; a parameter the route does not know is refused, an empty value counts as absent. */
export const parseQuery = <T>(event: APIGatewayProxyEventV2, schema: z.ZodMiniType<T>): T => {
  const present = Object.entries(event.queryStringParameters ?? {}).filter(
    ([, value]) => value !== undefined && value !== '',
  );
  return validate(schema, Object.fromEntries(present), 'query');
};

/** The `{name}` path parameter (API Gateway hands it over percent-decoded), checked against the name rules. */
export const parsePathName = (event: APIGatewayProxyEventV2, extensions: readonly string[]): FileName => {
  const raw = event.pathParameters?.name;
  if (raw === undefined || raw === '') throw badRequest('a file name is required in the path');
  return parseFileName(raw, extensions);
};

/** A file's identity as the vault issues it: a lowercase UUID. */
const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The `{fileId}` path parameter: a file id's form, or 400 (an unknown one is the core's 404). */
export const parsePathFileId = (event: APIGatewayProxyEventV2): string => {
  const raw = event.pathParameters?.fileId ?? '';
  if (!FILE_ID.test(raw))
    throw badRequest('fileId must be a file id as the vault gives it (a lowercase UUID)');
  return raw;
};

/** The `{uploadId}` path parameter: an upload id's form (a lowercase UUID), or 400; an unknown one is the core's 404. */
export const parsePathUploadId = (event: APIGatewayProxyEventV2): string => {
  const raw = event.pathParameters?.uploadId ?? '';
  if (!FILE_ID.test(raw)) throw badRequest('uploadId must be an upload id as POST /uploads gives it');
  return raw;
};

/** A watch's id as the vault issues it (22 base64url characters); an unknown one is the core's 404. */
const WATCH_ID = /^[A-Za-z0-9_-]{22}$/;

export const parsePathWatchId = (event: APIGatewayProxyEventV2): string => {
  const raw = event.pathParameters?.watchId ?? '';
  if (!WATCH_ID.test(raw)) throw badRequest('watchId must be a watch id as POST /watches gives it');
  return raw;
};

/**
 * The `{prefix}` of the rules routes: a folder prefix ending in "/" (the one empty segment a path
 * may hold, at its end); the root "" has no rule (a rule on every file is the role itself).
 */
export const parsePathPrefix = (event: APIGatewayProxyEventV2): FolderPrefix => {
  const raw = event.pathParameters?.prefix ?? '';
  if (raw === '') throw badRequest('a folder prefix ending in "/" is required in the path');
  return parseFolderPrefix(raw);
};

/** An object whose properties are each built by their function when first read, then kept. */
const builtWhenRead = <Builders extends Record<string, () => unknown>>(
  builders: Builders,
): { readonly [Name in keyof Builders]: ReturnType<Builders[Name]> } => {
  const built = {} as { [Name in keyof Builders]: ReturnType<Builders[Name]> };
  for (const [name, build] of Object.entries(builders)) {
    Object.defineProperty(built, name, {
      enumerable: true,
      configurable: true,
      get: () => {
        const value = build();
        Object.defineProperty(built, name, { enumerable: true, value });
        return value;
      },
    });
  }
  return built;
};

/** An ISO-8601 date or UTC/offset time, as a query value; normalised to the form times are stored in. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Field schemas shared by the routes, each built when a route first names it: a function builds the
 * few its routes use, not all of them, at its cold start.
 */
export const fields = builtWhenRead({
  message: () =>
    z.string().check(
      z.refine((text) => [...text].length <= 1000, 'must be at most 1000 characters'),
      z.refine((text) => text.isWellFormed(), 'must be valid Unicode'),
    ),
  limit: () =>
    z
      .pipe(z.string().check(z.regex(/^\d+$/, 'must be an integer from 1 to 1000')), z.transform(Number))
      .check(z.refine((limit) => limit >= 1 && limit <= 1000, 'must be an integer from 1 to 1000')),
  version: () =>
    z
      .pipe(z.string().check(z.regex(/^\d+$/, 'must be an integer of at least 1')), z.transform(Number))
      .check(z.refine((version) => version >= 1, 'must be an integer of at least 1')),
  /** A message that must say something: why a version is released, or withdrawn. */
  requiredMessage: () =>
    z.string().check(
      z.refine((text) => text.trim() !== '', 'is required: say why'),
      z.refine((text) => [...text].length <= 1000, 'must be at most 1000 characters'),
      z.refine((text) => text.isWellFormed(), 'must be valid Unicode'),
    ),
  /** A rule's group list: Cognito group names, or "*" for every signed-in user. */
  groups: () =>
    z
      .array(
        z
          .string()
          .check(
            z.regex(/^(\*|[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128})$/u, 'must be a group name (no spaces) or "*"'),
          ),
      )
      .check(
        z.maxLength(100, 'must name at most 100 groups'),
        z.refine((groups) => new Set(groups).size === groups.length, 'must not name a group twice'),
      ),
  /** A version number in a JSON body. */
  versionNumber: () =>
    z.number().check(
      z.refine(Number.isInteger, 'must be an integer'),
      z.refine((version) => version >= 1, 'must be an integer of at least 1'),
    ),
  time: () =>
    z.pipe(
      z
        .string()
        .check(
          z.refine(
            (text) => ISO_TIME.test(text) && !Number.isNaN(Date.parse(text)),
            'must be an ISO-8601 time',
          ),
        ),
      z.transform((text) => new Date(text).toISOString()),
    ),
  cursor: () => z.string().check(z.maxLength(4096)),
  boolean: () =>
    z.pipe(
      z.enum(['true', 'false']),
      z.transform((value) => value === 'true'),
    ),
  sha256: () =>
    z.pipe(
      z.string().check(z.regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')),
      z.transform((hex) => hex.toLowerCase()),
    ),
  // Any size is well-formed here; one over the configured limit is the core's 413.
  sizeBytes: () =>
    z.number().check(
      z.refine(Number.isInteger, 'must be an integer'),
      z.refine((size) => size >= 0, 'must be at least 0'),
    ),
  /** (v2) Storage's limits for a part size are the core's 400. */
  partSizeBytes: () =>
    z.number().check(
      z.refine(Number.isInteger, 'must be an integer'),
      z.refine((size) => size >= 1, 'must be at least 1'),
    ),
  /** (v2) Storage numbers parts 1 to 10,000. */
  partNumber: () =>
    z.number().check(
      z.refine(Number.isInteger, 'must be an integer'),
      z.refine((number) => number >= 1 && number <= 10_000, 'must be from 1 to 10000'),
    ),
});

export const DEFAULT_LIMIT = 100;
