/**
 * Soak torture: CAMVAULT_TORTURE=full (npm run torture) runs 50 clients for 60 s on 20 files; inside
 * `npm test` a few clients for a few seconds. CAMVAULT_TORTURE_SOAK_{CLIENTS,FILES,SECONDS} override.
 */
import { startTestServer, type TestServer } from '../support/http';
import { runSoak } from './soak';
import { isFullTorture, tortureParameter, writeTortureReport } from './support';

const clients = tortureParameter('CAMVAULT_TORTURE_SOAK_CLIENTS', 50, 8);
const files = tortureParameter('CAMVAULT_TORTURE_SOAK_FILES', 20, 5);
const seconds = tortureParameter('CAMVAULT_TORTURE_SOAK_SECONDS', 60, 6);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

test(
  `soak: ${clients} clients for ${seconds} s on ${files} files, then every invariant holds`,
  async () => {
    const report = await runSoak(server, { clients, files, durationMs: seconds * 1000 });
    writeTortureReport(
      'soak',
      { mode: isFullTorture() ? 'full' : 'small', at: new Date().toISOString(), ...report },
      `# Soak torture (${isFullTorture() ? 'full' : 'small'}), ${new Date().toISOString()}

${clients} clients, ${files} files, ${report.seconds.toFixed(0)} s: ${report.requests} answers
(${(report.requests / report.seconds).toFixed(0)}/s), ${report.committed} versions committed,
${report.failedCheckins} check-ins refused, ${report.downloadsVerified} downloads verified during the run,
${report.versionsAudited} versions audited after it (bytes against SHA-256, history without gaps,
locks with owners, every committed check-in visible, no refused one).

Violations: ${report.violations.length === 0 ? 'none' : `\n\n${report.violations.map((v) => `- ${v}`).join('\n')}`}

${Object.entries(report.answers)
  .map(([key, count]) => `- ${key}: ${count}`)
  .join('\n')}
`,
    );
    expect(report.violations).toEqual([]);
    // The run must have exercised the interesting paths, not only refusals.
    expect(report.committed).toBeGreaterThan(0);
    expect(report.answers['checkout 201'] ?? 0).toBeGreaterThan(0);
    expect(report.answers['checkout 409 LOCKED'] ?? 0).toBeGreaterThan(0);
    expect(report.downloadsVerified).toBeGreaterThan(0);
  },
  (seconds + 120) * 1000,
);
