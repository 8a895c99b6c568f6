/**
 * Events and notifications as one readable line, the same in chat, e-mail digests, the CLI's inbox and
 * the page's feed (no Node, no DOM).
 */
import { subjectOf, type VaultEvent } from './events';
import type { NotificationReason } from './model';

const groupsText = (groups: string[], escapeText: (text: string) => string): string =>
  groups.length === 0 ? 'admins only' : groups.map(escapeText).join(', ');

/** One line telling what happened; `escapeText` makes user-given text safe for where it goes. */
export const eventText = (
  event: VaultEvent,
  escapeText: (text: string) => string = (text) => text,
): string => {
  const quoted = (message: string): string => (message ? ` — '${escapeText(message)}'` : '');
  const name = escapeText(subjectOf(event));
  const user = escapeText(event.user);
  switch (event.type) {
    case 'FileCheckedIn':
      return event.version === null
        ? `${user} checked in ${name} with no changes (lock released)${quoted(event.message)}`
        : `${user} checked in ${name} v${event.version}${quoted(event.message)}`;
    case 'FileCheckedOut':
      return `${user} checked out ${name}${quoted(event.message)}`;
    case 'LockReleased':
      return `${user} undid the checkout of ${name}`;
    case 'LockBroken':
      return `${user} broke ${escapeText(event.previousOwner)}'s lock on ${name}`;
    case 'FileMoved':
      return `${user} moved ${escapeText(event.from)} to ${name}${quoted(event.message)}`;
    case 'FileDeleted':
      return `${user} deleted ${name} (v${event.version}, kept in the trash)${quoted(event.message)}`;
    case 'FileRestored':
      return `${user} restored ${name} (v${event.version}) from the trash`;
    case 'FileReleased':
      return `${user} released ${name} v${event.version} for the machines${quoted(event.message)}`;
    case 'ReleaseWithdrawn':
      return `${user} withdrew the release of ${name} v${event.version}${quoted(event.message)}`;
    case 'CheckoutRequested':
      return `${user} asks ${escapeText(event.holder)} for ${name}${quoted(event.message)}`;
    case 'RuleChanged':
      return event.read === null || event.write === null
        ? `${user} removed the folder rule on ${name}`
        : `${user} set the folder rule on ${name}: read ${groupsText(event.read, escapeText)}; write ${groupsText(event.write, escapeText)}`;
  }
};

/** Why a notification reached its reader, in a few words. */
export const REASON_TEXT: Record<NotificationReason, string> = {
  watch: 'you watch it',
  request: 'asks you for a file',
  available: 'is free now',
  lock_broken: 'your lock was broken',
};
