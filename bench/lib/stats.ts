/** Small statistics and formatting helpers for the bench: medians, percentiles, timers, units. */

export const sortedCopy = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** The p-th percentile (0–100) by the nearest-rank method; NaN for no values. */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = sortedCopy(values);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
};

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = sortedCopy(values);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** Milliseconds taken by `work`, and its result. */
export const timed = async <T>(work: () => Promise<T> | T): Promise<{ ms: number; result: T }> => {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
};

/** Runs `work` `warmup` times unmeasured, then `runs` times; the milliseconds of each measured run. */
export const sample = async (runs: number, work: () => Promise<unknown> | unknown, warmup = 0) => {
  for (let i = 0; i < warmup; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timed(work)).ms);
  return times;
};

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** `1.23 ms`, `45.6 ms`, `1.20 s`: three significant figures, the unit that reads best. */
export const formatMs = (ms: number): string => {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
};

/** A ratio as `12.3×` (or `0.95×`). */
export const formatRatio = (ratio: number): string => {
  if (!Number.isFinite(ratio)) return '–';
  if (ratio >= 100) return `${ratio.toFixed(0)}×`;
  if (ratio >= 10) return `${ratio.toFixed(1)}×`;
  return `${ratio.toFixed(2)}×`;
};

export const formatCount = (count: number): string => count.toLocaleString('en-US');

export const formatBytes = (bytes: number): string => {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(bytes % GiB === 0 ? 0 : 2)} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB`;
  if (bytes >= KiB) return `${(bytes / KiB).toFixed(1)} KiB`;
  return `${bytes} B`;
};

/** `200M`, `2G`, `500K` (binary units) → bytes. */
export const parseSize = (raw: string): number => {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(raw.trim());
  if (!match) throw new Error(`not a size: ${raw} (try 200M or 2G)`);
  const power = ' KMGT'.indexOf((match[2] || ' ').toUpperCase());
  return Math.round(Number(match[1]) * 1024 ** power);
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Measures `work` at least `minRuns` and at most `maxRuns` times, stopping once `budgetMs` is spent. */
export const sampleWithin = async (
  options: { minRuns: number; maxRuns: number; budgetMs: number; warmup?: number },
  work: () => Promise<unknown> | unknown,
): Promise<number[]> => {
  for (let i = 0; i < (options.warmup ?? 0); i++) await work();
  const times: number[] = [];
  const started = performance.now();
  while (
    times.length < options.minRuns ||
    (times.length < options.maxRuns && performance.now() - started < options.budgetMs)
  ) {
    times.push((await timed(work)).ms);
  }
  return times;
};

/**
 * Medians of the milliseconds each of `works` answers, run in turn (A, B, A, B, ...) so that the drift
 * of a busy machine (JIT warm-up, other load) falls on all of them alike.
 */
export const interleavedMedians = async <Works extends (() => Promise<number>)[]>(
  options: { warmup: number; runs: number },
  works: [...Works],
): Promise<{ [I in keyof Works]: number }> => {
  const times = works.map((): number[] => []);
  for (let run = 0; run < options.warmup + options.runs; run++) {
    for (const [i, work] of works.entries()) {
      const ms = await work();
      if (run >= options.warmup) times[i]?.push(ms);
    }
  }
  return times.map(median) as { [I in keyof Works]: number };
};
