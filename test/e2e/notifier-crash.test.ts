import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import { EMULATOR_CREDENTIALS } from '#infra/local/emulators';
import { emulatorClients } from '#infra/local/local-vault';
import { createTopic } from '#infra/local/notifications';
import { followStream } from '#infra/local/stream-follower';
import { SnsEventPublisher } from '#shared/aws/sns-event-publisher';
import { publishChanges } from '#shared/publish-changes';
import { testEndpoints } from '../support/emulators';
import { startTestServer, type TestServer } from '../support/http';
import { subscribeQueue } from '../support/queues';

const checkpointFile = () => join(mkdtempSync(join(tmpdir(), 'camvault-stream-')), 'checkpoint.json');

let server: TestServer;
afterAll(() => server?.close());

describe('the local notifier', () => {
  test('killed between commit and publish, it publishes on restart; a later restart does not publish again', async () => {
    server = await startTestServer();
    const endpoints = testEndpoints();
    const clientConfig = { region: 'us-east-1', credentials: EMULATOR_CREDENTIALS };
    const topicArn = await createTopic(endpoints.sns, 'us-east-1', `${server.table}-crash`);
    const queue = await subscribeQueue(topicArn);
    const publish = publishChanges(
      new SnsEventPublisher(new SNSClient({ ...clientConfig, endpoint: endpoints.sns }), topicArn),
    );
    const follow = (handler: Parameters<typeof followStream>[0]['handler']) =>
      followStream({
        dynamodb: emulatorClients(endpoints).dynamodb,
        streams: new DynamoDBStreamsClient({ ...clientConfig, endpoint: endpoints.dynamodb }),
        table: server.table,
        checkpointFile: checkpoint,
        handler,
        pollMs: 50,
      });
    const checkpoint = checkpointFile();

    await server.as('alice').commit('crash/a.mcam', Buffer.from('v1'), 'committed before the crash');
    let dying: () => void = () => undefined;
    const killed = new Promise<void>((resolve) => {
      dying = resolve;
    });
    const first = await follow(async () => {
      dying();
      throw new Error('killed before publishing');
    });
    await killed;
    await first.stop();
    expect(await queue.receive(0, 2000)).toEqual([]);

    const second = await follow((event) => publish(event, {} as never));
    const delivered = await queue.receive(1);
    await second.stop();
    expect(delivered.map(({ body }) => [body.type, body.message])).toEqual([
      ['FileCheckedIn', 'committed before the crash'],
    ]);

    const third = await follow((event) => publish(event, {} as never));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await third.stop();
    expect(await queue.receive(0, 2000)).toEqual([]);
  });
});
