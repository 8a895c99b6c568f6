/** A client of the HTTP contract (shared/api.md) and nothing else: JSON over fetch, failures as ApiErrors. */
import type {
  Download,
  FileRequest,
  Folder,
  Lock,
  Me,
  Notification,
  PartUrl,
  Trashed,
  Upload,
  UploadStatus,
  VaultFile,
  Version,
  Watch,
} from '../../shared/model';
import type { Failure } from './format';

export class ApiError extends Error implements Failure {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly lock?: Lock,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** `{name}` in a URL: each segment percent-encoded, slashes kept. */
export const encodeName = (name: string): string => name.split('/').map(encodeURIComponent).join('/');

type Query = Record<string, string | number | boolean | undefined>;

const PAGE_LIMIT = 1000;

const queryString = (query: Query = {}): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
};

const failureOf = (status: number, body: unknown): ApiError => {
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  if (error && typeof error.code === 'string') {
    return new ApiError(
      status,
      error.code,
      typeof error.message === 'string' ? error.message : '',
      (error.lock as Lock | undefined) ?? undefined,
      typeof error.requestId === 'string' ? error.requestId : undefined,
    );
  }
  // On AWS a 401 comes from the gateway itself, as {"message":"Unauthorized"}.
  const message = (body as { message?: unknown } | undefined)?.message;
  return new ApiError(
    status,
    status === 401 ? 'UNAUTHORIZED' : `HTTP_${status}`,
    typeof message === 'string' ? message : '',
  );
};

/** One page of a list and the cursor of the next (null: nothing follows). */
export interface ListPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface CheckinBody {
  /** A staged upload's bytes, or (v2, exclusive with it) an earlier version's bytes: a revert. */
  uploadId?: string;
  fromVersion?: number;
  message?: string;
  keepLock?: boolean;
}

export class VaultApi {
  constructor(
    /** The API's base URL without a trailing slash; '' for the page's own origin. */
    private readonly baseUrl: string,
    /** A valid access token, refreshed when needed. */
    private readonly token: () => Promise<string>,
  ) {}

  private async call<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}) {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}${queryString(options.query)}`, {
        method,
        headers: {
          authorization: `Bearer ${await this.token()}`,
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: 'no-store',
      });
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(0, 'NETWORK', (error as Error).message);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) throw failureOf(response.status, body);
    return { status: response.status, body: body as T };
  }

  /** Every item of a paginated list, following `nextCursor` to the end. */
  private async all<T>(path: string, key: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const { body } = await this.call<Record<string, unknown> & { nextCursor: string | null }>('GET', path, {
        query: { ...query, limit: PAGE_LIMIT, cursor },
      });
      items.push(...((body[key] as T[] | undefined) ?? []));
      cursor = body.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  /** One page of a list route, its items under `key`. */
  private async page<T>(path: string, key: string, query: Query): Promise<ListPage<T>> {
    const { body } = await this.call<Record<string, unknown> & { nextCursor: string | null }>('GET', path, {
      query,
    });
    return { items: (body[key] as T[] | undefined) ?? [], nextCursor: body.nextCursor ?? null };
  }

  me = async () => (await this.call<Me>('GET', '/me')).body;

  /** The files directly in the folder `prefix` ('' is the top), one page at a time. */
  listFolderFiles = (prefix: string, cursor: string | null, limit?: number) =>
    this.page<VaultFile>('/files', 'files', { prefix, depth: 1, cursor: cursor ?? undefined, limit });

  /** Every folder directly under `prefix` (a level is at most a few hundred). */
  listFolders = (prefix: string) => this.all<Folder>('/folders', 'folders', { prefix });

  listTrash = (cursor: string | null) =>
    this.page<Trashed>('/trash', 'trashed', { cursor: cursor ?? undefined });

  listVersions = (name: string) => this.all<Version>(`/versions/${encodeName(name)}`, 'versions');

  listLocks = () => this.all<Lock>('/locks', 'locks');

  download = async (name: string, version?: number) =>
    (await this.call<Download>('GET', `/download/${encodeName(name)}`, { query: { version } })).body;

  checkout = async (name: string, message: string) =>
    (
      await this.call<{ lock: Lock; file: VaultFile }>('POST', `/checkout/${encodeName(name)}`, {
        body: message ? { message } : {},
      })
    ).body;

  stageUpload = async (body: { name: string; sizeBytes: number; sha256: string }) =>
    (await this.call<Upload>('POST', '/uploads', { body })).body;

  /** (v2) Where to PUT the parts of a multipart upload, each bound to its declared SHA-256. */
  partUrls = async (uploadId: string, parts: { partNumber: number; sha256: string }[]) =>
    (
      await this.call<{ parts: PartUrl[] }>('POST', `/uploads/${encodeURIComponent(uploadId)}/parts`, {
        body: { parts },
      })
    ).body.parts;

  /** (v2) An upload in progress and the parts storage already holds: what a resumed upload need not send. */
  uploadStatus = async (uploadId: string) =>
    (await this.call<UploadStatus>('GET', `/uploads/${encodeURIComponent(uploadId)}`)).body;

  /** (v2) Gives an upload up: storage frees its parts. */
  abandonUpload = async (uploadId: string) =>
    (
      await this.call<{ uploadId: string; abandoned: true }>(
        'DELETE',
        `/uploads/${encodeURIComponent(uploadId)}`,
      )
    ).body;

  checkin = async (name: string, body: CheckinBody) =>
    (
      await this.call<{ file: VaultFile; version: Version | null }>('POST', `/checkin/${encodeName(name)}`, {
        body,
      })
    ).body;

  move = async (name: string, to: string, message: string) =>
    (await this.call<{ file: VaultFile }>('POST', `/move/${encodeName(name)}`, { body: { to, message } }))
      .body;

  deleteFile = async (name: string, message: string) =>
    (await this.call<{ trashed: Trashed }>('DELETE', `/files/${encodeName(name)}`, { body: { message } }))
      .body;

  restore = async (fileId: string, as?: string) =>
    (
      await this.call<{ file: VaultFile }>('POST', `/restore/${encodeURIComponent(fileId)}`, {
        body: as ? { as } : {},
      })
    ).body;

  release = async (name: string, version: number, message: string) =>
    (
      await this.call<{ file: VaultFile }>('POST', `/release/${encodeName(name)}`, {
        body: { version, message },
      })
    ).body;

  withdrawRelease = async (name: string, message: string) =>
    (await this.call<{ file: VaultFile }>('DELETE', `/release/${encodeName(name)}`, { body: { message } }))
      .body;

  releaseLock = async (name: string, force: boolean) =>
    (
      await this.call<{ released: Lock }>('DELETE', `/locks/${encodeName(name)}`, {
        query: { force: force ? 'true' : undefined },
      })
    ).body;

  /** (v2) The caller's watches. */
  listWatches = async () => (await this.call<{ watches: Watch[] }>('GET', '/watches')).body.watches;

  /** (v2) Be told of every event under a folder (`""` is the whole vault). */
  watch = async (prefix: string) =>
    (await this.call<{ watch: Watch }>('POST', '/watches', { body: { prefix } })).body.watch;

  unwatch = async (watchId: string) =>
    (await this.call<{ watch: Watch }>('DELETE', `/watches/${encodeURIComponent(watchId)}`)).body.watch;

  /** (v2) Ask the holder of a file for it: they are told at once, the caller when it is free. */
  requestFile = async (name: string, message: string) =>
    (
      await this.call<{ request: FileRequest }>('POST', `/requests/${encodeName(name)}`, {
        body: message ? { message } : {},
      })
    ).body.request;

  /** (v2) One page of the caller's feed, newest first, and how many are unread in all. */
  notifications = async (cursor: string | null, limit: number) => {
    const { body } = await this.call<{
      notifications: Notification[];
      nextCursor: string | null;
      unread: number;
    }>('GET', '/notifications', { query: { cursor: cursor ?? undefined, limit } });
    return { items: body.notifications, nextCursor: body.nextCursor, unread: body.unread };
  };

  /** (v2) Marks `upTo` and every older notification read; the unread count left. */
  markRead = async (upTo: string) =>
    (await this.call<{ unread: number }>('POST', '/notifications/read', { body: { upTo } })).body.unread;
}
