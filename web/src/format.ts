/** How sizes, times, locks and errors read on the page. Pure (no DOM): unit-tested in Node. */

import { humanBytes, pad2, shortTime } from '../../shared/display';
import type { Lock } from '../../shared/model';

export { humanBytes, shortTime };

/** "09:12" for a time of today, else "2025-03-04 09:12". */
export const clockTime = (iso: string, now = new Date()): string => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const sameDay =
    date.getFullYear() === now.getFullYear() &&
    date.getMonth() === now.getMonth() &&
    date.getDate() === now.getDate();
  return sameDay ? `${pad2(date.getHours())}:${pad2(date.getMinutes())}` : shortTime(iso);
};

/** "Locked by prog2 since 09:12 — 'fixing post'": the holder first, as a programmer asks. */
export const describeLock = (lock: Lock, now = new Date()): string =>
  `Locked by ${lock.user} since ${clockTime(lock.acquiredAt, now)}${lock.message ? ` — '${lock.message}'` : ''}`;

/** A failure as the contract (or the network, or storage) reports it. */
export interface Failure {
  /** The HTTP status; 0 when nothing answered. */
  status: number;
  /** The contract's `error.code`, or NETWORK, STORAGE, HTTP_<status>. */
  code: string;
  message: string;
  lock?: Lock;
  requestId?: string;
}

const sentence = (text: string): string => {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

/** The failure in plain words, from the contract's own message where there is one. */
export const describeFailure = (failure: Failure, now = new Date()): string => {
  if (failure.code === 'LOCKED' && failure.lock) return describeLock(failure.lock, now);
  if (failure.status === 401) return 'Your sign-in has expired or was refused. Sign in again.';
  if (failure.code === 'NETWORK')
    return `Cannot reach the vault${failure.message ? ` (${failure.message})` : ''}. Check the connection and try again.`;
  if (failure.code === 'INTERNAL')
    return `The vault failed unexpectedly${failure.requestId ? ` (request ${failure.requestId})` : ''}. Try again; if it keeps failing, tell an administrator.`;
  return sentence(failure.message || `The vault answered ${failure.status}`);
};

/** What S3 (or the emulator) says in its XML error body, in one line. */
export const storageMessage = (status: number, xml: string): string => {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
  const detail = [code, message].filter(Boolean).join(': ');
  return `storage refused the upload (HTTP ${status}${detail ? ` ${detail}` : ''})`;
};

/** A name's folder ("fixtures/" for "fixtures/Plate A.mcam", '' at the top) and last segment, as the server reads them. */
export { baseName, folderOf } from '../../shared/names';

export interface Crumb {
  label: string;
  /** The folder's prefix, ending in "/"; '' for the top of the vault. */
  prefix: string;
}

/** The way down to a folder: the vault's top, then each folder above it, then the folder itself. */
export const crumbsOf = (prefix: string): Crumb[] => {
  const crumbs: Crumb[] = [{ label: 'Vault', prefix: '' }];
  let path = '';
  for (const segment of prefix.split('/').filter(Boolean)) {
    path += `${segment}/`;
    crumbs.push({ label: segment, prefix: path });
  }
  return crumbs;
};
