/**
 * HTTP over node:http(s). Not fetch: Node 20 loads undici lazily and that alone costs ~40 MB of
 * resident memory, more than everything else the CLI does; node:http also sends exactly the headers
 * it is given, with a content-length rather than chunked encoding.
 */
import {
  type ClientRequest,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A request that moves no byte for this long is given up. */
export const IDLE_TIMEOUT_MS = 120_000;

export interface OpenRequest {
  request: ClientRequest;
  /** Settles with the response head, or the request's error (refused, reset, aborted, timed out). */
  response: Promise<IncomingMessage>;
}

/** Starts a request; the caller writes the body (or just `end()`s it) and awaits `response`. */
export const openRequest = (
  url: URL,
  options: RequestOptions,
  signal: AbortSignal,
  idleTimeoutMs = IDLE_TIMEOUT_MS,
): OpenRequest => {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const request = send(url, { ...options, signal, timeout: idleTimeoutMs });
  request.on('timeout', () =>
    request.destroy(
      Object.assign(new Error(`no answer for ${idleTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' }),
    ),
  );
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.on('response', resolve);
    request.on('error', reject);
  });
  return { request, response };
};

/** A response body as text, at most `limit` bytes of it (the rest is dropped). */
export const readText = async (response: IncomingMessage, limit = 1024 * 1024): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    if (size < limit) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
};

/** Why a request got no answer, in a word or two: ECONNREFUSED, ETIMEDOUT, ENOTFOUND… */
export const networkCause = (error: unknown): string =>
  (error as { code?: string }).code ?? (error as Error).message ?? String(error);
