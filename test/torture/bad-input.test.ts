/**
 * Bad-input torture: generated malformed requests (fast-check) for 60 s with CAMVAULT_TORTURE=full
 * (npm run torture), a few seconds inside `npm test`; CAMVAULT_TORTURE_BAD_INPUT_SECONDS and
 * CAMVAULT_TORTURE_SEED override. Never a 500, always the contract's error, never a state change.
 */
import { startTestServer, type TestServer } from '../support/http';
import { runBadInput } from './bad-input';
import { closeRawAgent, isFullTorture, tortureParameter, writeTortureReport } from './support';

const seconds = tortureParameter('CAMVAULT_TORTURE_BAD_INPUT_SECONDS', 60, 5);
const seed = process.env.CAMVAULT_TORTURE_SEED ? Number(process.env.CAMVAULT_TORTURE_SEED) : undefined;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ CAMVAULT_MAX_UPLOAD_BYTES: '1000000' });
  const alice = server.as('alice');
  for (const name of ['existing.mcam', 'locked.mcam', 'folder/Plate A.mcam']) {
    expect((await alice.commit(name, Buffer.from(`${name} v1`))).status).toBe(200);
  }
  expect((await server.as('bob').checkout('locked.mcam', 'bob works here')).status).toBe(201);
});
afterAll(async () => {
  closeRawAgent();
  await server.close();
});

test(
  `bad input for ${seconds} s: never a 500, always the contract's error, never a state change`,
  async () => {
    const report = await runBadInput(server, { durationMs: seconds * 1000, seed });
    const list = (counts: Record<string, number>) =>
      Object.entries(counts)
        .map(([key, count]) => `- ${key}: ${count}`)
        .join('\n');
    writeTortureReport(
      'bad-input',
      { mode: isFullTorture() ? 'full' : 'small', at: new Date().toISOString(), ...report },
      `# Bad-input torture (${isFullTorture() ? 'full' : 'small'}), ${new Date().toISOString()}

${report.requests} generated requests in ${report.seconds.toFixed(0)} s (fast-check seed ${report.seed}),
the vault's state compared ${report.snapshotsCompared} times. Result: ${report.failure ? `**failed**\n\n\`\`\`\n${report.failure}\n\`\`\`` : 'no 500, every answer as the contract says, no state change.'}

## Statuses
${list(report.byStatus)}

## Routes
${list(report.byRoute)}

## Defects
${list(report.byDefect)}
`,
    );
    expect(report.failure).toBeNull();
    expect(report.requests).toBeGreaterThan(50);
  },
  (seconds + 120) * 1000,
);
