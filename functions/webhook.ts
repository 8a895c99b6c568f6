/**
 * Subscribed to the vault's topic: posts each event to the team's chat webhook. A failure throws, so
 * the platform retries and finally parks the event in the dead-letter queue; none is dropped silently.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { createSecretsManagerClient } from '#shared/aws/clients/secrets-manager';
import { ConfigError } from '#shared/config';
import type { VaultEvent } from '#shared/events';
import { logger } from '#shared/logger';
import { postToWebhook } from '#shared/webhook';

/** Where to post: a secret on AWS (it embeds a token), a plain variable in local mode. */
const webhookUrlSource = (env: Record<string, string | undefined>): (() => Promise<string>) => {
  const url = env.CAMVAULT_WEBHOOK_URL;
  if (url) return async () => url;
  const secretArn = env.CAMVAULT_WEBHOOK_SECRET_ARN;
  if (!secretArn) throw new ConfigError('CAMVAULT_WEBHOOK_URL or CAMVAULT_WEBHOOK_SECRET_ARN must be set');
  const secrets = createSecretsManagerClient(env);
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= secrets.send(new GetSecretValueCommand({ SecretId: secretArn })).then(({ SecretString }) => {
      if (!SecretString?.startsWith('https://'))
        throw new ConfigError('the webhook secret must hold an https:// URL');
      return SecretString;
    });
    // A failed read is not kept: the next invocation asks again.
    cached.catch(() => {
      cached = undefined;
    });
    return cached;
  };
};

export const webhook = (webhookUrl: () => Promise<string>) =>
  middy<SNSEvent, void>().handler(async (event) => {
    for (const record of event.Records) {
      const vaultEvent = JSON.parse(record.Sns.Message) as VaultEvent;
      await postToWebhook(await webhookUrl(), vaultEvent);
      logger.info('posted to webhook', { type: vaultEvent.type, eventId: vaultEvent.eventId });
    }
  });

export const handler = webhook(webhookUrlSource(process.env));
