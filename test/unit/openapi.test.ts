/**
 * docs/openapi.yaml checked against the code: the route table, what each handler parses, the model's
 * fields and the error codes. Nothing here touches the emulators: the handlers run on a stand-in vault.
 */
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { loadOpenApi } from '#infra/local/pages';
import { type LambdaHandler, REPOSITORY_ROOT } from '#infra/local/server';
import { routes as allRoutes, type RouteDefinition } from '#infra/routes';
import type { Vault } from '#shared/core/vault';
import { type ErrorCode, errorStatus } from '#shared/errors';
import { EVENT_TYPES, type EventDetails, type EventType, type RuleChanged, subjectOf } from '#shared/events';
import { DEFAULT_LIMIT, fields } from '#shared/http/request';
import type { HttpEvent } from '#shared/http/route';
import { MAX_LFS_PATH_BYTES, MAX_REPO_LENGTH } from '#shared/lfs-names';
import type {
  AuditEntry,
  Download,
  FileRequest,
  FileStatus,
  Folder,
  LfsLock,
  Lock,
  Me,
  MultipartUpload,
  Notification,
  NotificationReason,
  Part,
  PartUrl,
  Release,
  Role,
  Rule,
  SingleUpload,
  Trashed,
  UploadStatus,
  VaultFile,
  Version,
  Watch,
} from '#shared/model';

type Node = Record<string, any>;

/**
 * The vault's own routes, one documented operation each. The Git LFS routes are greedy and each
 * serves several documented operations (`serves`), in the LFS specification's terms: checked apart.
 */
const routes = allRoutes.filter((route) => route.serves === undefined);
const lfsRoutes = allRoutes.filter((route) => route.serves !== undefined);

const document = loadOpenApi() as Node;

// ---------------------------------------------------------------------------------------------------
// What the code says, written out. Each `Record<keyof T, ...>` is checked by the compiler against the
// interface in shared/model.ts: a field missing here or extra here fails `tsc`.

/** `true` where the field may be null. */
const fileFields: Record<keyof VaultFile, boolean> = {
  fileId: false,
  name: false,
  version: false,
  sizeBytes: false,
  sha256: false,
  modifiedAt: false,
  modifiedBy: false,
  status: false,
  lock: true,
  released: true,
};
const lockFields: Record<keyof Lock, boolean> = {
  name: false,
  user: false,
  lockId: false,
  acquiredAt: false,
  message: false,
  expiresAt: true,
  lfsRepo: false,
};
/** Fields a schema has only on some objects (not required): a Lock's `lfsRepo` is on Git LFS locks only. */
const optionalFields: Record<string, string[]> = { Lock: ['lfsRepo'] };
const versionFields: Record<keyof Version, boolean> = {
  name: false,
  version: false,
  sizeBytes: false,
  sha256: false,
  createdAt: false,
  user: false,
  message: false,
  releases: false,
};
const singleUploadFields: Record<keyof SingleUpload, boolean> = {
  uploadId: false,
  name: false,
  method: false,
  url: false,
  headers: false,
  sizeBytes: false,
  sha256: false,
  expiresAt: false,
};
const multipartUploadFields: Record<keyof MultipartUpload, boolean> = {
  ...singleUploadFields,
  url: true,
  partSizeBytes: false,
  partCount: false,
};
const partFields: Record<keyof Part, boolean> = {
  partNumber: false,
  offset: false,
  sizeBytes: false,
  sha256: false,
};
const partUrlFields: Record<keyof PartUrl, boolean> = {
  partNumber: false,
  url: false,
  headers: false,
  expiresAt: false,
};
const uploadStatusFields: Record<keyof UploadStatus, boolean> = { upload: false, receivedParts: false };
const downloadFields: Record<keyof Download, boolean> = {
  url: false,
  method: false,
  expiresAt: false,
  name: false,
  version: false,
  sizeBytes: false,
  sha256: false,
};
const releaseFields: Record<keyof Release, boolean> = {
  version: false,
  releasedAt: false,
  releasedBy: false,
  message: false,
  withdrawnAt: true,
  withdrawnBy: true,
  withdrawMessage: true,
};
const trashedFields: Record<keyof Trashed, boolean> = {
  fileId: false,
  name: false,
  version: false,
  deletedAt: false,
  deletedBy: false,
  message: false,
};
const folderFields: Record<keyof Folder, boolean> = { prefix: false, files: false };
const auditEntryFields: Record<keyof AuditEntry, boolean> = {
  entryId: false,
  type: false,
  at: false,
  user: false,
  name: false,
  fileId: true,
  details: false,
};
const ruleFields: Record<keyof Rule, boolean> = { prefix: false, read: false, write: false };
const meFields: Record<keyof Me, boolean> = { user: false, role: false, groups: false };
const watchFields: Record<keyof Watch, boolean> = {
  watchId: false,
  prefix: false,
  types: true,
  createdAt: false,
};
const fileRequestFields: Record<keyof FileRequest, boolean> = {
  name: false,
  fileId: false,
  user: false,
  holder: false,
  lockId: false,
  message: false,
  at: false,
};
const notificationFields: Record<keyof Notification, boolean> = {
  notificationId: false,
  at: false,
  reason: false,
  event: false,
  read: false,
};
const notificationReasons: Record<NotificationReason, true> = {
  watch: true,
  request: true,
  available: true,
  lock_broken: true,
};
const fileStatuses: Record<FileStatus, true> = { available: true, checked_out: true };
const roles: Record<Role, true> = {
  admins: true,
  leads: true,
  programmers: true,
  operators: true,
  none: true,
};

/** Each event's body besides `type`, `eventId` and `at` (shared/events.ts); `true` where the field may be null. */
const eventBodies: { [T in EventType]: Record<keyof EventDetails<T>, boolean> } = {
  FileCheckedOut: { name: false, user: false, lockId: false, message: false, fileId: false },
  FileCheckedIn: {
    name: false,
    user: false,
    lockId: true,
    version: true,
    sha256: false,
    sizeBytes: false,
    message: false,
    fileId: false,
  },
  LockReleased: { name: false, user: false, lockId: false, fileId: false },
  LockBroken: { name: false, user: false, previousOwner: false, lockId: false, fileId: false },
  FileMoved: { name: false, from: false, user: false, message: false, fileId: false },
  FileDeleted: { name: false, user: false, version: false, message: false, fileId: false },
  FileRestored: { name: false, user: false, version: false, fileId: false },
  FileReleased: { name: false, user: false, version: false, message: false, fileId: false },
  ReleaseWithdrawn: { name: false, user: false, version: false, message: false, fileId: false },
  CheckoutRequested: { name: false, user: false, holder: false, message: false, fileId: false },
  RuleChanged: { prefix: false, user: false, read: true, write: true },
};

/** The event types whose body names a file (`fileId`); RuleChanged concerns none. */
const fileEventTypes = Object.entries(eventBodies)
  .filter(([, body]) => 'fileId' in body)
  .map(([type]) => type);

/** The SNS message attributes shared/aws/sns-event-publisher.ts sets (`folder` is left out at the root). */
const messageAttributes = ['type', 'name', 'user', 'fileId', 'folder'];

/** The query parameters each handler's `parseQuery` schema accepts (functions/*.ts). */
const queryParameters: Record<string, string[]> = {
  Health: [], // functions/health.ts reads no query
  ListFiles: ['prefix', 'status', 'depth', 'released', 'limit', 'cursor'],
  GetFile: [],
  ListVersions: ['limit', 'cursor'],
  Download: ['version'],
  Checkout: [],
  CreateUpload: [],
  UploadParts: [],
  GetUpload: [],
  AbandonUpload: [],
  Checkin: [],
  ReleaseLock: ['force', 'lfsRepo'],
  ListLocks: ['user', 'limit', 'cursor'],
  MoveFile: [],
  DeleteFile: [],
  ListTrash: ['prefix', 'limit', 'cursor'],
  RestoreFile: [],
  ListFolders: ['prefix', 'limit', 'cursor'],
  ListAudit: ['name', 'user', 'type', 'since', 'until', 'limit', 'cursor'],
  Me: [],
  ListRules: [],
  PutRule: [],
  DeleteRule: [],
  Release: [],
  WithdrawRelease: [],
  CreateWatch: [],
  ListWatches: [],
  DeleteWatch: [],
  RequestCheckout: [],
  ListNotifications: ['limit', 'cursor'],
  ReadNotifications: [],
};

/** The body fields each handler's `parseBody` schema accepts; null: the handler reads no body. */
const bodyFields: Record<string, { fields: string[]; required: string[] } | null> = {
  Health: null,
  ListFiles: null,
  GetFile: null,
  ListVersions: null,
  Download: null,
  Checkout: { fields: ['message'], required: [] },
  CreateUpload: {
    fields: ['name', 'sizeBytes', 'sha256', 'partSizeBytes'],
    required: ['name', 'sizeBytes', 'sha256'],
  },
  UploadParts: { fields: ['parts'], required: ['parts'] },
  GetUpload: null,
  AbandonUpload: { fields: [], required: [] },
  Checkin: { fields: ['uploadId', 'fromVersion', 'message', 'keepLock'], required: [] },
  ReleaseLock: null,
  ListLocks: null,
  MoveFile: { fields: ['to', 'message'], required: ['to'] },
  DeleteFile: { fields: ['message'], required: [] },
  ListTrash: null,
  RestoreFile: { fields: ['as'], required: [] },
  ListFolders: null,
  ListAudit: null,
  Me: null,
  ListRules: null,
  PutRule: { fields: ['read', 'write'], required: ['read', 'write'] },
  // parseBody(event, z.strictObject({})): no field, but a body with one is refused.
  DeleteRule: { fields: [], required: [] },
  Release: { fields: ['version', 'message'], required: ['version', 'message'] },
  WithdrawRelease: { fields: ['message'], required: ['message'] },
  CreateWatch: { fields: ['prefix', 'types'], required: ['prefix'] },
  ListWatches: null,
  DeleteWatch: { fields: [], required: [] },
  RequestCheckout: { fields: ['message'], required: [] },
  ListNotifications: null,
  ReadNotifications: { fields: ['upTo'], required: ['upTo'] },
};

/** The success statuses and the error codes each route can answer, from the handlers and shared/core/*.ts. */
const AUTHENTICATED: ErrorCode[] = ['UNAUTHORIZED', 'BAD_REQUEST', 'INTERNAL'];
/**
 * Every route the core's permission checks guard (shared/core/guard.ts): a caller without a role is
 * 403 on each, and a role or folder rule may refuse more. Only GET /me answers every role.
 */
const GUARDED: ErrorCode[] = [...AUTHENTICATED, 'FORBIDDEN'];
const outcomes: Record<string, { success: number[]; errors: ErrorCode[] }> = {
  Health: { success: [200], errors: ['INTERNAL'] },
  ListFiles: { success: [200], errors: GUARDED },
  GetFile: { success: [200], errors: [...GUARDED, 'NOT_FOUND'] },
  ListVersions: { success: [200], errors: [...GUARDED, 'NOT_FOUND'] },
  Download: { success: [200], errors: [...GUARDED, 'NOT_FOUND'] },
  Checkout: { success: [200, 201], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'LOCKED'] },
  CreateUpload: { success: [201], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_LOCKED', 'LOCKED'] },
  UploadParts: { success: [200], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND'] },
  GetUpload: { success: [200], errors: [...GUARDED, 'NOT_FOUND'] },
  AbandonUpload: { success: [200], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND'] },
  Checkin: {
    success: [200],
    errors: [
      ...GUARDED,
      'PAYLOAD_TOO_LARGE',
      'NOT_FOUND',
      'NOT_LOCKED',
      'LOCKED',
      'LOCK_LOST',
      'ALREADY_EXISTS',
      'PRECONDITION_FAILED',
    ],
  },
  ReleaseLock: { success: [200], errors: [...GUARDED, 'NOT_FOUND', 'NOT_LOCKED'] },
  ListLocks: { success: [200], errors: GUARDED },
  MoveFile: {
    success: [200],
    errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'NOT_LOCKED', 'LOCKED', 'ALREADY_EXISTS'],
  },
  DeleteFile: {
    success: [200],
    errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'NOT_LOCKED', 'LOCKED'],
  },
  ListTrash: { success: [200], errors: GUARDED },
  RestoreFile: { success: [200], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'ALREADY_EXISTS'] },
  ListFolders: { success: [200], errors: GUARDED },
  ListAudit: { success: [200], errors: GUARDED },
  Me: { success: [200], errors: AUTHENTICATED },
  ListRules: { success: [200], errors: GUARDED },
  PutRule: { success: [200], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE'] },
  DeleteRule: { success: [200], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND'] },
  Release: { success: [200], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND'] },
  WithdrawRelease: { success: [200], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'NOT_RELEASED'] },
  CreateWatch: { success: [201], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE'] },
  ListWatches: { success: [200], errors: GUARDED },
  DeleteWatch: { success: [200], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND'] },
  RequestCheckout: {
    success: [201],
    errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'NOT_LOCKED'],
  },
  ListNotifications: { success: [200], errors: GUARDED },
  ReadNotifications: { success: [200], errors: [...GUARDED, 'PAYLOAD_TOO_LARGE', 'NOT_FOUND'] },
};

const configurationVariables = [
  'CAMVAULT_TABLE',
  'CAMVAULT_BUCKET',
  'CAMVAULT_EXTENSIONS',
  'CAMVAULT_URL_TTL_SECONDS',
  'CAMVAULT_LOCK_TTL_SECONDS',
  'CAMVAULT_MAX_UPLOAD_BYTES',
  'CAMVAULT_MULTIPART_THRESHOLD_BYTES',
  'CAMVAULT_UPLOAD_TTL_SECONDS',
  'CAMVAULT_DEFAULT_ROLE',
  'CAMVAULT_RELEASE_FOUR_EYES',
  'CAMVAULT_EMAIL_NOTIFICATIONS',
  'CAMVAULT_TOPIC_ARN',
  'CAMVAULT_JWT_SECRET',
  'CAMVAULT_COGNITO_ISSUER',
  'CAMVAULT_COGNITO_CLIENT_IDS',
  'CAMVAULT_WEBHOOK_URL',
  'CAMVAULT_LOG_LEVEL',
  'PORT',
  'HOST',
  'CAMVAULT_DATA_DIR',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_DYNAMODB_STREAMS',
  'AWS_ENDPOINT_URL_SNS',
];

// ---------------------------------------------------------------------------------------------------
// Reading the document.

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The node a local JSON pointer (`#/components/...`) names. */
const pointer = (ref: string): Node => {
  if (!ref.startsWith('#/')) throw new Error(`not a local $ref: ${ref}`);
  const target = ref
    .slice(2)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((node, token) => node?.[token], document);
  if (target === undefined) throw new Error(`$ref ${ref} names nothing`);
  return target;
};

/** Follows `$ref`s until a node that is not a reference. */
const resolve = (node: Node): Node => {
  let current = node;
  for (let hops = 0; typeof current.$ref === 'string'; hops++) {
    if (hops > 20) throw new Error(`$ref loop at ${node.$ref}`);
    current = pointer(current.$ref);
  }
  return current;
};

const documentedOperations = Object.entries(document.paths as Record<string, Node>).flatMap(([path, item]) =>
  HTTP_METHODS.filter((method) => method in item).map((method) => ({
    key: `${method.toUpperCase()} ${path}`,
    operation: item[method] as Node,
  })),
);

/** API Gateway's greedy `{name+}` is `{name}` in OpenAPI. */
const openApiPath = (path: string): string => path.replace(/\{(\w+)\+\}/g, '{$1}');
const routeKey = (route: RouteDefinition): string => `${route.method} ${openApiPath(route.path)}`;
/** The parameters of a route's path, in order: `name` of `{name+}`, `fileId` of `{fileId}`. */
const pathParameterNames = (route: RouteDefinition): string[] =>
  [...route.path.matchAll(/\{(\w+)\+?\}/g)].map((match) => match[1] as string);

const pathItemOf = (route: RouteDefinition): Node => document.paths[openApiPath(route.path)];
const operationOf = (route: RouteDefinition): Node => {
  const operation = pathItemOf(route)?.[route.method.toLowerCase()];
  if (!operation) throw new Error(`${routeKey(route)} is not documented`);
  return operation;
};
const parametersOf = (route: RouteDefinition, where: 'query' | 'path'): Node[] =>
  [...(pathItemOf(route).parameters ?? []), ...(operationOf(route).parameters ?? [])]
    .map(resolve)
    .filter((parameter) => parameter.in === where);
const requestSchemaOf = (route: RouteDefinition): Node | null => {
  const body = operationOf(route).requestBody;
  return body ? resolve(resolve(body).content['application/json'].schema) : null;
};
const effectiveSecurity = (operation: Node): unknown => operation.security ?? document.security;

/** Does the schema let null through (`type` naming null, or a `oneOf`/`anyOf` branch that does)? */
const allowsNull = (schema: Node): boolean => {
  const resolved = resolve(schema);
  const types = [resolved.type].flat();
  return (
    types.includes('null') ||
    [...(resolved.oneOf ?? []), ...(resolved.anyOf ?? [])].some((branch: Node) => allowsNull(branch))
  );
};

/**
 * The error codes a response's schema allows: `error.code`'s enum (or const), narrowed by each `allOf`
 * branch, widened over `oneOf`/`anyOf` branches. Null when nothing constrains the code.
 */
const codesOf = (schema: Node): string[] | null => {
  const resolved = resolve(schema);
  const code = resolved.properties?.error?.properties?.code;
  const constraints: string[][] = [];
  if (code?.enum) constraints.push(code.enum);
  else if (code?.const !== undefined) constraints.push([code.const]);
  for (const branch of resolved.allOf ?? []) {
    const codes = codesOf(branch);
    if (codes) constraints.push(codes);
  }
  const alternatives: Node[] = [...(resolved.oneOf ?? []), ...(resolved.anyOf ?? [])];
  if (alternatives.length > 0) constraints.push(alternatives.flatMap((branch) => codesOf(branch) ?? []));
  if (constraints.length === 0) return null;
  return constraints.reduce((allowed, more) => allowed.filter((candidate) => more.includes(candidate)));
};

const firstExample = (schema: Node | undefined, what: string): unknown => {
  const examples = schema && resolve(schema).examples;
  if (!Array.isArray(examples) || examples.length === 0) throw new Error(`${what} has no schema example`);
  return examples[0];
};

const sorted = (values: Iterable<string>): string[] => [...values].sort();

// ---------------------------------------------------------------------------------------------------

describe('docs/openapi.yaml', () => {
  test('is an OpenAPI 3.1 document whose every $ref resolves', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else walk(value);
        }
      }
    };
    walk(document);
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of refs) expect(() => pointer(ref)).not.toThrow();
  });

  test('describes exactly the routes of the route table, nothing extra, nothing missing', () => {
    expect(sorted(documentedOperations.map(({ key }) => key))).toEqual(
      sorted([...routes.map(routeKey), ...lfsRoutes.flatMap((route) => route.serves ?? [])]),
    );
    for (const route of routes) expect(operationOf(route).operationId).toBe(route.id);
  });

  test('the expectations below cover every route', () => {
    const ids = sorted(routes.map((route) => route.id));
    for (const table of [queryParameters, bodyFields, outcomes])
      expect(sorted(Object.keys(table))).toEqual(ids);
  });

  test('asks for the bearer JWT on every route but GET /health, which alone has security: []', () => {
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    const open = documentedOperations.filter(({ operation }) => {
      const security = operation.security;
      return Array.isArray(security) && security.length === 0;
    });
    expect(open.map(({ key }) => key)).toEqual(['GET /health']);
    expect(allRoutes.filter((route) => !route.authenticated).map(routeKey)).toEqual(['GET /health']);
    for (const route of routes.filter((candidate) => candidate.authenticated)) {
      expect({ route: route.id, security: effectiveSecurity(operationOf(route)) }).toEqual({
        route: route.id,
        security: [{ bearerAuth: [] }],
      });
    }
  });

  test('documents a 401 on every authenticated route, and none on the public one', () => {
    for (const route of routes) {
      expect({ route: route.id, has401: '401' in operationOf(route).responses }).toEqual({
        route: route.id,
        has401: route.authenticated,
      });
    }
  });

  test.each(routes.map((route) => [route.id, route] as const))(
    '%s documents the query parameters its handler accepts, and the parameters in its path',
    (id, route) => {
      expect(sorted(parametersOf(route, 'query').map((parameter) => parameter.name))).toEqual(
        sorted(queryParameters[id] ?? []),
      );
      const pathParameters = parametersOf(route, 'path');
      expect(pathParameters.map((parameter) => parameter.name)).toEqual(pathParameterNames(route));
      for (const parameter of pathParameters) {
        expect(parameter.required).toBe(true);
        // Only the greedy `{name+}` takes slashes; any other parameter is one segment.
        if (route.path.includes(`{${parameter.name}+}`))
          expect(parameter.description).toMatch(/spans slashes/);
        else expect(parameter.description).not.toMatch(/spans slashes/);
      }
    },
  );

  test('an Upload is one of its two kinds, told apart by `method`', () => {
    const upload = document.components.schemas.Upload as Node;
    expect(upload.oneOf.map((branch: Node) => branch.$ref)).toEqual([
      '#/components/schemas/SingleUpload',
      '#/components/schemas/MultipartUpload',
    ]);
    expect(upload.discriminator.mapping).toEqual({
      PUT: '#/components/schemas/SingleUpload',
      MULTIPART: '#/components/schemas/MultipartUpload',
    });
  });

  test('documents {fileId} as the lowercase UUID the vault gives, and uses that form for every fileId', () => {
    const schema = document.components.schemas.FileId as Node;
    const pattern = new RegExp(schema.pattern);
    const example = String(firstExample(schema, 'FileId'));
    expect(pattern.test(example)).toBe(true);
    expect(pattern.test(example.toUpperCase())).toBe(false);
    expect(pattern.test(`${example}/x`)).toBe(false);
    expect(document.components.parameters.FileId.schema.$ref).toBe('#/components/schemas/FileId');
    for (const name of ['File', 'Trashed', ...fileEventTypes.map((type) => `${type}Event`)]) {
      expect({ name, ref: document.components.schemas[name].properties.fileId.$ref }).toEqual({
        name,
        ref: '#/components/schemas/FileId',
      });
    }
  });

  test('documents each query parameter with the type and limits the code parses', () => {
    const parameters = routes.flatMap((route) => parametersOf(route, 'query'));
    const schemasOf = (name: string) =>
      parameters.filter((parameter) => parameter.name === name).map((parameter) => resolve(parameter.schema));
    const routesTaking = (name: string) =>
      Object.values(queryParameters).filter((names) => names.includes(name));
    for (const name of ['limit', 'cursor', 'prefix', 'user', 'since', 'until']) {
      expect({ name, documented: schemasOf(name).length }).toEqual({
        name,
        documented: routesTaking(name).length,
      });
    }
    for (const schema of schemasOf('limit')) {
      expect(schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000, default: DEFAULT_LIMIT });
    }
    for (const schema of schemasOf('version')) expect(schema).toMatchObject({ type: 'integer', minimum: 1 });
    for (const schema of schemasOf('status'))
      expect(sorted(schema.enum)).toEqual(sorted(Object.keys(fileStatuses)));
    // force and released: fields.boolean, exactly `true` or `false`.
    for (const schema of [...schemasOf('force'), ...schemasOf('released')])
      expect(schema).toMatchObject({ type: 'boolean', default: false });
    for (const schema of schemasOf('cursor'))
      expect(schema).toMatchObject({ type: 'string', maxLength: 4096 });
    for (const schema of schemasOf('user')) expect(schema).toMatchObject({ minLength: 1, maxLength: 256 });
    // depth: only the literal `1` (list-files.ts).
    expect(schemasOf('depth')).toEqual([expect.objectContaining({ type: 'integer', enum: [1] })]);
    // type: exactly the event types of shared/events.ts.
    expect(schemasOf('type').map((schema) => sorted(schema.enum))).toEqual([sorted(EVENT_TYPES)]);
    for (const parameter of parameters) expect(parameter.required ?? false).toBe(false);
  });

  test('documents since/until with a pattern that agrees with the time the code parses', () => {
    const schema = document.components.schemas.QueryTime as Node;
    const pattern = new RegExp(schema.pattern);
    const samples = [
      ...(schema.examples as string[]),
      '2025-03-04',
      '2025-03-04T09:15Z',
      '2025-03-04T09:15:00Z',
      '2025-03-04T09:15:00.123456789Z',
      '2025-03-04T10:15:00+01:00',
      '2025-03-04T09:15:00',
      '2025-03-04T09:15:00z',
      '2025-03-04 09:15:00Z',
      '2025-3-4',
      '20250304',
      'yesterday',
      '',
    ];
    for (const sample of samples) {
      expect({ sample, documented: pattern.test(sample) }).toEqual({
        sample,
        documented: fields.time.safeParse(sample).success,
      });
    }
  });

  test.each(routes.map((route) => [route.id, route] as const))(
    '%s documents the request body its handler parses',
    (id, route) => {
      const expected = bodyFields[id];
      const schema = requestSchemaOf(route);
      if (!expected) {
        expect(schema).toBeNull();
        return;
      }
      expect(schema).not.toBeNull();
      expect(sorted(Object.keys(schema?.properties ?? {}))).toEqual(sorted(expected.fields));
      expect(sorted(schema?.required ?? [])).toEqual(sorted(expected.required));
      expect(schema?.additionalProperties).toBe(false);
      // An absent body reads as {}: it is optional exactly where {} is a valid body.
      expect(resolve(operationOf(route).requestBody).required ?? false).toBe(expected.required.length > 0);
    },
  );

  test.each([
    ['File', fileFields],
    ['Lock', lockFields],
    ['Version', versionFields],
    ['SingleUpload', singleUploadFields],
    ['MultipartUpload', multipartUploadFields],
    ['Part', partFields],
    ['PartUrl', partUrlFields],
    ['UploadStatus', uploadStatusFields],
    ['Download', downloadFields],
    ['Release', releaseFields],
    ['Trashed', trashedFields],
    ['Folder', folderFields],
    ['AuditEntry', auditEntryFields],
    ['Rule', ruleFields],
    ['Me', meFields],
    ['Watch', watchFields],
    ['FileRequest', fileRequestFields],
    ['Notification', notificationFields],
  ] as const)('the %s schema has exactly the fields of shared/model.ts, all required', (name, fields) => {
    const schema = document.components.schemas[name] as Node;
    const names = sorted(Object.keys(fields));
    expect(sorted(Object.keys(schema.properties))).toEqual(names);
    const optional = optionalFields[name] ?? [];
    expect(sorted(schema.required)).toEqual(names.filter((field) => !optional.includes(field)));
    expect(schema.additionalProperties).toBe(false);
    const nullable = Object.entries(fields as Record<string, boolean>)
      .filter(([, canBeNull]) => canBeNull)
      .map(([field]) => field);
    expect(sorted(names.filter((field) => allowsNull(schema.properties[field])))).toEqual(sorted(nullable));
  });

  test("the Error schema's code enum is exactly the codes of shared/errors.ts", () => {
    const error = document.components.schemas.Error.properties.error as Node;
    expect(sorted(error.properties.code.enum)).toEqual(sorted(Object.keys(errorStatus)));
    expect(sorted(error.required)).toEqual(['code', 'message']);
    expect(sorted(Object.keys(error.properties))).toEqual(['code', 'lock', 'message', 'requestId']);
    expect(error.properties.lock.$ref).toBe('#/components/schemas/Lock');
  });

  test.each(routes.map((route) => [route.id, route] as const))(
    '%s documents every status it can answer, each error under its code’s status',
    (id, route) => {
      const responses = operationOf(route).responses as Record<string, Node>;
      const expected = outcomes[id];
      const expectedStatuses = [
        ...(expected?.success ?? []),
        ...new Set((expected?.errors ?? []).map((code) => errorStatus[code])),
      ];
      expect(sorted(Object.keys(responses))).toEqual(sorted(expectedStatuses.map(String)));

      const documentedCodes: string[] = [];
      for (const [status, response] of Object.entries(responses)) {
        const schema = resolve(response).content?.['application/json']?.schema;
        expect(schema).toBeDefined();
        if (Number(status) < 400) continue;
        const codes = codesOf(schema) ?? [];
        expect({ status, codes: codes.length > 0 }).toEqual({ status, codes: true });
        for (const code of codes) {
          expect({ code, status: errorStatus[code as ErrorCode] }).toEqual({ code, status: Number(status) });
        }
        documentedCodes.push(...codes);
      }
      expect(sorted(documentedCodes)).toEqual(sorted(expected?.errors ?? []));
    },
  );

  test('describes the SNS events of shared/events.ts with their bodies and message attributes', () => {
    const events = document['x-camvault-events'] as Node;
    expect(sorted(Object.keys(events.messageAttributes))).toEqual(sorted(messageAttributes));
    for (const attribute of Object.values(events.messageAttributes as Record<string, Node>)) {
      expect(attribute.dataType).toBe('String');
    }
    expect(events.messageAttributes.folder.description).toMatch(/root/);
    expect(sorted(Object.keys(events.types))).toEqual(sorted(EVENT_TYPES));
    expect(sorted(Object.keys(eventBodies))).toEqual(sorted(EVENT_TYPES));
    for (const [type, body] of Object.entries(eventBodies) as [string, Record<string, boolean>][]) {
      const schema = resolve(events.types[type].body);
      const expected = sorted(['type', 'eventId', 'at', ...Object.keys(body)]);
      expect({ type, properties: sorted(Object.keys(schema.properties)) }).toEqual({
        type,
        properties: expected,
      });
      expect({ type, required: sorted(schema.required) }).toEqual({ type, required: expected });
      expect(schema.additionalProperties).toBe(false);
      expect(schema.properties.type.const).toBe(type);
      const nullable = Object.keys(body).filter((field) => body[field]);
      expect({
        type,
        nullable: sorted(Object.keys(body).filter((field) => allowsNull(schema.properties[field]))),
      }).toEqual({
        type,
        nullable: sorted(nullable),
      });
    }
  });

  test('the Role schema names exactly the roles of shared/model.ts, and Me.role is a Role', () => {
    expect(sorted(document.components.schemas.Role.enum)).toEqual(sorted(Object.keys(roles)));
    expect(document.components.schemas.Me.properties.role.$ref).toBe('#/components/schemas/Role');
  });

  test('says what the `name` attribute carries for an event without a name (subjectOf)', () => {
    const ruleChanged: RuleChanged = {
      type: 'RuleChanged',
      eventId: 'e',
      at: 't',
      user: 'u',
      prefix: 'p/',
      read: null,
      write: null,
    };
    expect(subjectOf(ruleChanged)).toBe('p/');
    const events = document['x-camvault-events'] as Node;
    for (const type of Object.keys(eventBodies).filter((candidate) => !fileEventTypes.includes(candidate))) {
      expect(events.messageAttributes.name.description).toContain(type);
      expect(events.messageAttributes.fileId.description).toContain(type);
    }
  });

  test('a Notification carries one of the events, for one of the reasons of shared/model.ts', () => {
    const schemas = document.components.schemas as Record<string, Node>;
    expect(sorted(schemas.NotificationReason?.enum)).toEqual(sorted(Object.keys(notificationReasons)));
    expect(schemas.Notification?.properties.reason.$ref).toBe('#/components/schemas/NotificationReason');
    expect(schemas.Notification?.properties.event.$ref).toBe('#/components/schemas/Event');
    const events = document['x-camvault-events'] as Node;
    expect(sorted(schemas.Event?.oneOf.map((branch: Node) => branch.$ref))).toEqual(
      sorted(EVENT_TYPES.map((type) => events.types[type].body.$ref)),
    );
  });

  test('the EventType and AuditEntry schemas name exactly the event types', () => {
    expect(sorted(document.components.schemas.EventType.enum)).toEqual(sorted(EVENT_TYPES));
    expect(document.components.schemas.AuditEntry.properties.type.$ref).toBe(
      '#/components/schemas/EventType',
    );
  });

  test('names every configuration variable in info.description', () => {
    for (const variable of configurationVariables) {
      expect(document.info.description).toContain(`\`${variable}\``);
    }
  });
});

describe('docs/openapi.yaml: the Git LFS server', () => {
  const LFS_TYPE = 'application/vnd.git-lfs+json';
  const lfsOperations = documentedOperations.filter(({ key }) => key.split(' ')[1]?.startsWith('/lfs/'));

  test('each greedy LFS route serves exactly the documented operations of its method, nothing else', () => {
    expect(lfsRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual([
      'GET /lfs/{lfsPath+}',
      'POST /lfs/{lfsPath+}',
    ]);
    for (const route of lfsRoutes) {
      const documented = lfsOperations.filter(({ key }) => key.startsWith(`${route.method} `));
      expect(sorted(route.serves ?? [])).toEqual(sorted(documented.map(({ key }) => key)));
      expect(route.authorizer).toBe('lfs');
    }
  });

  test.each(lfsOperations.map(({ key, operation }) => [key, operation] as const))(
    '%s: Bearer or Basic, the repository parameter, and only the LFS media type',
    (_key, operation) => {
      expect(operation.operationId).toMatch(/^Lfs[A-Z]/);
      expect(operation.security).toEqual([{ bearerAuth: [] }, { lfsBasic: [] }]);
      const responses = operation.responses as Record<string, Node>;
      for (const status of ['200', '401', '403', '406', '422', '500'].filter((code) => code !== '200'))
        expect(Object.keys(responses)).toContain(status);
      for (const response of Object.values(responses))
        expect(Object.keys(resolve(response).content ?? {})).toEqual([LFS_TYPE]);
      expect(resolve(responses['401'] as Node).headers['LFS-Authenticate'].schema.const).toBe(
        'Basic realm="camvault"',
      );
      const body = operation.requestBody && resolve(operation.requestBody);
      if (body) {
        expect(Object.keys(body.content)).toEqual([LFS_TYPE]);
        for (const status of ['400', '413', '415']) expect(Object.keys(responses)).toContain(status);
      }
    },
  );

  test('the repository parameter and the schemas agree with the code that parses them', () => {
    expect(document.components.parameters.LfsRepo).toMatchObject({ in: 'path', required: true });
    expect(document.components.parameters.LfsRepo.description).toMatch(/spans slashes/);
    const repo = new RegExp(document.components.schemas.LfsRepo.pattern);
    for (const sample of ['cam/team', 'a', 'x.y_z-1/2', 'caf\u00e9', 'a//b', '/a', 'a b'])
      expect({ sample, documented: repo.test(sample) }).toEqual({
        sample,
        documented: /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(sample),
      });
    expect(document.components.schemas.LfsRepo.maxLength).toBe(MAX_REPO_LENGTH);
    expect(document.components.schemas.LfsPath.description).toContain(`1–${MAX_LFS_PATH_BYTES} UTF-8 bytes`);
    const lock: Record<keyof LfsLock, true> = { id: true, path: true, locked_at: true, owner: true };
    expect(sorted(document.components.schemas.LfsLock.required)).toEqual(sorted(Object.keys(lock)));
  });
});

// ---------------------------------------------------------------------------------------------------
// The handlers themselves, on a stand-in vault: the document's example request is accepted, and a
// query parameter or body field it does not document is refused.

/**
 * Answers every call of every capability with an empty page; enough for a handler to reply with its
 * success status. `rules.me` is the one synchronous capability (it reads nothing): it answers a Me.
 */
const standInMe: Me = { user: 'alice', role: 'programmers', groups: [] };
const capability = new Proxy(
  {},
  {
    get: (_target, method) =>
      method === 'me' ? () => standInMe : async () => ({ items: [], nextCursor: null }),
  },
);
/** `DELETE /locks/{name}?lfsRepo=` answers with the Git LFS lock that ended. */
const standInLfsLocks = {
  release: async () => ({
    repo: 'cam/team',
    path: 'fixtures/Plate A.mcam',
    key: 'lfs/cam/team/fixtures/plate a.mcam',
    fileId: '00000000-0000-8000-8000-000000000000',
    lock: { user: 'alice', lockId: 'l', acquiredAt: 't', message: '', expiresAt: null },
  }),
};
const standInVault = new Proxy(
  {},
  {
    get: (_target, property) =>
      property === 'extensions' ? ['.mcam'] : property === 'lfsLocks' ? standInLfsLocks : capability,
  },
) as unknown as Vault;

interface ExampleRequest {
  /** The path parameters by name (`name`, `fileId`), as API Gateway hands them over. */
  path: Record<string, string>;
  query: Record<string, string>;
  body?: Record<string, unknown>;
}

const eventFor = (route: RouteDefinition, request: ExampleRequest): HttpEvent =>
  ({
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    queryStringParameters: Object.keys(request.query).length > 0 ? request.query : undefined,
    pathParameters: Object.keys(request.path).length > 0 ? request.path : undefined,
    requestContext: {
      requestId: 'openapi-test',
      routeKey: `${route.method} ${route.path}`,
      http: { method: route.method, path: '/' },
      authorizer: { jwt: { claims: { username: 'alice' }, scopes: [] } },
    },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    isBase64Encoded: false,
  }) as unknown as HttpEvent;

const context = { awsRequestId: 'openapi-test' } as Context;

const exampleValues = (parameters: Node[], where: string): Record<string, string> =>
  Object.fromEntries(
    parameters.map((parameter) => [
      parameter.name,
      String(firstExample(parameter.schema, `${where} parameter ${parameter.name}`)),
    ]),
  );

/**
 * The request bodies the document's examples make: the request schema's own `examples` where it gives
 * them (a body whose fields exclude one another, like a check-in's `uploadId` and `fromVersion`), else
 * one body with every documented field set to its example. Null: the route takes no body.
 */
const exampleBodies = (route: RouteDefinition): Record<string, unknown>[] | null => {
  const schema = requestSchemaOf(route);
  if (!schema) return null;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples;
  return [
    Object.fromEntries(
      Object.entries(schema.properties as Record<string, Node>).map(([field, property]) => [
        field,
        firstExample(property, `body field ${field}`),
      ]),
    ),
  ];
};

/** The request the document's examples make: every documented path and query parameter set, and the first example body. */
const exampleRequest = (route: RouteDefinition): ExampleRequest => ({
  path: exampleValues(parametersOf(route, 'path'), 'path'),
  query: exampleValues(parametersOf(route, 'query'), 'query'),
  body: exampleBodies(route)?.[0],
});

describe('the handlers, against the document', () => {
  const handlers = new Map<string, LambdaHandler>();
  const authenticated = routes
    .filter((route) => route.authenticated)
    .map((route) => [route.id, route] as const);

  beforeAll(async () => {
    // Importing a handler module builds its default vault from the environment (no request is sent).
    process.env.CAMVAULT_TABLE ??= 'openapi-test';
    process.env.CAMVAULT_BUCKET ??= 'openapi-test';
    for (const route of routes.filter((candidate) => candidate.authenticated)) {
      const loaded = (await import(join(REPOSITORY_ROOT, route.entry))) as Record<string, unknown>;
      const factory = Object.entries(loaded).find(
        ([name, value]) => name !== 'handler' && typeof value === 'function',
      )?.[1] as ((vault: Vault) => LambdaHandler) | undefined;
      if (!factory) throw new Error(`${route.entry} exports no handler factory`);
      handlers.set(route.id, factory(standInVault));
    }
  });

  const call = async (route: RouteDefinition, request: ExampleRequest) => {
    const handler = handlers.get(route.id);
    if (!handler) throw new Error(`no handler for ${route.id}`);
    const result = await handler(eventFor(route, request), context);
    return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
  };

  test.each(authenticated)('%s accepts the request the document describes', async (_id, route) => {
    const response = await call(route, exampleRequest(route));
    expect(response.body?.error).toBeUndefined();
    expect(Object.keys(operationOf(route).responses)).toContain(String(response.status));
  });

  test.each(authenticated.filter(([id]) => bodyFields[id] !== null))(
    '%s accepts every example body the document gives, each with only documented fields',
    async (_id, route) => {
      const request = exampleRequest(route);
      const documented = Object.keys(requestSchemaOf(route)?.properties ?? {});
      for (const body of exampleBodies(route) ?? []) {
        for (const field of Object.keys(body)) expect(documented).toContain(field);
        const response = await call(route, { ...request, body });
        expect({ body, error: response.body?.error }).toEqual({ body, error: undefined });
      }
    },
  );

  test.each(authenticated.filter(([, route]) => route.path.includes('{fileId}')))(
    '%s refuses a fileId that is not in the documented form',
    async (_id, route) => {
      const request = exampleRequest(route);
      const fileId = request.path.fileId ?? '';
      for (const bad of [fileId.toUpperCase(), `${fileId}0`, 'fixtures/Plate A.mcam']) {
        expect(new RegExp(document.components.schemas.FileId.pattern).test(bad)).toBe(false);
        const response = await call(route, { ...request, path: { fileId: bad } });
        expect(response).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
      }
    },
  );

  test.each(authenticated)('%s refuses a query parameter the document does not name', async (_id, route) => {
    const request = exampleRequest(route);
    const response = await call(route, { ...request, query: { ...request.query, colour: 'blue' } });
    expect(response).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    expect(response.body.error.message).toMatch(/query: unknown field colour/);
  });

  test.each(authenticated.filter(([id]) => bodyFields[id] !== null))(
    '%s refuses a body field the document does not name',
    async (_id, route) => {
      const request = exampleRequest(route);
      const response = await call(route, { ...request, body: { ...request.body, colour: 'blue' } });
      expect(response).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
      expect(response.body.error.message).toMatch(/request body: unknown field colour/);
    },
  );
});
