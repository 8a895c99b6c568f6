/**
 * A pass-through HTTP proxy in front of the local server that times every API request, so the bench
 * can tell how much of a CLI command was the server's own work (a check-in verifying the bytes).
 * Bytes never pass through it: they go to storage by presigned URLs.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TimedRequest {
  method: string;
  path: string;
  status: number;
  ms: number;
}

export const startTimingProxy = async (target: string) => {
  const upstream = new URL(target);
  const log: TimedRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    const started = performance.now();
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        answer.on('end', () =>
          log.push({
            method: incoming.method ?? '',
            path: incoming.url ?? '',
            status: answer.statusCode ?? 0,
            ms: performance.now() - started,
          }),
        );
      },
    );
    forwarded.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    /** The requests timed since the last call, and forgets them. */
    take: (): TimedRequest[] => log.splice(0, log.length),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
