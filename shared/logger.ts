/**
 * One structured JSON logger per process: a JSON line per entry on stdout, which CloudWatch Logs
 * Insights reads as fields. Our own few lines rather than a logging library, because every function
 * loads it at cold start (see the cold-start bench). What it must never receive: tokens, presigned
 * URLs, request bodies or file contents — log names, codes and ids only.
 */

const LEVELS = { TRACE: 5, DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, CRITICAL: 50, SILENT: 100 } as const;
export type LogLevel = keyof typeof LEVELS;
export const LOG_LEVELS = Object.keys(LEVELS) as LogLevel[];

const isLevel = (value: string): value is LogLevel => Object.hasOwn(LEVELS, value);

/** Errors as their name, message, stack and cause (JSON.stringify writes an Error as `{}`). */
const errorsAsFields = (_key: string, value: unknown): unknown =>
  value instanceof Error
    ? { name: value.name, message: value.message, stack: value.stack, cause: value.cause }
    : value;

export class Logger {
  private threshold: number;
  private keys: Record<string, unknown> = {};

  constructor(
    private readonly service: string,
    level: string | undefined,
  ) {
    this.threshold =
      LEVELS[level && isLevel(level.toUpperCase()) ? (level.toUpperCase() as LogLevel) : 'INFO'];
  }

  setLogLevel(level: LogLevel): void {
    this.threshold = LEVELS[level];
  }

  /** Keys added to every entry until `resetKeys`: a request's id and route. */
  appendKeys(keys: Record<string, unknown>): void {
    Object.assign(this.keys, keys);
  }

  resetKeys(): void {
    this.keys = {};
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('DEBUG', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.write('INFO', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('WARN', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.write('ERROR', message, fields);
  }

  private write(level: LogLevel, message: string, fields: Record<string, unknown> | undefined): void {
    if (LEVELS[level] < this.threshold) return;
    const entry = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: this.service,
      ...this.keys,
      ...fields,
    };
    process.stdout.write(`${JSON.stringify(entry, errorsAsFields)}\n`);
  }
}

export const logger = new Logger('camvault', process.env.CAMVAULT_LOG_LEVEL);
