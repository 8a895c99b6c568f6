/** Configuration, read and checked once at cold start: a bad value stops the function with a clear message. */

export interface VaultConfig {
  table: string;
  bucket: string;
  extensions: string[];
  urlTtlSeconds: number;
  lockTtlSeconds: number | null;
  maxUploadBytes: number;
  /** (v2) Uploads above this size are multipart (and any upload whose client asks for a part size). */
  multipartThresholdBytes: number;
  /** (v2) How long a staged (or half-sent) upload can still be resumed and checked in. */
  uploadTtlSeconds: number;
  /** (v2) The role of a user in none of the role groups. */
  defaultRole: DefaultRole;
  /** (v2) A lead may not release a version they checked in themselves. */
  releaseFourEyes: boolean;
  /** (v2) AWS: each notification also goes by e-mail, in a digest (`functions/send-mail-digests.ts`). */
  emailNotifications: boolean;
}

export const DEFAULT_ROLES = ['programmers', 'operators', 'none'] as const;
export type DefaultRole = (typeof DEFAULT_ROLES)[number];

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const required = (env: Env, variable: string): string => {
  const value = env[variable]?.trim();
  if (!value) throw new ConfigError(`${variable} must be set`);
  return value;
};

const positiveInteger = (env: Env, variable: string, max: number): number | null => {
  const raw = env[variable]?.trim();
  if (!raw) return null;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) {
    throw new ConfigError(`${variable} must be an integer from 1 to ${max}, got "${raw}"`);
  }
  return value;
};

export const parseExtensions = (raw: string): string[] => {
  const extensions = raw
    .split(',')
    .map((extension) => extension.trim().toLowerCase())
    .filter((extension) => extension !== '');
  if (extensions.length === 0 || extensions.some((extension) => !/^\.[^./\\\s]+$/.test(extension))) {
    throw new ConfigError(
      `CAMVAULT_EXTENSIONS must be a comma-separated list like ".mcam,.emcam", got "${raw}"`,
    );
  }
  return extensions;
};

/** S3's limit for one PUT (and for one part of a multipart upload). */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;
/** S3's limit for one object, which is what a multipart upload becomes. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;
/** (v2) Defaults of the contract: 50 GiB uploads, multipart above 100 MiB, resumable for 7 days. */
export const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 ** 3;
export const DEFAULT_MULTIPART_THRESHOLD_BYTES = 100 * 1024 ** 2;
export const DEFAULT_UPLOAD_TTL_SECONDS = 7 * 24 * 3600;
/** How long DynamoDB keeps a record it is told to expire: anything about an upload is kept at most this much longer. */
const MAX_UPLOAD_TTL_SECONDS = 365 * 24 * 3600;
/** SigV4 presigned URLs live at most seven days. */
const MAX_URL_TTL_SECONDS = 7 * 24 * 3600;

const defaultRole = (env: Env): DefaultRole => {
  const raw = env.CAMVAULT_DEFAULT_ROLE?.trim() || 'programmers';
  if (!(DEFAULT_ROLES as readonly string[]).includes(raw)) {
    throw new ConfigError(`CAMVAULT_DEFAULT_ROLE must be one of ${DEFAULT_ROLES.join(', ')}, got "${raw}"`);
  }
  return raw as DefaultRole;
};

const flag = (env: Env, variable: string): boolean => {
  const raw = env[variable]?.trim() || 'false';
  if (raw !== 'true' && raw !== 'false')
    throw new ConfigError(`${variable} must be true or false, got "${raw}"`);
  return raw === 'true';
};

export const loadConfig = (env: Env = process.env): VaultConfig => ({
  table: required(env, 'CAMVAULT_TABLE'),
  bucket: required(env, 'CAMVAULT_BUCKET'),
  extensions: parseExtensions(env.CAMVAULT_EXTENSIONS ?? '.mcam'),
  urlTtlSeconds: positiveInteger(env, 'CAMVAULT_URL_TTL_SECONDS', MAX_URL_TTL_SECONDS) ?? 900,
  lockTtlSeconds: positiveInteger(env, 'CAMVAULT_LOCK_TTL_SECONDS', Number.MAX_SAFE_INTEGER),
  maxUploadBytes:
    positiveInteger(env, 'CAMVAULT_MAX_UPLOAD_BYTES', MAX_OBJECT_BYTES) ?? DEFAULT_MAX_UPLOAD_BYTES,
  // A single PUT is what an upload at or under the threshold is: it cannot be over S3's limit for one.
  multipartThresholdBytes:
    positiveInteger(env, 'CAMVAULT_MULTIPART_THRESHOLD_BYTES', MAX_SINGLE_PUT_BYTES) ??
    DEFAULT_MULTIPART_THRESHOLD_BYTES,
  uploadTtlSeconds:
    positiveInteger(env, 'CAMVAULT_UPLOAD_TTL_SECONDS', MAX_UPLOAD_TTL_SECONDS) ?? DEFAULT_UPLOAD_TTL_SECONDS,
  defaultRole: defaultRole(env),
  releaseFourEyes: flag(env, 'CAMVAULT_RELEASE_FOUR_EYES'),
  emailNotifications: flag(env, 'CAMVAULT_EMAIL_NOTIFICATIONS'),
});
