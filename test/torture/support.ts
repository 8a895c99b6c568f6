/**
 * What the torture tests share: their scale (small inside `npm test`, full with `npm run torture`), a
 * raw HTTP client that sends a path exactly as given, and where they write what they found.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

/** `npm run torture` sets CAMVAULT_TORTURE=full; anything else is the small version run by `npm test`. */
export const isFullTorture = (): boolean => process.env.CAMVAULT_TORTURE === 'full';

/** A number from the environment (e.g. CAMVAULT_TORTURE_SOAK_SECONDS), else the full or small default. */
export const tortureParameter = (variable: string, full: number, small: number): number => {
  const raw = process.env[variable];
  if (raw !== undefined && raw !== '') {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${variable} must be a positive number, got "${raw}"`);
    return value;
  }
  return isFullTorture() ? full : small;
};

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'torture');

/**
 * Writes `<name>-full.{md,json}` or `<name>-small.{md,json}` under test-artifacts/torture/ (git-ignored),
 * so that `npm test` never overwrites what `npm run torture` found; returns the .md path.
 */
export const writeTortureReport = (name: string, data: unknown, markdown: string): string => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = `${name}-${isFullTorture() ? 'full' : 'small'}`;
  writeFileSync(join(ARTIFACTS, `${file}.json`), `${JSON.stringify(data, null, 2)}\n`);
  const path = join(ARTIFACTS, `${file}.md`);
  writeFileSync(path, markdown);
  return path;
};

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/**
 * One request with node:http, the path sent byte for byte (fetch would normalise `..` and `%2e%2e`
 * segments away before the server sees them).
 */
export const rawRequest = (
  baseUrl: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const outgoing = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });

export const closeRawAgent = (): void => agent.destroy();

/** A request that got no HTTP answer at all: the server is down, or went down while answering. */
export const isNetworkError = (error: unknown): boolean => {
  const seen = new Set<unknown>();
  for (let current = error; current && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const code = (current as { code?: string }).code ?? '';
    const message = (current as Error).message ?? '';
    if (
      /^(ECONNREFUSED|ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED|ECONNABORTED)$/.test(code) ||
      /fetch failed|socket hang up|other side closed/.test(message)
    )
      return true;
  }
  return false;
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Counts by key, printed in a stable order. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(key: string, by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  total(): number {
    return [...this.counts.values()].reduce((sum, count) => sum + count, 0);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  table(header: [string, string]): string {
    const rows = Object.entries(this.toJSON()).map(([key, count]) => `| ${key} | ${count} |`);
    return [`| ${header[0]} | ${header[1]} |`, '| --- | --- |', ...rows].join('\n');
  }
}
