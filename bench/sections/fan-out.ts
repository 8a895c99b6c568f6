/**
 * 9. Notifications fan out to what matches: the notifier's cost for one event under `fixtures/`, with
 * 3 matching watches among 10 and among 1,000 (the others on other folders). Watches are found by the
 * prefix they watch, one query per folder above the event's file, so the 997 others are never read.
 */
import type { EmulatorEndpoints } from '#infra/local/local-vault';
import { checkedIn } from '#shared/core/entries';
import type { WatchRecord } from '#shared/core/records';
import { AwsCallCounter, totalCalls } from '../lib/aws-call-counter';
import { createBenchVault, fileRecord } from '../lib/environment';
import { median, timed } from '../lib/stats';

export interface FanOutPoint {
  watches: number;
  matching: number;
  deliverMs: number;
  /** AWS requests one event's fan-out made. */
  calls: number;
}

const RUNS = 30;
const WARMUP = 5;
const MATCHING = 3;
const SEEDING_PARALLELISM = 25;

const watch = (user: string, prefix: string, at: string): WatchRecord => ({
  user,
  watchId: `${user}-${prefix.replace(/\W/g, '-')}`.padEnd(22, 'x').slice(0, 22),
  prefix,
  key: prefix,
  types: null,
  groups: ['programmers'],
  createdAt: at,
});

const subject = async (endpoints: EmulatorEndpoints, watches: number) => {
  const bench = await createBenchVault(endpoints, 'fanout');
  const at = new Date().toISOString();
  const records = [
    ...Array.from({ length: MATCHING }, (_, i) => watch(`watcher-${i}`, 'fixtures/', at)),
    ...Array.from({ length: watches - MATCHING }, (_, i) => watch(`other-${i}`, `elsewhere-${i}/`, at)),
  ];
  for (let i = 0; i < records.length; i += SEEDING_PARALLELISM)
    await Promise.all(
      records.slice(i, i + SEEDING_PARALLELISM).map((record) => bench.notices.putWatch(record)),
    );
  const counter = new AwsCallCounter();
  counter.attach(bench.clients.dynamodb, 'DynamoDB');
  const file = fileRecord('fixtures/jaws/Vise.mcam', null, at);
  let run = 0;
  const context = { newId: () => `bench-event-${watches}-${run}` } as Parameters<typeof checkedIn>[0];
  /** One new event each time (a replayed one would write nothing), its fan-out timed and counted. */
  const deliver = async () => {
    run++;
    const entry = checkedIn(context, file, {
      user: 'bench-author',
      lockId: 'L1',
      version: run,
      message: '',
      at: new Date().toISOString(),
    });
    counter.reset();
    const { ms, result } = await timed(() =>
      bench.vault.fanOut.deliver(entry, `${entry.at}#00#${entry.entryId}`),
    );
    if (result.length !== MATCHING) throw new Error(`${result.length} notifications, not ${MATCHING}`);
    return { ms, calls: totalCalls(counter.counts().sent) };
  };
  return { watches, deliver, drop: bench.drop };
};

export const fanOut = async (
  endpoints: EmulatorEndpoints,
  options: { log: (line: string) => void },
): Promise<FanOutPoint[]> => {
  const subjects = [await subject(endpoints, 10), await subject(endpoints, 1000)];
  try {
    const samples = subjects.map((): { ms: number; calls: number }[] => []);
    // Interleaved, so that a busy machine's drift falls on both alike.
    for (let run = 0; run < WARMUP + RUNS; run++) {
      for (const [i, candidate] of subjects.entries()) {
        const measured = await candidate.deliver();
        if (run >= WARMUP) samples[i]?.push(measured);
      }
    }
    const points = subjects.map((candidate, i) => ({
      watches: candidate.watches,
      matching: MATCHING,
      deliverMs: median((samples[i] ?? []).map((sample) => sample.ms)),
      calls: Math.max(...(samples[i] ?? []).map((sample) => sample.calls)),
    }));
    for (const point of points)
      options.log(
        `  ${point.watches} watches (${point.matching} matching): fan-out ${point.deliverMs.toFixed(2)} ms, ${point.calls} calls`,
      );
    return points;
  } finally {
    for (const candidate of subjects) await candidate.drop();
  }
};
