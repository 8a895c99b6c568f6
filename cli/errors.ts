/** What can go wrong in the CLI, and the exit code each failure maps to. */
import type { Lock } from '#shared/model';
import { describeLock } from './format';

/** The documented exit codes (130 is the shell's usual code for Ctrl-C). */
export const EXIT = {
  ok: 0,
  other: 1,
  usage: 2,
  conflict: 3,
  notFound: 4,
  auth: 5,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure to report in one line, with its exit code and, for `--json`, a machine-readable code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage, 'USAGE');
export const notFoundError = (message: string) => new CliError(message, EXIT.notFound, 'NOT_FOUND');
export const conflictError = (message: string, code = 'CONFLICT') =>
  new CliError(message, EXIT.conflict, code);
export const authError = (message: string, code = 'UNAUTHORIZED') => new CliError(message, EXIT.auth, code);
export const otherError = (message: string, code = 'ERROR') => new CliError(message, EXIT.other, code);
export const interrupted = (message = 'interrupted') =>
  new CliError(message, EXIT.interrupted, 'INTERRUPTED');

/** The contract's statuses: 400 usage, 401/403 auth, 404 not found, 409/412 conflict, anything else 1. */
export const exitCodeForStatus = (status: number): ExitCode => {
  if (status === 400) return EXIT.usage;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 412) return EXIT.conflict;
  return EXIT.other;
};

const isLock = (value: unknown): value is Lock =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Lock).user === 'string' &&
  typeof (value as Lock).name === 'string';

/** An error answer of the API (`{"error":{code,message,…}}`, or a gateway's own body) as a CliError. */
export const apiError = (status: number, body: unknown, rawText: string): CliError => {
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`;
  const serverMessage =
    typeof error?.message === 'string'
      ? error.message
      : typeof (body as { message?: unknown } | undefined)?.message === 'string'
        ? String((body as { message: string }).message)
        : rawText.trim().slice(0, 200) || `HTTP ${status}`;
  let message = serverMessage;
  if (code === 'LOCKED' && isLock(error?.lock)) message = describeLock(error.lock);
  else if (status === 401)
    message = `the vault refused your token (${serverMessage}); log in again with: camvault login`;
  else if (code === 'INTERNAL' && typeof error?.requestId === 'string' && !message.includes(error.requestId))
    message = `${message} (request id ${error.requestId})`;
  const details: Record<string, unknown> = { status };
  if (error && isLock(error.lock)) details.lock = error.lock;
  if (error && typeof error.requestId === 'string') details.requestId = error.requestId;
  return new CliError(message, exitCodeForStatus(status), code, details);
};
