/** Queues subscribed to the vault's topic, as a subscriber (another team's tool) would read it. */
import { randomBytes } from 'node:crypto';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { EMULATOR_CREDENTIALS } from '#infra/local/emulators';
import { testEndpoints } from './emulators';

const clientConfig = () => ({
  endpoint: testEndpoints().sns,
  region: 'us-east-1',
  credentials: EMULATOR_CREDENTIALS,
});

export interface ReceivedEvent {
  body: Record<string, any>;
  attributes: Record<string, string>;
}

export const subscribeQueue = async (topicArn: string, filterPolicy?: Record<string, unknown>) => {
  const sqs = new SQSClient(clientConfig());
  const sns = new SNSClient(clientConfig());
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `events-${randomBytes(4).toString('hex')}` }),
  );
  const queueUrl = QueueUrl as string;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
      Attributes: filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : undefined,
    }),
  );

  /** Reads and deletes messages until `count` arrived, then checks for a second that nothing more comes. */
  const receive = async (count: number, timeoutMs = 15_000): Promise<ReceivedEvent[]> => {
    const events: ReceivedEvent[] = [];
    const deadline = Date.now() + timeoutMs;
    let quietRound = false;
    while (Date.now() < deadline) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of Messages ?? []) {
        const envelope = JSON.parse(message.Body ?? '{}');
        events.push({
          body: JSON.parse(envelope.Message),
          attributes: Object.fromEntries(
            Object.entries(envelope.MessageAttributes ?? {}).map(([name, value]) => [
              name,
              (value as { Value: string }).Value,
            ]),
          ),
        });
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      }
      if (events.length >= count) {
        if (quietRound && (Messages ?? []).length === 0) break;
        quietRound = true;
      }
    }
    return events;
  };
  return { queueUrl, receive };
};
