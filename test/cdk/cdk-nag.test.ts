/**
 * The app synthesizes offline, as `cdk synth` does (bundling aside), and cdk-nag's AwsSolutions checks
 * find nothing unacknowledged; every acknowledgement answers a real finding with a one-line reason.
 * Twice: with the defaults, and with every optional resource on (e-mail subscribers, the webhook, mail digests).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createVaultApp } from '../../infra/cdk/vault-app';

const CONFIGURATIONS: [string, Record<string, unknown>][] = [
  ['the defaults', {}],
  [
    'every optional resource',
    { notifyEmails: 'team@example.com', webhook: 'true', mailFrom: 'vault@example.com' },
  ],
];

describe.each(CONFIGURATIONS)('with %s', (_, settings) => {
  let app: App;
  let outdir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'camvault-synth-'));
    ({ app } = createVaultApp({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...settings } }));
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  /** Each acknowledged rule id with its reason and where it was given. */
  const acknowledgements = () =>
    app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
            id: id.replace(/^annotation::/i, ''),
            reason,
            path: construct.node.path,
          })),
        ),
    );

  const findingsOf = (checks: AwsSolutionsChecks) =>
    checks
      .validateScope(app)
      .violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.constructPath}`),
      )
      .sort();

  test('AwsSolutions finds nothing unacknowledged', () => {
    expect(findingsOf(new AwsSolutionsChecks())).toEqual([]);
  });

  test('synthesizes with no network, and the validation report holds no failure', () => {
    expect(() => app.synth()).not.toThrow();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const failures = (
      report.pluginReports as { pluginName: string; conclusion: string; violations?: unknown[] }[]
    ).filter((plugin) => plugin.conclusion !== 'success' || (plugin.violations ?? []).length > 0);
    expect(failures).toEqual([]);
  });

  test('every acknowledgement gives its reason in one line', () => {
    const given = acknowledgements();
    expect(given.length).toBeGreaterThan(0);
    for (const { id, reason } of given) {
      expect({
        id,
        reason: reason.trim().length > 20 && !reason.includes('\n') && reason.length <= 160,
      }).toEqual({
        id,
        reason: true,
      });
    }
  });

  test('every acknowledgement answers a finding that is really there', () => {
    // The same checks, blind to acknowledgements: what they report is exactly what was acknowledged.
    const blind = new AwsSolutionsChecks();
    Object.assign(blind, { isAcknowledged: () => false });
    const acknowledged = acknowledgements()
      .map(({ id, path }) => `${id} ${path}`)
      .sort();
    const raw = findingsOf(blind);
    // A finding sits on a CloudFormation resource, an acknowledgement on it or an ancestor.
    for (const ack of acknowledged) {
      const [id, path] = ack.split(' ');
      expect({ ack, matched: raw.some((finding) => finding.startsWith(`${id} ${path}/`)) }).toEqual({
        ack,
        matched: true,
      });
    }
    expect(raw.map((finding) => finding.split(' ')[0]).sort()).toEqual(
      acknowledged.map((ack) => ack.split(' ')[0]).sort(),
    );
  });
});
