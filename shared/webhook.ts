/** Chat notifications: each event as one readable line, posted to a Slack- or Teams-compatible incoming webhook. */
import { subjectOf, type VaultEvent } from './events';

/** Slack reads `&`, `<` and `>` as markup; escaped, a file name shows as it is. */
const slackEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

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

export const webhookText = (event: VaultEvent): string => eventText(event, slackEscape);

export class WebhookError extends Error {
  override name = 'WebhookError';
}

/**
 * Posts `{ text }`, which Slack and Teams incoming webhooks both accept. Anything but a 2xx throws, so the
 * platform retries and finally parks the event in the dead-letter queue. The URL is a secret: never in errors.
 */
export const postToWebhook = async (url: string, event: VaultEvent, timeoutMs = 10_000): Promise<void> => {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: webhookText(event) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new WebhookError(`webhook unreachable for event ${event.eventId}: ${(error as Error).name}`);
  }
  await response.body?.cancel();
  if (!response.ok) throw new WebhookError(`webhook answered ${response.status} for event ${event.eventId}`);
};
