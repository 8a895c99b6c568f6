/**
 * Ctrl-C: the first SIGINT (or SIGTERM) aborts whatever is in flight, so each command removes its
 * temporary file and never sends a check-in whose upload did not finish; a second one exits at once.
 * Temporary files are also removed synchronously on any exit, so even that leaves nothing behind.
 */
import { setMaxListeners } from 'node:events';
import { unlinkSync } from 'node:fs';
import { EXIT } from './errors';

const controller = new AbortController();
// Every request and stream of a command listens to this one signal: a sync has dozens at once.
setMaxListeners(256, controller.signal);

/** Aborted on the first Ctrl-C: pass it to every request and stream of a transfer. */
export const interruptSignal: AbortSignal = controller.signal;

const temporaryFiles = new Set<string>();

/** Registers a file to delete if the process exits before `release()` is called. */
export const trackTemporaryFile = (path: string): { release: () => void } => {
  temporaryFiles.add(path);
  return { release: () => temporaryFiles.delete(path) };
};

const removeTemporaryFiles = (): void => {
  for (const path of temporaryFiles) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
  temporaryFiles.clear();
};

export const installInterruptHandlers = (): void => {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    received += 1;
    if (received === 1) {
      controller.abort(new Error(`interrupted by ${signal}`));
      return;
    }
    // A progress bar hid the cursor and turned off line wrapping: give them back.
    if (process.stderr.isTTY) process.stderr.write('\x1b[?25h\x1b[?7h\n');
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', removeTemporaryFiles);
};
