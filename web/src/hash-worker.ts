/**
 * The hashing worker (bundled as hash-worker.js beside app.js): one DigestRequest in, progress and
 * one digest out, so that hashing gigabytes leaves the page's thread free. The page ends it with
 * terminate() when the user cancels.
 */
import { type DigestMessage, type DigestRequest, digestBlob } from './digest';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<DigestRequest>) => void) | null;
  postMessage(message: DigestMessage): void;
};

scope.onmessage = (event) => {
  digestBlob(event.data, (bytes) => scope.postMessage({ type: 'progress', bytes })).then(
    (digest) => scope.postMessage({ type: 'done', digest }),
    (error: unknown) =>
      scope.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
};
