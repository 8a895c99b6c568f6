/** A Git LFS client of the vault's `/lfs/{repo}` over real HTTP, speaking the media type git-lfs sends. */
import type { ApiResponse } from './http';

export const LFS_TYPE = 'application/vnd.git-lfs+json';

/** How a request proves who it is: Git's Basic (any user name, the token as password), a Bearer token, or nothing. */
export type LfsAuth = { basic: string } | { bearer: string } | null;

export const authorization = (auth: LfsAuth): Record<string, string> => {
  if (auth === null) return {};
  if ('bearer' in auth) return { authorization: `Bearer ${auth.bearer}` };
  return { authorization: `Basic ${Buffer.from(`git:${auth.basic}`).toString('base64')}` };
};

export class LfsClient {
  constructor(
    readonly baseUrl: string,
    readonly repo: string,
    readonly auth: LfsAuth,
  ) {}

  async request<T = any>(
    method: 'GET' | 'POST',
    endpoint: string,
    options: { json?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const body = options.json !== undefined ? JSON.stringify(options.json) : options.rawBody;
    const response = await fetch(`${this.baseUrl}/lfs/${this.repo}${endpoint}`, {
      method,
      headers: {
        accept: LFS_TYPE,
        ...(body === undefined ? {} : { 'content-type': `${LFS_TYPE}; charset=utf-8` }),
        ...authorization(this.auth),
        ...options.headers,
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  lock = (path: string) =>
    this.request('POST', '/locks', { json: { path, ref: { name: 'refs/heads/main' } } });

  locks = (query = '') => this.request('GET', `/locks${query}`);

  verify = (body: Record<string, unknown> = {}) =>
    this.request('POST', '/locks/verify', { json: { ref: { name: 'refs/heads/main' }, ...body } });

  unlock = (id: string, force?: boolean) =>
    this.request('POST', `/locks/${id}/unlock`, {
      json: { ...(force === undefined ? {} : { force }), ref: { name: 'refs/heads/main' } },
    });

  batch = (operation: 'upload' | 'download', objects: { oid: string; size: number }[]) =>
    this.request('POST', '/objects/batch', {
      json: {
        operation,
        transfers: ['basic'],
        ref: { name: 'refs/heads/main' },
        objects,
        hash_algo: 'sha256',
      },
    });
}
