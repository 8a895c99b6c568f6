/**
 * Events in local mode: the vault's topic on fauxqs, the notify handler fed from DynamoDB Local's
 * stream, and (when a webhook URL is set) the webhook handler fed from a queue on the topic.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SNSEvent } from 'aws-lambda';
import { logger } from '#shared/logger';
import { backgroundFunctions } from '../routes';
import { EMULATOR_CREDENTIALS } from './emulators';
import { lambdaContext, loadHandler } from './server';
import { followStream } from './stream-follower';
import { startWebhookRelay } from './webhook-relay';

type LambdaFunction<Event, Result> = (
  event: Event,
  context: ReturnType<typeof lambdaContext>,
) => Promise<Result>;

export interface NotificationOptions {
  dynamodbEndpoint: string;
  snsEndpoint: string;
  region: string;
  table: string;
  /** Where the stream position is kept between runs. */
  checkpointFile: string;
  webhookUrl?: string;
  webhookRetryAfterSeconds?: number;
  dynamodb: DynamoDBClient;
}

/** Creates the topic and sets CAMVAULT_TOPIC_ARN; call before loading the notify handler. */
export const createTopic = async (snsEndpoint: string, region: string, name: string): Promise<string> => {
  const sns = new SNSClient({ endpoint: snsEndpoint, region, credentials: EMULATOR_CREDENTIALS });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  if (!TopicArn) throw new Error(`topic ${name} was not created`);
  return TopicArn;
};

/**
 * The feeds' notifier, as the second event source mapping on AWS: its own position in the same
 * stream, kept in `checkpointFile`. The feed is the delivery locally; it needs no topic.
 */
export const startFeedNotifier = async (options: {
  dynamodb: DynamoDBClient;
  dynamodbEndpoint: string;
  region: string;
  table: string;
  checkpointFile: string;
  pollMs?: number;
}) => {
  const { deliverNotifications } = backgroundFunctions;
  const deliver = loadHandler<LambdaFunction<DynamoDBStreamEvent, DynamoDBBatchResponse>>(
    deliverNotifications.entry,
  );
  return followStream({
    dynamodb: options.dynamodb,
    streams: new DynamoDBStreamsClient({
      region: options.region,
      credentials: EMULATOR_CREDENTIALS,
      endpoint: options.dynamodbEndpoint,
    }),
    table: options.table,
    checkpointFile: options.checkpointFile,
    pollMs: options.pollMs,
    handler: (event) => deliver(event, lambdaContext(deliverNotifications.id)),
    onError: (error) => logger.warn('feed notifier will retry', { error: error as Error }),
  });
};

export const startNotifications = async (options: NotificationOptions & { topicArn: string }) => {
  const clientConfig = { region: options.region, credentials: EMULATOR_CREDENTIALS };
  const notify = loadHandler<LambdaFunction<DynamoDBStreamEvent, DynamoDBBatchResponse>>(
    backgroundFunctions.notify.entry,
  );
  const follower = await followStream({
    dynamodb: options.dynamodb,
    streams: new DynamoDBStreamsClient({ ...clientConfig, endpoint: options.dynamodbEndpoint }),
    table: options.table,
    checkpointFile: options.checkpointFile,
    handler: (event) => notify(event, lambdaContext(backgroundFunctions.notify.id)),
    onError: (error) => logger.warn('stream follower will retry', { error: error as Error }),
  });
  const webhook = options.webhookUrl
    ? await startWebhookRelay({
        sns: new SNSClient({ ...clientConfig, endpoint: options.snsEndpoint }),
        sqs: new SQSClient({ ...clientConfig, endpoint: options.snsEndpoint }),
        topicArn: options.topicArn,
        queueName: `${options.table}-webhook`,
        retryAfterSeconds: options.webhookRetryAfterSeconds,
        handler: (event) =>
          loadHandler<LambdaFunction<SNSEvent, void>>(backgroundFunctions.webhook.entry)(
            event,
            lambdaContext(backgroundFunctions.webhook.id),
          ),
      })
    : null;
  return {
    stop: async () => {
      await Promise.all([follower.stop(), webhook?.stop()]);
    },
  };
};
