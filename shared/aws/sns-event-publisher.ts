import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { EventPublisher, VaultEvent } from '../events';

/** Publishes each event as JSON on the vault's topic; `type`, `name` and `user` ride along for filter policies. */
export class SnsEventPublisher implements EventPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(event: VaultEvent): Promise<void> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: JSON.stringify(event),
        MessageAttributes: {
          type: attribute(event.type),
          name: attribute(event.name),
          user: attribute(event.user),
        },
      }),
    );
  }
}
