/** The local server on the test emulators, and a small real-HTTP client of the contract. */
import { createHash } from 'node:crypto';
import { devToken } from '#infra/local/jwt';
import { type ServeOptions, serveVault } from '#infra/local/local-vault';
import type { SingleUpload, Upload } from '#shared/model';
import { testEndpoints, uniqueResourceName } from './emulators';

export const TEST_JWT_SECRET = 'test-secret-not-the-default';

export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A small upload is one PUT: its URL and headers. */
export const singlePut = (upload: Upload): SingleUpload => {
  if (upload.method !== 'PUT') throw new Error(`upload ${upload.uploadId} is ${upload.method}, not one PUT`);
  return upload;
};

/** `{name}` in a URL: each segment percent-encoded, slashes kept. */
export const encodeName = (name: string): string => name.split('/').map(encodeURIComponent).join('/');

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null,
  ) {}

  async request<T = any>(
    method: string,
    path: string,
    options: { json?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
    };
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.rawBody !== undefined) {
      headers['content-type'] = 'application/json';
      body = options.rawBody;
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...headers, ...options.headers },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  get = <T = any>(path: string) => this.request<T>('GET', path);

  checkout = (name: string, message?: string) =>
    this.request('POST', `/checkout/${encodeName(name)}`, { json: message === undefined ? {} : { message } });

  stage = (name: string, bytes: Buffer) =>
    this.request('POST', '/uploads', { json: { name, sizeBytes: bytes.length, sha256: sha256Hex(bytes) } });

  /** Stages an upload and PUTs the bytes straight to storage, as every client does. */
  async upload(name: string, bytes: Buffer, putBytes: Buffer = bytes): Promise<string> {
    const staged = await this.stage(name, bytes);
    if (staged.status !== 201)
      throw new Error(`staging ${name}: ${staged.status} ${JSON.stringify(staged.body)}`);
    const put = await fetch(staged.body.url, { method: 'PUT', headers: staged.body.headers, body: putBytes });
    if (put.status !== 200) throw new Error(`PUT ${name}: ${put.status} ${await put.text()}`);
    return staged.body.uploadId;
  }

  checkin = (name: string, body: { uploadId?: string; message?: string; keepLock?: boolean } = {}) =>
    this.request('POST', `/checkin/${encodeName(name)}`, { json: body });

  /** Upload and check in: a new file's version 1, or the next version under the caller's lock. */
  async commit(name: string, bytes: Buffer, message = '') {
    const uploadId = await this.upload(name, bytes);
    return this.checkin(name, { uploadId, message });
  }

  release = (name: string, force?: boolean) =>
    this.request('DELETE', `/locks/${encodeName(name)}${force === undefined ? '' : `?force=${force}`}`);

  /** The bytes of a version, fetched through the presigned download URL. */
  async downloadBytes(name: string, version?: number): Promise<Buffer> {
    const link = await this.get(`/download/${encodeName(name)}${version ? `?version=${version}` : ''}`);
    if (link.status !== 200)
      throw new Error(`download link ${name}: ${link.status} ${JSON.stringify(link.body)}`);
    const response = await fetch(link.body.url);
    if (response.status !== 200) throw new Error(`GET ${name}: ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }
}

/** The local server on a fresh table and bucket; `options` adds events or extra pages as `npm start` has them. */
export const startTestServer = async (
  environment: Record<string, string> = {},
  options: Pick<
    ServeOptions,
    'notifications' | 'extraPages' | 'feeds' | 'sweepEveryMs' | 'verifyEveryMs'
  > = {},
) => {
  const table = uniqueResourceName('table');
  const bucket = uniqueResourceName('bucket');
  const served = await serveVault({
    endpoints: testEndpoints(),
    table,
    bucket,
    jwtSecret: TEST_JWT_SECRET,
    environment,
    ...options,
  });
  const tokenFor = (user: string, admin = false) =>
    devToken(user, { admin, secret: TEST_JWT_SECRET, ttlSeconds: 3600 });
  /** A token as Cognito gives a member of these groups (an array claim, as the pool's tokens carry it). */
  const tokenWithGroups = (user: string, groups: string[]) =>
    devToken(user, { admin: false, groups, secret: TEST_JWT_SECRET, ttlSeconds: 3600 });
  return {
    ...served,
    table,
    bucket,
    tokenFor,
    as: (user: string, options: { admin?: boolean } = {}) =>
      new ApiClient(served.url, tokenFor(user, options.admin)),
    inGroups: (user: string, groups: string[]) => new ApiClient(served.url, tokenWithGroups(user, groups)),
    anonymous: () => new ApiClient(served.url, null),
  };
};

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;
