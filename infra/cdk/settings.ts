/**
 * What a deployment may choose, read from CDK context (`-c key=value`, or `context` in cdk.json) and
 * checked before anything is built: a bad value stops `cdk synth` with a message naming the key.
 */

import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ConfigError,
  DEFAULT_MAX_UPLOAD_BYTES,
  DEFAULT_MULTIPART_THRESHOLD_BYTES,
  DEFAULT_ROLES,
  DEFAULT_UPLOAD_TTL_SECONDS,
  type DefaultRole,
  loadConfig,
  MAX_OBJECT_BYTES,
  MAX_SINGLE_PUT_BYTES,
  parseExtensions,
} from '#shared/config';
import { LOG_LEVELS, type LogLevel } from '#shared/logger';

export interface VaultSettings {
  /** The CloudFormation stack's name; a second name deploys a second, independent vault. */
  stackName: string;
  /** The one browser origin the API's and the bucket's CORS allow, e.g. `https://vault.example.com`. */
  webOrigin: string;
  /** Where Cognito's hosted login may send a browser back with an authorization code. */
  callbackUrls: string[];
  logoutUrls: string[];
  extensions: string[];
  urlTtlSeconds: number;
  /** Null: locks never expire. */
  lockTtlSeconds: number | null;
  maxUploadBytes: number;
  /** Uploads above this size are multipart. */
  multipartThresholdBytes: number;
  /** How long a staged (or half-sent) upload can still be resumed and checked in. */
  uploadTtlSeconds: number;
  /** Users created in the `admins` group at deploy time; Cognito e-mails each a temporary password. */
  adminEmails: string[];
  logLevel: LogLevel;
  logRetention: RetentionDays;
  /** How long a sign-in lasts: the app client's refresh-token validity, in days. */
  refreshTokenValidityDays: number;
  /** The prefix of Cognito's hosted-login domain (`<prefix>.auth.<region>.amazoncognito.com`); null: none. */
  authDomainPrefix: string | null;
  /** Addresses subscribed to the vault's topic by e-mail; each must confirm the subscription. */
  notifyEmails: string[];
  /** Whether the chat-webhook function, its secret and its dead-letter queue are deployed. */
  webhook: boolean;
  /** The role of a signed-in user in none of the role groups. */
  defaultRole: DefaultRole;
  /** Whether a lead may not release a version they checked in themselves. */
  releaseFourEyes: boolean;
  /** The sender of the notification digests, verified in SES; null: no e-mail, the feed only. */
  mailFrom: string | null;
  /** Minutes between two digest runs. */
  digestMinutes: number;
}

/** Every context key a deployment may set, with what it means: the README's table is this list. */
export const SETTING_KEYS = {
  stackName: 'stack name (default Camvault)',
  webOrigin: "browser origin allowed by CORS (default the web page's CloudFront origin)",
  callbackUrls: 'OAuth callback URLs, comma-separated (default <webOrigin>/, or the web page URL)',
  logoutUrls: 'OAuth sign-out URLs, comma-separated (default the callback URLs)',
  extensions: 'allowed file extensions, comma-separated (default .mcam)',
  urlTtlSeconds: 'presigned URL lifetime in seconds, 1–604800 (default 900)',
  lockTtlSeconds: 'lock lifetime in seconds (default: locks never expire)',
  maxUploadBytes: 'largest upload in bytes, up to 5 TiB (default 53687091200, 50 GiB)',
  multipartThresholdBytes:
    'uploads above this many bytes are multipart, up to 5 GiB (default 104857600, 100 MiB)',
  uploadTtlSeconds:
    'seconds a staged or half-sent upload can still be resumed and checked in (default 604800, 7 days)',
  adminEmails: 'e-mail addresses of admin users to create, comma-separated (default none)',
  logLevel: `function log level, one of ${LOG_LEVELS.join(', ')} (default INFO)`,
  logRetentionDays: 'days CloudWatch keeps function and access logs (default 90)',
  authDomainPrefix: 'Cognito hosted-login domain prefix, needed by the web sign-in (default none)',
  refreshTokenValidityDays:
    'days a sign-in lasts before the CLI or the web page asks for the password again, 1–3650 (default 30)',
  notifyEmails: 'e-mail addresses subscribed to the event topic, comma-separated (default none)',
  webhook:
    'switch for the chat webhook, true or false: true posts every event to a chat webhook whose URL is kept in Secrets Manager (default false)',
  defaultRole: `role of a user in none of the role groups, one of ${DEFAULT_ROLES.join(', ')} (default programmers)`,
  releaseFourEyes:
    'four eyes on releases, true or false: true means a lead may not release a version they checked in (default false)',
  mailFrom:
    "sender address of the notification e-mails, verified in SES; set, it mails each user a digest of their feed's new notifications (default none: the feed only)",
  digestMinutes: 'minutes between two notification digest mails, 2–1440 (default 15)',
} as const;

export type SettingKey = keyof typeof SETTING_KEYS;

export class SettingsError extends Error {
  override name = 'SettingsError';
}

type ReadContext = (key: SettingKey) => unknown;

const fail = (key: SettingKey, problem: string): never => {
  throw new SettingsError(`context "${key}": ${problem}. It is the ${SETTING_KEYS[key]}.`);
};

const text = (read: ReadContext, key: SettingKey): string | undefined => {
  const value = read(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return fail(key, `expected a string, got ${JSON.stringify(value)}`);
  return value.trim() === '' ? undefined : value.trim();
};

/** A list from cdk.json (a JSON array) or from the command line (a comma-separated string). */
const list = (read: ReadContext, key: SettingKey): string[] | undefined => {
  const value = read(key);
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
  if (items === null || items.some((item) => typeof item !== 'string')) {
    return fail(key, `expected a list of strings, got ${JSON.stringify(value)}`);
  }
  return (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
};

const integer = (read: ReadContext, key: SettingKey, min: number, max: number): number | undefined => {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < min || number > max) {
    return fail(key, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return number;
};

const flag = (read: ReadContext, key: SettingKey): boolean | undefined => {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'string' ? value.trim().toLowerCase() : null;
  if (word === 'true' || word === 'false') return word === 'true';
  return fail(key, `expected true or false, got ${JSON.stringify(value)}`);
};

/**
 * HTTPS, or plain HTTP on this machine only: what browsers accept for a web app. Cognito accepts a
 * plain-HTTP redirect for `localhost` alone, not for a loopback address.
 */
const webUrl = (key: SettingKey, raw: string, plainHttpHosts = ['localhost', '127.0.0.1', '[::1]']): URL => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(key, `"${raw}" is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && plainHttpHosts.includes(url.hostname))) {
    return fail(key, `"${raw}" must use https (plain http only for ${plainHttpHosts.join(' or ')})`);
  }
  if (url.username || url.password || url.hash) return fail(key, `"${raw}" must not hold credentials or a #`);
  return url;
};

/** Where Cognito may redirect a browser. */
const redirectUrl = (key: SettingKey, raw: string): URL => webUrl(key, raw, ['localhost']);

const origin = (read: ReadContext): string => {
  const raw = text(read, 'webOrigin') ?? 'http://localhost:3000';
  const url = webUrl('webOrigin', raw);
  if (url.pathname !== '/' || url.search || raw.endsWith('/')) {
    fail('webOrigin', `"${raw}" must be an origin only: scheme, host and port, no path or trailing slash`);
  }
  return url.origin;
};

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
/** Cognito's rules for a domain prefix. */
const DOMAIN_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

const unique = (values: string[]): string[] =>
  values.filter((value, i) => values.findIndex((other) => other.toLowerCase() === value.toLowerCase()) === i);

export const readSettings = (read: ReadContext): VaultSettings => {
  const stackName = text(read, 'stackName') ?? 'Camvault';
  if (!STACK_NAME.test(stackName)) fail('stackName', `"${stackName}" is not a valid stack name`);

  const webOrigin = origin(read);
  const callbackUrls = list(read, 'callbackUrls') ?? [`${webOrigin}/`];
  if (callbackUrls.length === 0) fail('callbackUrls', 'at least one URL is needed');
  for (const url of callbackUrls) redirectUrl('callbackUrls', url);
  const logoutUrls = list(read, 'logoutUrls') ?? callbackUrls;
  for (const url of logoutUrls) redirectUrl('logoutUrls', url);

  const extensionsValue = read('extensions');
  let extensions: string[];
  try {
    extensions = parseExtensions(
      Array.isArray(extensionsValue) ? extensionsValue.join(',') : (text(read, 'extensions') ?? '.mcam'),
    );
  } catch (error) {
    return fail('extensions', (error as Error).message);
  }

  const emails = (key: SettingKey): string[] => {
    const addresses = unique(list(read, key) ?? []);
    for (const email of addresses) if (!EMAIL.test(email)) fail(key, `"${email}" is not an e-mail address`);
    return addresses;
  };
  const adminEmails = emails('adminEmails');
  const notifyEmails = emails('notifyEmails');
  const mailFrom = text(read, 'mailFrom') ?? null;
  if (mailFrom !== null && !EMAIL.test(mailFrom)) fail('mailFrom', `"${mailFrom}" is not an e-mail address`);

  const logLevel = (text(read, 'logLevel') ?? 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) fail('logLevel', `"${logLevel}" is not a level`);

  const logRetention = integer(read, 'logRetentionDays', 1, 9999) ?? RetentionDays.THREE_MONTHS;
  if (!(Object.values(RetentionDays) as unknown[]).includes(logRetention)) {
    const allowed = Object.values(RetentionDays).filter((days) => typeof days === 'number');
    fail('logRetentionDays', `${logRetention} is not one CloudWatch offers: ${allowed.join(', ')}`);
  }

  const authDomainPrefix = text(read, 'authDomainPrefix') ?? null;
  if (
    authDomainPrefix !== null &&
    (!DOMAIN_PREFIX.test(authDomainPrefix) || /aws|amazon|cognito/.test(authDomainPrefix))
  ) {
    fail(
      'authDomainPrefix',
      `"${authDomainPrefix}": lowercase letters, digits and hyphens, without aws, amazon or cognito`,
    );
  }

  const defaultRole = text(read, 'defaultRole') ?? 'programmers';
  if (!(DEFAULT_ROLES as readonly string[]).includes(defaultRole)) {
    fail('defaultRole', `"${defaultRole}" is not one of ${DEFAULT_ROLES.join(', ')}`);
  }

  const settings: VaultSettings = {
    stackName,
    webOrigin,
    callbackUrls,
    logoutUrls,
    extensions,
    urlTtlSeconds: integer(read, 'urlTtlSeconds', 1, 7 * 24 * 3600) ?? 900,
    lockTtlSeconds: integer(read, 'lockTtlSeconds', 1, Number.MAX_SAFE_INTEGER) ?? null,
    maxUploadBytes: integer(read, 'maxUploadBytes', 1, MAX_OBJECT_BYTES) ?? DEFAULT_MAX_UPLOAD_BYTES,
    multipartThresholdBytes:
      integer(read, 'multipartThresholdBytes', 1, MAX_SINGLE_PUT_BYTES) ?? DEFAULT_MULTIPART_THRESHOLD_BYTES,
    uploadTtlSeconds: integer(read, 'uploadTtlSeconds', 1, 365 * 24 * 3600) ?? DEFAULT_UPLOAD_TTL_SECONDS,
    adminEmails,
    logLevel: logLevel as LogLevel,
    logRetention,
    authDomainPrefix,
    refreshTokenValidityDays: integer(read, 'refreshTokenValidityDays', 1, 3650) ?? 30,
    notifyEmails,
    webhook: flag(read, 'webhook') ?? false,
    defaultRole: defaultRole as DefaultRole,
    releaseFourEyes: flag(read, 'releaseFourEyes') ?? false,
    mailFrom,
    digestMinutes: integer(read, 'digestMinutes', 2, 1440) ?? 15,
  };
  // The functions check their configuration at cold start; check it here first, with the same code.
  try {
    loadConfig(vaultEnvironment(settings, { table: 'table', bucket: 'bucket' }));
  } catch (error) {
    if (error instanceof ConfigError) throw new SettingsError(`the functions would refuse: ${error.message}`);
    throw error;
  }
  return settings;
};

/** The variables `shared/config.ts` reads, as the settings and the stack's resources give them. */
export const vaultEnvironment = (
  settings: VaultSettings,
  resources: { table: string; bucket: string },
): Record<string, string> => ({
  CAMVAULT_TABLE: resources.table,
  CAMVAULT_BUCKET: resources.bucket,
  CAMVAULT_EXTENSIONS: settings.extensions.join(','),
  CAMVAULT_URL_TTL_SECONDS: String(settings.urlTtlSeconds),
  CAMVAULT_MAX_UPLOAD_BYTES: String(settings.maxUploadBytes),
  CAMVAULT_MULTIPART_THRESHOLD_BYTES: String(settings.multipartThresholdBytes),
  CAMVAULT_UPLOAD_TTL_SECONDS: String(settings.uploadTtlSeconds),
  CAMVAULT_DEFAULT_ROLE: settings.defaultRole,
  CAMVAULT_RELEASE_FOUR_EYES: String(settings.releaseFourEyes),
  // The feeds' notifier marks each notification due by mail only when the digests are deployed.
  CAMVAULT_EMAIL_NOTIFICATIONS: String(settings.mailFrom !== null),
  // Unset means locks never expire: the variable is left out rather than set empty.
  ...(settings.lockTtlSeconds === null ? {} : { CAMVAULT_LOCK_TTL_SECONDS: String(settings.lockTtlSeconds) }),
});
