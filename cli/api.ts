/** A client of the HTTP contract (shared/api.md), and nothing else: JSON over node:http, errors as CliErrors. */
import type { EventType } from '#shared/events';
import type {
  AuditEntry,
  Download,
  FileRequest,
  FileStatus,
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
} from '#shared/model';
import { nameAddressProblem } from '#shared/names';
import type { Connection } from './config';
import { apiError, CliError, EXIT, otherError } from './errors';
import { networkCause, openRequest, readText } from './http';

/**
 * `{name}` in a URL: each segment percent-encoded, slashes kept. A name the URL would change (a `.`
 * or `..` segment is resolved before it is sent, so `x/../y.mcam` would act on `y.mcam`) or that
 * breaks another name rule is refused here, with the server's message, before anything is sent.
 */
export const encodeName = (name: string): string => {
  const problem = nameAddressProblem(name);
  if (problem !== null) throw new CliError(problem, EXIT.usage, 'BAD_REQUEST');
  return name.split('/').map(encodeURIComponent).join('/');
};

const USER_AGENT = 'camvault-cli/0.1';
const API_TIMEOUT_MS = 60_000;
const PAGE_LIMIT = 1000;
/** A check-in with an uploadId is idempotent (the contract says so): safe to resend after a lost answer. */
const CHECKIN_ATTEMPTS = 5;
/** A gateway that gave up waiting (a large check-in still verifying, on AWS past the API's 30 s): the answer was lost, not refused. */
const GATEWAY_GAVE_UP = new Set([502, 503, 504]);

type Query = Record<string, string | number | boolean | undefined>;

interface CallOptions {
  body?: unknown;
  query?: Query;
  /** false for the one request that must not be cut off halfway by Ctrl-C: the check-in commit. */
  interruptible?: boolean;
}

const queryString = (query: Query = {}): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
};

/** For the one request Ctrl-C must not cut off. */
const NEVER = new AbortController().signal;

export class NetworkError extends CliError {
  constructor(url: string, cause: string) {
    super(`cannot reach the vault at ${url}: ${cause}`, EXIT.other, 'NETWORK');
  }
}

export interface CheckinBody {
  uploadId?: string;
  /** (v2) Revert: commit the bytes of this earlier version; exclusive with uploadId. */
  fromVersion?: number;
  message?: string;
  keepLock?: boolean;
}

export class VaultApi {
  constructor(
    readonly connection: Connection,
    private readonly interrupt: AbortSignal,
  ) {}

  get url(): string {
    return this.connection.url;
  }

  private async call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    return (await this.send<T>(method, path, options)).body;
  }

  private async send<T>(
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<{ status: number; body: T }> {
    const interruptible = options.interruptible !== false;
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    let status: number;
    let text: string;
    try {
      const { request, response } = openRequest(
        new URL(`${this.connection.url}${path}${queryString(options.query)}`),
        {
          method,
          headers: {
            authorization: `Bearer ${this.connection.token}`,
            accept: 'application/json',
            'user-agent': USER_AGENT,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
          },
        },
        interruptible ? this.interrupt : NEVER,
        API_TIMEOUT_MS,
      );
      request.end(payload);
      const answer = await response;
      status = answer.statusCode ?? 0;
      text = await readText(answer);
    } catch (error) {
      if (interruptible && this.interrupt.aborted) throw error;
      throw new NetworkError(this.connection.url, networkCause(error));
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (status < 200 || status >= 300) throw apiError(status, body, text);
    if (body === undefined) throw otherError(`${method} ${path}: the vault answered ${status} without JSON`);
    return { status, body: body as T };
  }

  /** Every item of a paginated list, following `nextCursor` to the end. */
  private async all<T>(path: string, key: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.call<Record<string, unknown> & { nextCursor: string | null }>('GET', path, {
        query: { ...query, limit: PAGE_LIMIT, cursor },
      });
      items.push(...((page[key] as T[] | undefined) ?? []));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  listFiles = (query: { prefix?: string; status?: FileStatus }) =>
    this.all<VaultFile>('/files', 'files', query);

  /** (v2) The files directly in a folder (`""` or a prefix ending in `/`), not in its sub-folders. */
  listFolderFiles = (prefix: string) => this.all<VaultFile>('/files', 'files', { prefix, depth: 1 });

  /** (v2) The folders directly under a folder. */
  listFolders = (prefix: string) => this.all<Folder>('/folders', 'folders', { prefix });

  getFile = (name: string) => this.call<VaultFile>('GET', `/files/${encodeName(name)}`);

  listVersions = (name: string) => this.all<Version>(`/versions/${encodeName(name)}`, 'versions');

  listLocks = (user?: string) => this.all<Lock>('/locks', 'locks', { user });

  download = (name: string, version?: number) =>
    this.call<Download>('GET', `/download/${encodeName(name)}`, { query: { version } });

  /** Takes the lock; `created` is false when the caller already held it (200 rather than 201). */
  async checkout(name: string, message?: string) {
    const { status, body } = await this.send<{ lock: Lock; file: VaultFile }>(
      'POST',
      `/checkout/${encodeName(name)}`,
      { body: message === undefined ? {} : { message } },
    );
    return { ...body, created: status === 201 };
  }

  /** A cheap authenticated request: does this URL answer, and does it accept the token? */
  verify = () => this.call<{ locks: Lock[] }>('GET', '/locks', { query: { limit: 1 } });

  stageUpload = (body: { name: string; sizeBytes: number; sha256: string; partSizeBytes?: number }) =>
    this.call<Upload>('POST', '/uploads', { body });

  /** (v2) Presigned PUTs for up to 100 parts of a multipart upload. */
  partUrls = (uploadId: string, parts: { partNumber: number; sha256: string }[]) =>
    this.call<{ parts: PartUrl[] }>('POST', `/uploads/${encodeURIComponent(uploadId)}/parts`, {
      body: { parts },
    });

  /** (v2) An upload in progress and the parts storage holds: what a resumed upload need not send again. */
  uploadStatus = (uploadId: string) =>
    this.call<UploadStatus>('GET', `/uploads/${encodeURIComponent(uploadId)}`);

  /**
   * Commits an upload (or, without one, releases the lock). Once the bytes are up this is not
   * interrupted halfway: the server commits atomically, and a lost answer is asked again.
   */
  async checkin(name: string, body: CheckinBody): Promise<{ file: VaultFile; version: Version | null }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call('POST', `/checkin/${encodeName(name)}`, { body, interruptible: false });
      } catch (error) {
        const lost =
          error instanceof NetworkError ||
          (error instanceof CliError && GATEWAY_GAVE_UP.has(Number(error.details.status)));
        if (!lost || !body.uploadId || attempt >= CHECKIN_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      }
    }
  }

  releaseLock = (name: string, force: boolean) =>
    this.call<{ released: Lock }>('DELETE', `/locks/${encodeName(name)}`, {
      query: { force: force ? 'true' : undefined },
    });

  move = (name: string, to: string, message?: string) =>
    this.call<{ file: VaultFile }>('POST', `/move/${encodeName(name)}`, { body: { to, message } });

  deleteFile = (name: string, message?: string) =>
    this.call<{ trashed: Trashed }>('DELETE', `/files/${encodeName(name)}`, { body: { message } });

  listTrash = (prefix?: string) => this.all<Trashed>('/trash', 'trashed', { prefix });

  restore = (fileId: string, as?: string) =>
    this.call<{ file: VaultFile }>('POST', `/restore/${encodeURIComponent(fileId)}`, { body: { as } });

  release = (name: string, version: number, message: string) =>
    this.call<{ file: VaultFile }>('POST', `/release/${encodeName(name)}`, { body: { version, message } });

  withdraw = (name: string, message: string) =>
    this.call<{ file: VaultFile }>('DELETE', `/release/${encodeName(name)}`, { body: { message } });

  /** One page of the audit trail, newest first. */
  audit = (query: { name?: string; user?: string; type?: string; since?: string; limit?: number }) =>
    this.call<{ entries: AuditEntry[]; nextCursor: string | null }>('GET', '/audit', { query });

  me = () => this.call<Me>('GET', '/me');

  /** (v2) Watch a folder or a file (watching the same prefix again sets its types). */
  watch = (prefix: string, types: EventType[] | null) =>
    this.call<{ watch: Watch }>('POST', '/watches', { body: { prefix, types } });

  listWatches = () => this.call<{ watches: Watch[] }>('GET', '/watches');

  unwatch = (watchId: string) =>
    this.call<{ watch: Watch }>('DELETE', `/watches/${encodeURIComponent(watchId)}`);

  /** (v2) Ask the holder of a file for it. */
  requestFile = (name: string, message?: string) =>
    this.call<{ request: FileRequest }>('POST', `/requests/${encodeName(name)}`, {
      body: message === undefined ? {} : { message },
    });

  /** One page of the caller's feed, newest first, with how many are unread in all. */
  notifications = (cursor?: string, limit = 100) =>
    this.call<{ notifications: Notification[]; nextCursor: string | null; unread: number }>(
      'GET',
      '/notifications',
      { query: { cursor, limit } },
    );

  markRead = (upTo: string) =>
    this.call<{ unread: number }>('POST', '/notifications/read', { body: { upTo } });
}
