/**
 * `config.json`, the one thing the page learns from where it is served: the local server generates it,
 * the AWS stack writes it beside the bundle. Pure (no DOM), so the server and the stack share it.
 */

export interface CognitoConfig {
  /** The hosted login's base URL, e.g. `https://acme.auth.eu-central-1.amazoncognito.com`; null: none. */
  domain: string | null;
  clientId: string;
  region: string;
}

interface Settings {
  /** Seconds between refreshes of the files shown. */
  pollSeconds: number;
  /** (v2) Seconds between looks at the caller's notifications (the bell); also on focus. */
  notificationsPollSeconds: number;
  /** (v2) Parts of a large file sent at once; absent: `DEFAULT_PARTS_IN_PARALLEL`. */
  partsInParallel?: number;
}

export type WebConfig =
  | ({ mode: 'local'; apiUrl: string } & Settings)
  | ({ mode: 'cognito'; apiUrl: string; cognito: CognitoConfig } & Settings);

/** The config as the page runs with it: every setting given or defaulted. */
export type PageConfig = WebConfig & Required<Settings>;

export const DEFAULT_POLL_SECONDS = 5;
/** Modest: a notification is rarely urgent by the second, and the page also looks when it gets focus. */
export const DEFAULT_NOTIFICATIONS_POLL_SECONDS = 30;
/** Enough to fill a workshop's uplink with storage's per-connection limits, few enough to stay gentle. */
export const DEFAULT_PARTS_IN_PARALLEL = 4;
const MAX_PARTS_IN_PARALLEL = 16;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An interval of 1–300 s as given, else the default. */
const secondsOr = (value: unknown, fallback: number): number =>
  typeof value === 'number' && value >= 1 && value <= 300 ? value : fallback;

/** A whole number of parts from 1 to 16 as given, else the default. */
const partsOr = (value: unknown, fallback: number): number =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PARTS_IN_PARALLEL
    ? (value as number)
    : fallback;

/** The config as the page may trust it, or why not. `apiUrl` is '' for the page's own origin. */
export const parseWebConfig = (value: unknown): PageConfig | { error: string } => {
  if (!isObject(value)) return { error: 'config.json is not a JSON object' };
  const { mode, apiUrl, pollSeconds, notificationsPollSeconds, partsInParallel, cognito } = value;
  if (typeof apiUrl !== 'string') return { error: 'config.json has no apiUrl' };
  const base = {
    apiUrl: apiUrl.replace(/\/+$/, ''),
    pollSeconds: secondsOr(pollSeconds, DEFAULT_POLL_SECONDS),
    notificationsPollSeconds: secondsOr(notificationsPollSeconds, DEFAULT_NOTIFICATIONS_POLL_SECONDS),
    partsInParallel: partsOr(partsInParallel, DEFAULT_PARTS_IN_PARALLEL),
  };
  if (mode === 'local') return { mode, ...base };
  if (mode !== 'cognito') return { error: `config.json names an unknown mode ${JSON.stringify(mode)}` };
  if (!isObject(cognito) || typeof cognito.clientId !== 'string' || typeof cognito.region !== 'string')
    return { error: 'config.json names no Cognito app client' };
  const domain = typeof cognito.domain === 'string' && cognito.domain !== '' ? cognito.domain : null;
  return {
    mode,
    ...base,
    cognito: {
      domain: domain?.replace(/\/+$/, '') ?? null,
      clientId: cognito.clientId,
      region: cognito.region,
    },
  };
};
