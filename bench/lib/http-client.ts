/** A small client of the HTTP contract for the bench: one user's token, JSON in and out, latency measured. */
import { createHash } from 'node:crypto';

export const encodeName = (name: string): string => name.split('/').map(encodeURIComponent).join('/');
export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export interface Answer<T = any> {
  status: number;
  body: T;
  ms: number;
}

export class BenchClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async request<T = any>(method: string, path: string, json?: unknown): Promise<Answer<T>> {
    const started = performance.now();
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      ms: performance.now() - started,
    };
  }

  checkout = (name: string, message = '') =>
    this.request('POST', `/checkout/${encodeName(name)}`, { message });
  release = (name: string, force = false) =>
    this.request('DELETE', `/locks/${encodeName(name)}${force ? '?force=true' : ''}`);
  checkin = (name: string, body: { uploadId?: string; message?: string; keepLock?: boolean } = {}) =>
    this.request('POST', `/checkin/${encodeName(name)}`, body);
  stage = (name: string, sizeBytes: number, sha256: string, partSizeBytes?: number) =>
    this.request('POST', '/uploads', { name, sizeBytes, sha256, partSizeBytes });
  partUrls = (uploadId: string, parts: { partNumber: number; sha256: string }[]) =>
    this.request('POST', `/uploads/${uploadId}/parts`, { parts });
  downloadLink = (name: string) => this.request('GET', `/download/${encodeName(name)}`);

  /** Stage, PUT to storage, check in: a new file's version 1 or the next version under the caller's lock. */
  async commit(name: string, bytes: Buffer, message = ''): Promise<Answer> {
    const staged = await this.stage(name, bytes.length, sha256Hex(bytes));
    if (staged.status !== 201)
      throw new Error(`staging ${name}: ${staged.status} ${JSON.stringify(staged.body)}`);
    const put = await fetch(staged.body.url, { method: 'PUT', headers: staged.body.headers, body: bytes });
    if (put.status !== 200) throw new Error(`PUT ${name}: ${put.status} ${await put.text()}`);
    return this.checkin(name, { uploadId: staged.body.uploadId, message });
  }
}
