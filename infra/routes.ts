/**
 * The one route table: the CDK stack makes a function and an HTTP API route of each entry, and the
 * local server serves the same handlers from it, so the two cannot drift. Paths are in API Gateway's
 * syntax; `{name+}` takes the rest of the path, slashes included (see `RouteDefinition.path`).
 */

export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:ConditionCheckItem';

/** The table's global secondary indexes (shared/aws/dynamodb/table-schema.ts). */
export type IndexName = 'byName' | 'byLock' | 'byGroup';

export interface RouteDefinition {
  /** Names the function and its construct. */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /**
   * In API Gateway's syntax, matched on the path as sent (the local router: infra/local/api-gateway.ts):
   * - a literal segment matches itself;
   * - `{id}` matches exactly one non-empty segment, e.g. `POST /restore/{fileId}`;
   * - `{name+}` (greedy, last segment only) matches the non-empty rest of the path, slashes
   *   included, exactly as sent: `.`, `..` and empty segments are not resolved but handed over, so
   *   the handler's rules refuse them (400) rather than the path naming another file. A trailing `/`
   *   is handed over too: a folder-prefix route such as `PUT /rules/{prefix+}` receives `a/b/` and
   *   checks it with `parseFolderPrefix` (a `/` at the end is the one empty segment that parser
   *   allows), where a `{name+}` route's `parseFileName` refuses it.
   * Parameters reach the handler percent-decoded, as API Gateway decodes them.
   */
  path: string;
  /** The handler's source, relative to the repository root; it exports `handler`. */
  entry: string;
  authenticated: boolean;
  /**
   * (v2) Who proves the caller's identity: the JWT authorizer (the default), or `lfs`, which also takes
   * HTTP Basic with the token as the password (what Git sends) and leaves the 401 to the handler, so
   * that it carries the `LFS-Authenticate` header git-lfs asks for credentials on.
   */
  authorizer?: 'jwt' | 'lfs';
  /**
   * (v2) The documented operations a greedy route dispatches among itself (docs/openapi.yaml lists
   * these, not the route): a Git LFS repository name holds slashes and API Gateway allows a greedy
   * parameter only last, so `/lfs/{repo}/locks/{id}/unlock` cannot be a route of its own.
   */
  serves?: string[];
  /** Exactly the table actions the handler performs on the table itself. */
  tableActions: TableAction[];
  /** The table's indexes it queries (`dynamodb:Query` on each; on the table itself too when it queries it). */
  queryIndexes?: IndexName[];
  /** The object actions it performs or signs for others, on the blobs only (committed content). */
  blobActions: ('s3:GetObject' | 's3:PutObject' | 's3:DeleteObject' | 's3:AbortMultipartUpload')[];
  /** (v2) The object actions on staged uploads (`uploads/*`: each upload's parts) only. */
  stagingActions?: ('s3:GetObject' | 's3:PutObject' | 's3:DeleteObject')[];
  /** Actions on the bucket itself, when a handler needs one. */
  bucketActions?: 's3:ListBucket'[];
  /**
   * The function's time limit; default DEFAULT_ROUTE_TIMEOUT_SECONDS, just under the HTTP API's 30 s.
   * A route may work on after the gateway gave up only if a repeated request is safe (idempotent):
   * the client, answered 503/504, asks again and gets the outcome.
   */
  timeoutSeconds?: number;
}

export const DEFAULT_ROUTE_TIMEOUT_SECONDS = 29;

const READ_ITEM: TableAction[] = ['dynamodb:GetItem'];
/** A file read, then one transaction: its item updated, the audit entry put. */
const LOCK_CHANGE: TableAction[] = ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'];
/** A file or LFS lock read, then one transaction: a file's lock updated, or an LFS lock's items deleted; the entry put. */
const LOCK_END: TableAction[] = [...LOCK_CHANGE, 'dynamodb:DeleteItem'];
/** A file read, then one transaction: its item deleted or put, the trash, the entry, folder counts. */
const LIFE_CHANGE: TableAction[] = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

export const routes: RouteDefinition[] = [
  {
    id: 'Health',
    method: 'GET',
    path: '/health',
    entry: 'functions/health.ts',
    authenticated: false,
    tableActions: [],
    blobActions: [],
  },
  {
    id: 'ListFiles',
    method: 'GET',
    path: '/files',
    entry: 'functions/list-files.ts',
    authenticated: true,
    // The folder rules (one item), read once in a while: see RULES_CACHE_MS.
    tableActions: READ_ITEM,
    queryIndexes: ['byName', 'byGroup'],
    blobActions: [],
  },
  {
    id: 'GetFile',
    method: 'GET',
    path: '/files/{name+}',
    entry: 'functions/get-file.ts',
    authenticated: true,
    tableActions: READ_ITEM,
    blobActions: [],
  },
  {
    id: 'ListVersions',
    method: 'GET',
    path: '/versions/{name+}',
    entry: 'functions/list-versions.ts',
    authenticated: true,
    tableActions: ['dynamodb:GetItem', 'dynamodb:Query'],
    blobActions: [],
  },
  {
    id: 'Download',
    method: 'GET',
    path: '/download/{name+}',
    entry: 'functions/download.ts',
    authenticated: true,
    tableActions: READ_ITEM,
    blobActions: ['s3:GetObject'],
  },
  {
    id: 'Checkout',
    method: 'POST',
    path: '/checkout/{name+}',
    entry: 'functions/checkout.ts',
    authenticated: true,
    tableActions: LOCK_CHANGE,
    blobActions: [],
  },
  {
    id: 'CreateUpload',
    method: 'POST',
    path: '/uploads',
    entry: 'functions/create-upload.ts',
    authenticated: true,
    // UpdateItem: the upload's blob is marked placed with it (the sweeper's guard).
    tableActions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    // A multipart upload starts the blob's assembly (CreateMultipartUpload is s3:PutObject).
    blobActions: ['s3:PutObject'],
    // The single PUT is signed for a staging key.
    stagingActions: ['s3:PutObject'],
  },
  {
    id: 'UploadParts',
    method: 'POST',
    path: '/uploads/{uploadId}/parts',
    entry: 'functions/upload-parts.ts',
    authenticated: true,
    // The upload and the parts read, the parts' declarations updated in one transaction.
    tableActions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    blobActions: [],
    // Part PUTs signed; HeadObject of a part whose declared SHA-256 changes.
    stagingActions: ['s3:PutObject', 's3:GetObject'],
    // Without it HeadObject answers 403, not 404, for a part storage does not hold.
    bucketActions: ['s3:ListBucket'],
  },
  {
    id: 'GetUpload',
    method: 'GET',
    path: '/uploads/{uploadId}',
    entry: 'functions/get-upload.ts',
    authenticated: true,
    tableActions: ['dynamodb:GetItem', 'dynamodb:Query'],
    blobActions: [],
    // A single PUT's URL is signed afresh; signing writes nothing.
    stagingActions: ['s3:PutObject'],
    // ListObjectsV2 of the upload's parts.
    bucketActions: ['s3:ListBucket'],
  },
  {
    id: 'AbandonUpload',
    method: 'DELETE',
    path: '/uploads/{uploadId}',
    entry: 'functions/abandon-upload.ts',
    authenticated: true,
    tableActions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    blobActions: ['s3:AbortMultipartUpload'],
    stagingActions: ['s3:DeleteObject'],
    bucketActions: ['s3:ListBucket'],
  },
  {
    id: 'Checkin',
    method: 'POST',
    path: '/checkin/{name+}',
    entry: 'functions/checkin.ts',
    authenticated: true,
    // TransactGetItems and TransactWriteItems are authorised per item action; the parts are queried.
    tableActions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
    // HeadObject of the blob; the verified bytes copied or put together into it.
    blobActions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
    // The staged bytes read (to hash, and as a copy's source), then removed.
    stagingActions: ['s3:GetObject', 's3:DeleteObject'],
    // Without it HeadObject answers 403, not 404, for a missing blob. S3 evaluates no s3:prefix for that check, so the grant is on the bucket ARN.
    bucketActions: ['s3:ListBucket'],
    // A large upload the background verifier has not caught up with is verified here, past the
    // gateway's 30 s if need be; a check-in is idempotent, so the client's retry gets the version.
    timeoutSeconds: 300,
  },
  {
    id: 'ReleaseLock',
    method: 'DELETE',
    path: '/locks/{name+}',
    entry: 'functions/release-lock.ts',
    authenticated: true,
    tableActions: LOCK_END,
    blobActions: [],
  },
  {
    id: 'ListLocks',
    method: 'GET',
    path: '/locks',
    entry: 'functions/list-locks.ts',
    authenticated: true,
    // The folder rules (one item), read once in a while: see RULES_CACHE_MS.
    tableActions: READ_ITEM,
    queryIndexes: ['byLock'],
    blobActions: [],
  },
  {
    id: 'MoveFile',
    method: 'POST',
    path: '/move/{name+}',
    entry: 'functions/move-file.ts',
    authenticated: true,
    tableActions: LIFE_CHANGE,
    blobActions: [],
  },
  {
    id: 'DeleteFile',
    method: 'DELETE',
    path: '/files/{name+}',
    entry: 'functions/delete-file.ts',
    authenticated: true,
    tableActions: LIFE_CHANGE,
    blobActions: [],
  },
  {
    id: 'ListTrash',
    method: 'GET',
    path: '/trash',
    entry: 'functions/list-trash.ts',
    authenticated: true,
    // The folder rules (one item), read once in a while: see RULES_CACHE_MS.
    tableActions: READ_ITEM,
    queryIndexes: ['byGroup'],
    blobActions: [],
  },
  {
    id: 'RestoreFile',
    method: 'POST',
    path: '/restore/{fileId}',
    entry: 'functions/restore-file.ts',
    authenticated: true,
    tableActions: LIFE_CHANGE,
    blobActions: [],
  },
  {
    id: 'ListFolders',
    method: 'GET',
    path: '/folders',
    entry: 'functions/list-folders.ts',
    authenticated: true,
    // The folder rules (one item), read once in a while: see RULES_CACHE_MS.
    tableActions: READ_ITEM,
    queryIndexes: ['byGroup'],
    blobActions: [],
  },
  {
    id: 'ListAudit',
    method: 'GET',
    path: '/audit',
    entry: 'functions/list-audit.ts',
    authenticated: true,
    // A name is looked up first: the file now under it, or the one that last left it.
    tableActions: ['dynamodb:GetItem', 'dynamodb:Query'],
    queryIndexes: ['byGroup'],
    blobActions: [],
  },
  {
    id: 'Me',
    method: 'GET',
    path: '/me',
    entry: 'functions/me.ts',
    authenticated: true,
    tableActions: [],
    blobActions: [],
  },
  {
    id: 'ListRules',
    method: 'GET',
    path: '/rules',
    entry: 'functions/list-rules.ts',
    authenticated: true,
    tableActions: READ_ITEM,
    blobActions: [],
  },
  {
    id: 'PutRule',
    method: 'PUT',
    path: '/rules/{prefix+}',
    entry: 'functions/put-rule.ts',
    authenticated: true,
    // The rules item and the entry are put in one transaction.
    tableActions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    blobActions: [],
  },
  {
    id: 'DeleteRule',
    method: 'DELETE',
    path: '/rules/{prefix+}',
    entry: 'functions/delete-rule.ts',
    authenticated: true,
    tableActions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    blobActions: [],
  },
  {
    id: 'Release',
    method: 'POST',
    path: '/release/{name+}',
    entry: 'functions/release.ts',
    authenticated: true,
    // The file and the versions read, then the file and the versions' release lists updated with the entry.
    tableActions: LOCK_CHANGE,
    blobActions: [],
  },
  {
    id: 'WithdrawRelease',
    method: 'DELETE',
    path: '/release/{name+}',
    entry: 'functions/withdraw-release.ts',
    authenticated: true,
    tableActions: LOCK_CHANGE,
    blobActions: [],
  },
  {
    id: 'CreateWatch',
    method: 'POST',
    path: '/watches',
    entry: 'functions/create-watch.ts',
    authenticated: true,
    // The rules (for the caller's role), then the watch set under the caller.
    tableActions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    blobActions: [],
  },
  {
    id: 'ListWatches',
    method: 'GET',
    path: '/watches',
    entry: 'functions/list-watches.ts',
    authenticated: true,
    tableActions: ['dynamodb:GetItem', 'dynamodb:Query'],
    blobActions: [],
  },
  {
    id: 'DeleteWatch',
    method: 'DELETE',
    path: '/watches/{watchId}',
    entry: 'functions/delete-watch.ts',
    authenticated: true,
    tableActions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
    blobActions: [],
  },
  {
    id: 'RequestCheckout',
    method: 'POST',
    path: '/requests/{name+}',
    entry: 'functions/request-checkout.ts',
    authenticated: true,
    // The file read, then one transaction: a check of its lock, the request and the entry put.
    tableActions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'],
    blobActions: [],
  },
  {
    id: 'ListNotifications',
    method: 'GET',
    path: '/notifications',
    entry: 'functions/list-notifications.ts',
    authenticated: true,
    // The read mark, a page of the caller's feed and a count of what is unread.
    tableActions: ['dynamodb:GetItem', 'dynamodb:Query'],
    blobActions: [],
  },
  {
    id: 'ReadNotifications',
    method: 'POST',
    path: '/notifications/read',
    entry: 'functions/read-notifications.ts',
    authenticated: true,
    tableActions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
    blobActions: [],
  },
  // (v2) Git LFS: one greedy route per method, dispatched by the handler (see `serves`). Splitting by
  // method keeps the listing read-only; an `ANY` route would give it the writers' grants.
  {
    id: 'LfsRead',
    method: 'GET',
    path: '/lfs/{lfsPath+}',
    entry: 'functions/lfs-read.ts',
    authenticated: true,
    authorizer: 'lfs',
    serves: ['GET /lfs/{repo}/locks'],
    // The rules (one item), then one lock by path or by id, or a query of the repository's partition.
    tableActions: ['dynamodb:GetItem', 'dynamodb:Query'],
    blobActions: [],
  },
  {
    id: 'Lfs',
    method: 'POST',
    path: '/lfs/{lfsPath+}',
    entry: 'functions/lfs.ts',
    authenticated: true,
    authorizer: 'lfs',
    serves: [
      'POST /lfs/{repo}/objects/batch',
      'POST /lfs/{repo}/objects/verify',
      'POST /lfs/{repo}/locks',
      'POST /lfs/{repo}/locks/verify',
      'POST /lfs/{repo}/locks/{id}/unlock',
    ],
    // Lock: the rules, then one transaction putting the lock, its copy by id and the entry; unlock
    // reads the copy and deletes both with the entry; verify queries the repository's partition.
    tableActions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
    // The batch describes objects (HeadObject) and signs GETs; verify copies staged bytes into blobs.
    blobActions: ['s3:GetObject', 's3:PutObject'],
    // The batch signs PUTs of staged objects; verify reads (hashes, copies) and then removes them.
    stagingActions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
    // HeadObject tells a missing object (404) from a forbidden one (403) only with it: see Checkin.
    bucketActions: ['s3:ListBucket'],
  },
];

/** Functions no HTTP route reaches: the stack wires each to its trigger, the local server imitates that trigger. */
export interface BackgroundFunctionDefinition {
  id: string;
  entry: string;
  /**
   * What invokes it: the table's change stream, a subscription to the vault's topic, each deployment, a
   * schedule, storage's events, or (v2) API Gateway before each request of the routes whose `authorizer`
   * is `lfs`.
   */
  trigger: 'table-stream' | 'topic' | 'deployment' | 'schedule' | 'storage-event' | 'authorizer';
}

/** What the background verifier of staged parts does: the upload and its parts read, the verified prefix moved on. */
export const VERIFIER_ACCESS = {
  tableActions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  // Each part copied into its blob's assembly (UploadPartCopy is s3:PutObject on the blob).
  blobActions: ['s3:PutObject'],
  stagingActions: ['s3:GetObject'],
  // A GET of a part not there yet then answers 404, not 403.
  bucketActions: ['s3:ListBucket'],
} as const satisfies Pick<
  RouteDefinition,
  'tableActions' | 'blobActions' | 'stagingActions' | 'bucketActions'
>;

/** What the sweeper does: uploads and blob records read and marked, staged parts and orphan blobs removed. */
export const SWEEPER_ACCESS = {
  // The candidate blobs are found on the byGroup index.
  tableActions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  queryIndexes: ['byGroup'],
  blobActions: ['s3:DeleteObject', 's3:AbortMultipartUpload'],
  stagingActions: ['s3:DeleteObject'],
  // ListObjectsV2 of uploads/.
  bucketActions: ['s3:ListBucket'],
} as const satisfies Pick<
  RouteDefinition,
  'tableActions' | 'queryIndexes' | 'blobActions' | 'stagingActions' | 'bucketActions'
>;

export const backgroundFunctions = {
  notify: { id: 'Notify', entry: 'functions/notify.ts', trigger: 'table-stream' },
  /** The feeds' notifier: a second consumer of the same stream. */
  deliverNotifications: {
    id: 'DeliverNotifications',
    entry: 'functions/deliver-notifications.ts',
    trigger: 'table-stream',
  },
  webhook: { id: 'Webhook', entry: 'functions/webhook.ts', trigger: 'topic' },
  /** AWS only, with the `mailFrom` setting: locally the feed is the delivery. */
  sendMailDigests: { id: 'SendMailDigests', entry: 'functions/send-mail-digests.ts', trigger: 'schedule' },
  migrate: { id: 'Migrate', entry: 'functions/migrate.ts', trigger: 'deployment' },
  /** AWS only: locally the server verifies its own tokens for those routes, as it does for the JWT ones. */
  lfsAuthorizer: { id: 'LfsAuthorizer', entry: 'functions/lfs-authorizer.ts', trigger: 'authorizer' },
  /**
   * Verifies staged parts as they arrive, ahead of the check-in: on AWS run by S3's object-created
   * events, locally by a timer (no emulator here sends storage events to another process).
   */
  verifyStagedParts: {
    id: 'VerifyStagedParts',
    entry: 'functions/verify-staged-parts.ts',
    trigger: 'storage-event',
  },
  /** Removes what no version and no live upload refers to; hourly on AWS, a timer locally. */
  sweep: { id: 'Sweep', entry: 'functions/sweep.ts', trigger: 'schedule' },
} as const satisfies Record<string, BackgroundFunctionDefinition>;
