/** Consumes the table's change stream: every committed change becomes its event on the vault's topic. */
import { createSnsClient } from '#shared/aws/clients/sns';
import { SnsEventPublisher } from '#shared/aws/sns-event-publisher';
import { ConfigError } from '#shared/config';
import { publishChanges } from '#shared/publish-changes';

const topicArn = process.env.CAMVAULT_TOPIC_ARN;
if (!topicArn) throw new ConfigError('CAMVAULT_TOPIC_ARN must be set');

export const handler = publishChanges(new SnsEventPublisher(createSnsClient(), topicArn));
