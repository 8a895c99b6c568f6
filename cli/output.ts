/** What the CLI prints: tables and sentences for people, JSON for scripts, progress bars on terminals only. */
import { SingleBar } from 'cli-progress';
import type { Lock } from '#shared/model';
import { describeLock, humanBytes } from './format';

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
};

export const lockSummary = (lock: Lock | null): string => (lock ? describeLock(lock) : 'available');

export interface Progress {
  /** `already`: bytes done before this run (a resumed upload); the rate counts only the others. */
  start(label: string, total: number, already?: number): void;
  update(done: number): void;
  stop(): void;
}

const silent: Progress = { start: () => undefined, update: () => undefined, stop: () => undefined };

/** A byte-counting bar on stderr, redrawn at most 10 times a second. */
const bar = (): Progress => {
  let current: SingleBar | null = null;
  let startedAt = 0;
  let before = 0;
  const payload = (done: number, total: number) => {
    const seconds = (performance.now() - startedAt) / 1000;
    return {
      done: humanBytes(done),
      size: humanBytes(total),
      speed: seconds > 0.2 ? `${humanBytes((done - before) / seconds)}/s` : '',
    };
  };
  return {
    start(label, total, already = 0) {
      current?.stop();
      startedAt = performance.now();
      before = already;
      current = new SingleBar({
        format: `${label.padEnd(11)} [{bar}] {percentage}% | {done} / {size} | {speed} | ETA {eta_formatted}`,
        stream: process.stderr,
        barsize: 30,
        hideCursor: true,
        clearOnComplete: false,
        gracefulExit: false,
        emptyOnZero: true,
        etaBuffer: 50,
      });
      current.start(total, already, payload(already, total));
    },
    update(done) {
      if (current) current.update(done, payload(done, current.getTotal()));
    },
    stop() {
      current?.stop();
      current = null;
    },
  };
};

export interface Output {
  readonly json: boolean;
  /** Prints the command's result: `data` as one JSON document with --json, else `text`. */
  result(data: unknown, text: string): void;
  progress: Progress;
}

export const createOutput = (json: boolean): Output => ({
  json,
  result(data, text) {
    process.stdout.write(
      json ? `${JSON.stringify(data, null, 2)}\n` : text.endsWith('\n') ? text : `${text}\n`,
    );
  },
  // Bars only for a person watching: stdout is a terminal and nobody asked for JSON.
  progress: !json && process.stdout.isTTY ? bar() : silent,
});
