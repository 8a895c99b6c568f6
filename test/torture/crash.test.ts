/**
 * Crash torture: 100 check-ins with SIGKILLs of the local server at random moments (about one in
 * three) under CAMVAULT_TORTURE=full (npm run torture); inside `npm test`, 4 check-ins with 2 kills.
 * CAMVAULT_TORTURE_CRASH_CHECKINS and CAMVAULT_TORTURE_CRASH_KILL_CHANCE override.
 */
import { runCrash } from './crash';
import { isFullTorture, tortureParameter, writeTortureReport } from './support';

const checkins = tortureParameter('CAMVAULT_TORTURE_CRASH_CHECKINS', 100, 4);
const killChance = tortureParameter('CAMVAULT_TORTURE_CRASH_KILL_CHANCE', 0.3, 0.5);
const small = !isFullTorture() && !process.env.CAMVAULT_TORTURE_CRASH_CHECKINS;

test(
  `crash: ${checkins} check-ins, the server killed at random moments: old or new version, never between`,
  async () => {
    const report = await runCrash({
      checkins,
      files: isFullTorture() ? 5 : 2,
      killChance,
      // Small: two kills at random moments of the second and third check-ins (a kill whose moment
      // comes after its check-in ended falls on the next one).
      killAt: small ? [1, 2] : undefined,
    });
    const list = (counts: Record<string, number>) =>
      Object.entries(counts)
        .map(([key, count]) => `- ${key}: ${count}`)
        .join('\n');
    writeTortureReport(
      'crash',
      { mode: isFullTorture() ? 'full' : 'small', at: new Date().toISOString(), ...report },
      `# Crash torture (${isFullTorture() ? 'full' : 'small'}), ${new Date().toISOString()}

${report.checkins} check-ins on ${report.parameters.files} files in ${report.seconds.toFixed(0)} s; the server
(\`node --import tsx infra/local/main.ts\`) killed with SIGKILL ${report.kills} times and started again
each time (starts took ${report.serverStartSeconds.join(', ')} s). ${report.audits} audits of the whole vault, one
right after each restart: ${report.committedBeforeKill} check-in request(s) had committed before their kill.

Violations: ${report.violations.length === 0 ? 'none' : `\n\n${report.violations.map((v) => `- ${v}`).join('\n')}`}

## Kills by phase of the check-in
${list(report.killsByPhase)}

## What the client's retry got
${list(report.retries)}
`,
    );
    expect(report.violations).toEqual([]);
    expect(report.kills).toBeGreaterThan(0);
  },
  (checkins * 15 + 180) * 1000,
);
