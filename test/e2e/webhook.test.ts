import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EMULATOR_CREDENTIALS } from '#infra/local/emulators';
import { testEndpoints } from '../support/emulators';
import { startTestServer, type TestServer } from '../support/http';

const checkpointFile = () => join(mkdtempSync(join(tmpdir(), 'camvault-stream-')), 'checkpoint.json');

let server: TestServer;
afterAll(() => server?.close());

describe('the chat webhook, locally', () => {
  let hook: Server;
  let hookUrl: string;
  let hookStatus = 200;
  const posted: string[] = [];
  beforeAll(async () => {
    hook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        posted.push(JSON.parse(body).text);
        response.writeHead(hookStatus).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((resolve) => hook.close(() => resolve())));

  test('receives readable messages; one it keeps refusing ends in the dead-letter queue after three tries', async () => {
    server = await startTestServer(
      {},
      {
        notifications: { checkpointFile: checkpointFile(), webhookUrl: hookUrl, webhookRetryAfterSeconds: 1 },
      },
    );
    await server.as('prog7').commit('hooks/Plate A.mcam', Buffer.from('v1'), 'new roughing toolpath');
    for (let i = 0; i < 100 && posted.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(posted).toEqual(["prog7 checked in hooks/Plate A.mcam v1 — 'new roughing toolpath'"]);

    hookStatus = 500;
    posted.length = 0;
    await server.as('prog7').checkout('hooks/Plate A.mcam', 'fixing post');
    const sqs = new SQSClient({
      endpoint: testEndpoints().sns,
      region: 'us-east-1',
      credentials: EMULATOR_CREDENTIALS,
    });
    const { QueueUrl: dlqUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: `${server.table}-webhook-dlq` }),
    );
    let parked: string[] = [];
    for (let i = 0; i < 30 && parked.length === 0; i++) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }),
      );
      parked = (Messages ?? []).map((message) => JSON.parse(JSON.parse(message.Body ?? '{}').Message).type);
    }
    expect(parked).toEqual(['FileCheckedOut']);
    expect(posted).toHaveLength(3);
  });
});
