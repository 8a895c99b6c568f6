import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type EventPublisher, subjectOf, type VaultEvent } from '../events';
import { folderOf } from '../names';

/** Publishes each event as JSON on the vault's topic; `type`, `name`, `user`, `fileId` and `folder` ride along for filter policies. */
export class SnsEventPublisher implements EventPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(event: VaultEvent): Promise<void> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    const folder = event.type === 'RuleChanged' ? event.prefix : folderOf(event.name);
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: JSON.stringify(event),
        MessageAttributes: {
          type: attribute(event.type),
          // A rule change has no file: its prefix stands as its name and folder.
          name: attribute(subjectOf(event)),
          user: attribute(event.user),
          ...('fileId' in event ? { fileId: attribute(event.fileId) } : {}),
          // The name's folder prefix; none at the root (SNS carries no empty String: filter on `exists`).
          ...(folder ? { folder: attribute(folder) } : {}),
        },
      }),
    );
  }
}
