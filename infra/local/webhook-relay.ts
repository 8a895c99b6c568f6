/**
 * What an SNS subscription with retries and a dead-letter queue does on AWS, done locally: a queue
 * subscribed to the topic, polled, each message handed to the webhook handler as an SNS event; a
 * message the handler fails on is received again, and after three tries it lands in the DLQ.
 */
import { type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SNSEvent, SNSMessage } from 'aws-lambda';

export const WEBHOOK_MAX_RECEIVES = 3;

type Handler = (event: SNSEvent) => Promise<void>;

const queueArnOf = async (sqs: SQSClient, queueUrl: string): Promise<string> => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${queueUrl} has no ARN`);
  return arn;
};

export const startWebhookRelay = async (options: {
  sns: SNSClient;
  sqs: SQSClient;
  topicArn: string;
  queueName: string;
  handler: Handler;
  /** Seconds before a failed message is tried again. */
  retryAfterSeconds?: number;
}) => {
  const { sns, sqs, topicArn, handler } = options;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${options.queueName}-dlq` }));
  const dlqUrl = dlq.QueueUrl as string;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: options.queueName,
      Attributes: {
        VisibilityTimeout: String(options.retryAfterSeconds ?? 5),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: await queueArnOf(sqs, dlqUrl),
          maxReceiveCount: WEBHOOK_MAX_RECEIVES,
        }),
      },
    }),
  );
  const queueUrl = queue.QueueUrl as string;
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: await queueArnOf(sqs, queueUrl) }),
  );

  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
        );
        for (const message of Messages ?? []) {
          const envelope = JSON.parse(message.Body ?? '{}');
          const sns: SNSMessage = {
            SignatureVersion: envelope.SignatureVersion,
            Timestamp: envelope.Timestamp,
            Signature: envelope.Signature,
            SigningCertUrl: envelope.SigningCertURL,
            MessageId: envelope.MessageId,
            Message: envelope.Message,
            MessageAttributes: envelope.MessageAttributes ?? {},
            Type: envelope.Type,
            UnsubscribeUrl: envelope.UnsubscribeURL,
            TopicArn: envelope.TopicArn,
            Subject: envelope.Subject ?? '',
          };
          try {
            await handler({
              Records: [
                {
                  EventVersion: '1.0',
                  EventSubscriptionArn: SubscriptionArn ?? '',
                  EventSource: 'aws:sns',
                  Sns: sns,
                },
              ],
            });
            await sqs.send(
              new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
            );
          } catch {
            // Left on the queue: received again after the visibility timeout, then moved to the DLQ.
          }
        }
      } catch {
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  })();

  return {
    queueUrl,
    deadLetterQueueUrl: dlqUrl,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
};
