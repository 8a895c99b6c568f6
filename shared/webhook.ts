/** Chat notifications: each event as one readable line, posted to a Slack- or Teams-compatible incoming webhook. */
import { eventText } from './event-text';
import type { VaultEvent } from './events';

/** Slack reads `&`, `<` and `>` as markup; escaped, a file name shows as it is. */
const slackEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

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
