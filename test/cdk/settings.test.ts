/** The deployment's settings: defaults, both context forms (command line and cdk.json), and refusals. */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { loadConfig } from '#shared/config';
import { readSettings, SettingsError, vaultEnvironment } from '../../infra/cdk/settings';

const settingsFrom = (context: Record<string, unknown>) => readSettings((key) => context[key]);

test('defaults: a local web origin, .mcam, 15-minute URLs, locks that never expire, 50 GiB uploads (multipart above 100 MiB, resumable for 7 days), no notification subscribers', () => {
  expect(settingsFrom({})).toEqual({
    stackName: 'Camvault',
    webOrigin: 'http://localhost:3000',
    callbackUrls: ['http://localhost:3000/'],
    logoutUrls: ['http://localhost:3000/'],
    extensions: ['.mcam'],
    urlTtlSeconds: 900,
    lockTtlSeconds: null,
    maxUploadBytes: 50 * 1024 ** 3,
    multipartThresholdBytes: 100 * 1024 ** 2,
    uploadTtlSeconds: 7 * 24 * 3600,
    adminEmails: [],
    logLevel: 'INFO',
    logRetention: RetentionDays.THREE_MONTHS,
    authDomainPrefix: null,
    refreshTokenValidityDays: 30,
    notifyEmails: [],
    webhook: false,
    defaultRole: 'programmers',
    releaseFourEyes: false,
    mailFrom: null,
    digestMinutes: 15,
  });
});

test('command-line strings and cdk.json values mean the same', () => {
  const fromCli = settingsFrom({
    webOrigin: 'https://vault.example.com',
    extensions: '.MCAM, .emcam',
    urlTtlSeconds: '600',
    lockTtlSeconds: '3600',
    adminEmails: 'a@example.com, b@example.com,A@example.com',
    logRetentionDays: '30',
    refreshTokenValidityDays: '7',
    notifyEmails: 'team@example.com, Team@example.com,lead@example.com',
    webhook: 'TRUE',
    defaultRole: ' operators ',
    releaseFourEyes: 'true',
    mailFrom: ' vault@example.com ',
    digestMinutes: '60',
  });
  const fromJson = settingsFrom({
    webOrigin: 'https://vault.example.com',
    extensions: ['.mcam', '.emcam'],
    urlTtlSeconds: 600,
    lockTtlSeconds: 3600,
    adminEmails: ['a@example.com', 'b@example.com'],
    logRetentionDays: 30,
    refreshTokenValidityDays: 7,
    notifyEmails: ['team@example.com', 'lead@example.com'],
    webhook: true,
    defaultRole: 'operators',
    releaseFourEyes: true,
    mailFrom: 'vault@example.com',
    digestMinutes: 60,
  });
  expect(fromCli).toEqual(fromJson);
  expect(fromCli).toMatchObject({
    callbackUrls: ['https://vault.example.com/'],
    extensions: ['.mcam', '.emcam'],
    adminEmails: ['a@example.com', 'b@example.com'],
    notifyEmails: ['team@example.com', 'lead@example.com'],
    refreshTokenValidityDays: 7,
    webhook: true,
    defaultRole: 'operators',
    releaseFourEyes: true,
    mailFrom: 'vault@example.com',
    digestMinutes: 60,
  });
  expect(settingsFrom({ webhook: 'false' }).webhook).toBe(false);
});

test.each([
  ['webOrigin', 'http://vault.example.com', /https/],
  ['webOrigin', 'https://vault.example.com/app', /origin only/],
  ['webOrigin', 'vault.example.com', /not a URL/],
  ['callbackUrls', 'http://evil.example.com/cb', /https/],
  ['callbackUrls', 'http://127.0.0.1:3000/', /only for localhost/],
  ['extensions', 'mcam', /extensions/],
  ['urlTtlSeconds', '0', /1 to 604800/],
  ['urlTtlSeconds', 604_801, /1 to 604800/],
  ['lockTtlSeconds', '1.5', /integer/],
  ['maxUploadBytes', String(5 * 1024 ** 4 + 1), /integer/],
  ['multipartThresholdBytes', String(5 * 1024 ** 3 + 1), /integer/],
  ['uploadTtlSeconds', '0', /integer/],
  ['adminEmails', 'not-an-address', /e-mail/],
  ['notifyEmails', 'team@example.com,team', /e-mail/],
  ['notifyEmails', 42, /list of strings/],
  ['webhook', 'yes', /true or false/],
  ['webhook', 1, /true or false/],
  ['logLevel', 'LOUD', /level/],
  ['logRetentionDays', 42, /CloudWatch/],
  ['authDomainPrefix', 'my-aws-login', /without aws/],
  ['refreshTokenValidityDays', '0', /1 to 3650/],
  ['refreshTokenValidityDays', 3651, /1 to 3650/],
  ['stackName', '1stack', /stack name/],
  ['defaultRole', 'admins', /one of programmers, operators, none/],
  ['defaultRole', 'Operators', /one of programmers, operators, none/],
  ['releaseFourEyes', 'on', /true or false/],
  ['mailFrom', 'vault', /e-mail/],
  ['mailFrom', 'a@example.com,b@example.com', /e-mail/],
  ['digestMinutes', '1', /2 to 1440/],
  ['digestMinutes', 1441, /2 to 1440/],
])('refuses %s = %p, naming the key', (key, value, problem) => {
  const attempt = () => settingsFrom({ [key]: value });
  expect(attempt).toThrow(SettingsError);
  expect(attempt).toThrow(new RegExp(`context "${key}"`));
  expect(attempt).toThrow(problem);
});

test('the functions’ environment carries the role and release settings, and leaves the lock lifetime out unless one is set', () => {
  const resources = { table: 'table', bucket: 'bucket' };
  expect(vaultEnvironment(settingsFrom({}), resources)).toEqual({
    CAMVAULT_TABLE: 'table',
    CAMVAULT_BUCKET: 'bucket',
    CAMVAULT_EXTENSIONS: '.mcam',
    CAMVAULT_URL_TTL_SECONDS: '900',
    CAMVAULT_MAX_UPLOAD_BYTES: String(50 * 1024 ** 3),
    CAMVAULT_MULTIPART_THRESHOLD_BYTES: String(100 * 1024 ** 2),
    CAMVAULT_UPLOAD_TTL_SECONDS: String(7 * 24 * 3600),
    CAMVAULT_DEFAULT_ROLE: 'programmers',
    CAMVAULT_RELEASE_FOUR_EYES: 'false',
    CAMVAULT_EMAIL_NOTIFICATIONS: 'false',
  });
  expect(vaultEnvironment(settingsFrom({ lockTtlSeconds: 60 }), resources)).toMatchObject({
    CAMVAULT_LOCK_TTL_SECONDS: '60',
  });
  const shop = vaultEnvironment(settingsFrom({ defaultRole: 'none', releaseFourEyes: true }), resources);
  expect(loadConfig(shop)).toMatchObject({ defaultRole: 'none', releaseFourEyes: true });
  // A sender deploys the digests: only then is anything marked due by mail.
  const mailing = vaultEnvironment(settingsFrom({ mailFrom: 'vault@example.com' }), resources);
  expect(loadConfig(mailing)).toMatchObject({ emailNotifications: true });
});
