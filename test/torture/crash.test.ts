/**
 * Crash torture: 100 operations (check-ins, moves and renames, deletes to the trash, restores) with
 * SIGKILLs of the local server at random moments (about one in three) under CAMVAULT_TORTURE=full
 * (npm run torture); inside `npm test`, 7 scripted operations with 4 kills, three of them inside the
 * move, delete and restore requests. CAMVAULT_TORTURE_CRASH_OPERATIONS and
 * CAMVAULT_TORTURE_CRASH_KILL_CHANCE override.
 */
import { runCrash } from './crash';
import { isFullTorture, tortureParameter, writeTortureReport } from './support';

const small = !isFullTorture() && !process.env.CAMVAULT_TORTURE_CRASH_OPERATIONS;
const operations = tortureParameter('CAMVAULT_TORTURE_CRASH_OPERATIONS', 100, 7);
const killChance = tortureParameter('CAMVAULT_TORTURE_CRASH_KILL_CHANCE', 0.3, 0.5);

test(
  `crash: ${operations} check-ins, moves, deletes and restores, the server killed at random moments: every file at its old or its new state, the audit trail exactly what committed`,
  async () => {
    const report = await runCrash({
      operations,
      files: isFullTorture() ? 5 : 2,
      killChance,
      ...(small
        ? {
            // Each kind once unkilled (so the kills know how long its request takes), then killed at a
            // random moment of its own request, then a check-in killed at a random moment of it all.
            script: ['move', 'delete', 'restore', 'move', 'delete', 'restore', 'checkin'],
            killAt: [
              { operation: 3, phase: 'move' },
              { operation: 4, phase: 'delete' },
              { operation: 5, phase: 'restore' },
              { operation: 6 },
            ],
          }
        : {}),
    });
    const list = (counts: Record<string, number>) =>
      Object.entries(counts)
        .map(([key, count]) => `- ${key}: ${count}`)
        .join('\n') || '- none';
    const mode = isFullTorture() ? 'full' : 'small';
    writeTortureReport(
      'crash',
      { mode, at: new Date().toISOString(), ...report },
      `# Crash torture (${mode}), ${new Date().toISOString()}

${operations} operations on ${report.parameters.files} files in ${report.seconds.toFixed(0)} s; the server
(\`node --import tsx infra/local/main.ts\`) killed with SIGKILL ${report.kills} times and started again
each time (starts took ${report.serverStartSeconds.join(', ')} s). ${report.audits} audits of the whole vault
(every file live under exactly one name or in the trash, its versions and bytes, its lock, the folder
counts, and the ${report.auditEntries} entries of the audit trail against the changes that committed),
one right after each restart before the client retried, and one at the end.

Violations: ${report.violations.length === 0 ? 'none' : `\n\n${report.violations.map((v) => `- ${v}`).join('\n')}`}

## Operations
${list(report.operations)}

## Kills, by operation and phase
${list(report.killsByPhase)}

## Kills inside an operation's own request (move, delete, restore, check-in): had it committed?
${list(report.killedRequests)}

## What the client's retry got
${list(report.retries)}
`,
    );
    expect(report.violations).toEqual([]);
    expect(report.kills).toBeGreaterThan(0);
  },
  (operations * 15 + 180) * 1000,
);
