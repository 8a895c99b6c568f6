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

export type WebConfig =
  | { mode: 'local'; apiUrl: string; pollSeconds: number }
  | { mode: 'cognito'; apiUrl: string; pollSeconds: number; cognito: CognitoConfig };

export const DEFAULT_POLL_SECONDS = 5;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The config as the page may trust it, or why not. `apiUrl` is '' for the page's own origin. */
export const parseWebConfig = (value: unknown): WebConfig | { error: string } => {
  if (!isObject(value)) return { error: 'config.json is not a JSON object' };
  const { mode, apiUrl, pollSeconds, cognito } = value;
  if (typeof apiUrl !== 'string') return { error: 'config.json has no apiUrl' };
  const poll =
    typeof pollSeconds === 'number' && pollSeconds >= 1 && pollSeconds <= 300
      ? pollSeconds
      : DEFAULT_POLL_SECONDS;
  const base = { apiUrl: apiUrl.replace(/\/+$/, ''), pollSeconds: poll };
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
