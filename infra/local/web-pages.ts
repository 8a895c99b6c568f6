/**
 * The web page under `npm start`: the bundle built in memory at start (web/build.ts), its config.json
 * in local mode, and `GET /dev/token?user=NAME[&admin=true][&groups=leads,operators]`, which hands a dev
 * token to a page on this machine only. None of it is part of the contract; on AWS the stack hosts the page instead.
 */
import type { IncomingMessage } from 'node:http';
import { bundleWeb } from '../../web/build';
import {
  DEFAULT_NOTIFICATIONS_POLL_SECONDS,
  DEFAULT_POLL_SECONDS,
  type WebConfig,
} from '../../web/src/web-config';
import { devToken } from './jwt';
import type { ExtraPage as Page } from './server';

const DEV_TOKEN_TTL_SECONDS = 12 * 3600;
const USER_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
/** A Cognito group name as a dev token may carry it (the role groups and any folder-rule group). */
const GROUP_NAME = /^[A-Za-z0-9_.@-]{1,128}$/;
const LOOPBACK_ADDRESS = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const LOCAL_HOST_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

const hostNameOf = (value: string | undefined): string | null => {
  if (!value) return null;
  try {
    return new URL(`http://${value}`).hostname;
  } catch {
    return null;
  }
};

/**
 * Whether a request comes from this machine AND names it: the socket's peer is a loopback address,
 * and the Host header (and Origin, when a browser sends one) is localhost or a loopback address. The
 * second check stops DNS rebinding: a page of another site whose name was made to resolve to 127.0.0.1
 * still sends its own name as Host.
 */
export const isLocalRequest = (request: Pick<IncomingMessage, 'headers' | 'socket'>): boolean => {
  if (!LOOPBACK_ADDRESS.test(request.socket.remoteAddress ?? '')) return false;
  const host = hostNameOf(request.headers.host);
  if (host === null || !LOCAL_HOST_NAMES.has(host)) return false;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const originHost = hostNameOf(origin.replace(/^https?:\/\//, ''));
    if (originHost === null || !LOCAL_HOST_NAMES.has(originHost)) return false;
  }
  return true;
};

const refusal = (status: number, code: string, message: string) => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify({ error: { code, message } }),
});

/** `GET /dev/token?user=NAME[&admin=true][&groups=A,B]`: a dev token, for a request from this machine only. */
export const devTokenPage =
  (jwtSecret: string): Page =>
  (request) => {
    if (!isLocalRequest(request))
      return refusal(403, 'FORBIDDEN', 'dev tokens are handed out to pages on this machine only');
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const user = query.get('user') ?? '';
    if (!USER_NAME.test(user)) return refusal(400, 'BAD_REQUEST', `not a user name: ${JSON.stringify(user)}`);
    const admin = query.get('admin') === 'true';
    const groups = (query.get('groups') ?? '')
      .split(',')
      .map((group) => group.trim())
      .filter(Boolean);
    const badGroup = groups.find((group) => !GROUP_NAME.test(group));
    if (badGroup !== undefined)
      return refusal(400, 'BAD_REQUEST', `not a group name: ${JSON.stringify(badGroup)}`);
    const token = devToken(user, { admin, groups, secret: jwtSecret, ttlSeconds: DEV_TOKEN_TTL_SECONDS });
    return {
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({
        token,
        user,
        admin,
        groups,
        expiresAt: new Date(Date.now() + DEV_TOKEN_TTL_SECONDS * 1000).toISOString(),
      }),
    };
  };

export interface WebPagesOptions {
  /** The secret the local server verifies tokens with: the dev tokens are signed with it. */
  jwtSecret: string;
  pollSeconds?: number;
  notificationsPollSeconds?: number;
}

/** The pages to pass as `extraPages`: `/` and its assets, `/config.json`, `/dev/token`. */
export const webPages = (options: WebPagesOptions): Map<string, Page> => {
  const pages = new Map<string, Page>();
  for (const file of bundleWeb()) {
    const page: Page = () => ({ contentType: file.contentType, body: file.body });
    pages.set(`/${file.path}`, page);
    if (file.path === 'index.html') pages.set('/', page);
  }
  // The API is this same origin; sign-in is the dev token.
  const config: WebConfig = {
    mode: 'local',
    apiUrl: '',
    pollSeconds: options.pollSeconds ?? DEFAULT_POLL_SECONDS,
    notificationsPollSeconds: options.notificationsPollSeconds ?? DEFAULT_NOTIFICATIONS_POLL_SECONDS,
  };
  const configJson = JSON.stringify(config);
  pages.set('/config.json', () => ({ contentType: 'application/json; charset=utf-8', body: configJson }));
  pages.set('/dev/token', devTokenPage(options.jwtSecret));
  return pages;
};
