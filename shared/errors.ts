import type { Lock } from './model';

/** Every error the contract names, with its HTTP status. */
export const errorStatus = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  LOCKED: 409,
  NOT_LOCKED: 409,
  LOCK_LOST: 409,
  ALREADY_EXISTS: 409,
  NOT_RELEASED: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** A failure the caller can act on; its code and message reach the client as they are. */
export class VaultError extends Error {
  readonly status: number;

  constructor(
    readonly code: Exclude<ErrorCode, 'INTERNAL'>,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'VaultError';
    this.status = errorStatus[code];
  }
}

export const badRequest = (message: string) => new VaultError('BAD_REQUEST', message);
export const unauthorized = (message: string) => new VaultError('UNAUTHORIZED', message);
export const forbidden = (message: string) => new VaultError('FORBIDDEN', message);
export const notFound = (message: string) => new VaultError('NOT_FOUND', message);
export const notLocked = (name: string) => new VaultError('NOT_LOCKED', `${name} is not checked out to you`);
/** Nobody holds the lock: what an undo or a break finds on an available file. */
export const notCheckedOut = (name: string) => new VaultError('NOT_LOCKED', `${name} is not checked out`);
export const locked = (lock: Lock) =>
  new VaultError(
    'LOCKED',
    `${lock.name} is checked out by ${lock.user} since ${lock.acquiredAt}${lock.message ? ` — '${lock.message}'` : ''}`,
    { lock },
  );
export const lockLost = (name: string) =>
  new VaultError(
    'LOCK_LOST',
    `the lock ${name} was staged under has since been released or broken; check it out again and re-upload`,
  );
export const alreadyExists = (name: string) =>
  new VaultError('ALREADY_EXISTS', `a file named ${name} already exists (names are case-insensitive)`);
export const preconditionFailed = (message: string) => new VaultError('PRECONDITION_FAILED', message);
export const payloadTooLarge = (message: string) => new VaultError('PAYLOAD_TOO_LARGE', message);
