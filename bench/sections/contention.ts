/**
 * 4. Contention: many users check out one file at the same moment through the local HTTP server (the
 * very handlers Lambda runs, on DynamoDB Local): exactly one wins, every other is told who did.
 */
import { devToken } from '#infra/local/jwt';
import { BenchClient } from '../lib/http-client';
import { median, percentile, sampleWithin } from '../lib/stats';

export interface ContentionRound {
  users: number;
  winners: number;
  lockedNamingWinner: number;
  other: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  burstMs: number;
}

export interface ContentionResult {
  uncontendedMs: number;
  rounds: ContentionRound[];
}

export const contention = async (options: {
  url: string;
  secret: string;
  users: number;
  rounds: number;
  log: (line: string) => void;
}): Promise<ContentionResult> => {
  const as = (user: string, admin = false) =>
    new BenchClient(options.url, devToken(user, { admin, secret: options.secret, ttlSeconds: 3600 }));
  const name = 'contention/Hot Part.mcam';
  const owner = as('owner');
  const created = await owner.commit(name, Buffer.from('the file everyone wants'), 'v1');
  if (created.status !== 200) throw new Error(`creating ${name}: ${created.status}`);

  // The same request with nobody in the way: the baseline the contended latencies are compared with.
  const solo = as('solo');
  const uncontended: number[] = [];
  await sampleWithin({ minRuns: 30, maxRuns: 200, budgetMs: 3000, warmup: 10 }, async () => {
    const taken = await solo.checkout(name, 'alone');
    if (taken.status !== 201) throw new Error(`uncontended checkout: ${taken.status}`);
    uncontended.push(taken.ms);
    const released = await solo.release(name);
    if (released.status !== 200) throw new Error(`undo: ${released.status}`);
  });

  const clients = Array.from({ length: options.users }, (_, i) => as(`racer${i}`));
  const rounds: ContentionRound[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const started = performance.now();
    const answers = await Promise.all(
      clients.map((client, i) => client.checkout(name, `mine, says racer${i}`)),
    );
    const burstMs = performance.now() - started;
    const winners = answers.filter((answer) => answer.status === 201);
    const winner = winners[0]?.body.lock.user as string | undefined;
    const lockedNamingWinner = answers.filter(
      (answer) =>
        answer.status === 409 &&
        answer.body.error.code === 'LOCKED' &&
        answer.body.error.lock.user === winner &&
        String(answer.body.error.message).includes(winner ?? '\u0000'),
    ).length;
    const latencies = answers.map((answer) => answer.ms);
    const result: ContentionRound = {
      users: options.users,
      winners: winners.length,
      lockedNamingWinner,
      other: answers.length - winners.length - lockedNamingWinner,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
      burstMs,
    };
    rounds.push(result);
    options.log(
      `  round ${round + 1}: ${result.winners} winner, ${result.lockedNamingWinner} told who, ${result.other} other; p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms`,
    );
    if (winner) {
      const released = await as(winner).release(name);
      if (released.status !== 200) throw new Error(`the winner's undo: ${released.status}`);
    }
  }
  return { uncontendedMs: median(uncontended), rounds };
};
