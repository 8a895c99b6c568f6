import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context, SNSEvent } from 'aws-lambda';
import type { VaultEvent } from '#shared/events';
import { postToWebhook, webhookText } from '#shared/webhook';

const base = {
  eventId: 'e1',
  at: '2026-11-29T10:00:00.000Z',
  name: 'fixtures/Plate A.mcam',
  user: 'prog7',
  fileId: 'f1',
};
const checkedIn: VaultEvent = {
  ...base,
  type: 'FileCheckedIn',
  lockId: 'L1',
  version: 7,
  sha256: 'a'.repeat(64),
  sizeBytes: 1,
  message: 'new roughing toolpath',
};

test.each<[VaultEvent, string]>([
  [checkedIn, "prog7 checked in fixtures/Plate A.mcam v7 — 'new roughing toolpath'"],
  [
    { ...checkedIn, version: null, message: '' },
    'prog7 checked in fixtures/Plate A.mcam with no changes (lock released)',
  ],
  [
    { ...base, type: 'FileCheckedOut', lockId: 'L1', message: 'fixing post' },
    "prog7 checked out fixtures/Plate A.mcam — 'fixing post'",
  ],
  [{ ...base, type: 'FileCheckedOut', lockId: 'L1', message: '' }, 'prog7 checked out fixtures/Plate A.mcam'],
  [{ ...base, type: 'LockReleased', lockId: 'L1' }, 'prog7 undid the checkout of fixtures/Plate A.mcam'],
  [
    { ...base, type: 'LockBroken', user: 'boss', previousOwner: 'prog7', lockId: 'L1' },
    "boss broke prog7's lock on fixtures/Plate A.mcam",
  ],
  [
    { ...base, type: 'FileMoved', from: 'old/Plate.mcam', message: 'tidy' },
    "prog7 moved old/Plate.mcam to fixtures/Plate A.mcam — 'tidy'",
  ],
  [
    { ...base, type: 'FileDeleted', version: 3, message: '' },
    'prog7 deleted fixtures/Plate A.mcam (v3, kept in the trash)',
  ],
  [{ ...base, type: 'FileRestored', version: 3 }, 'prog7 restored fixtures/Plate A.mcam (v3) from the trash'],
  [
    { ...checkedIn, name: 'a<b>&c.mcam', message: '<!channel>' },
    "prog7 checked in a&lt;b&gt;&amp;c.mcam v7 — '&lt;!channel&gt;'",
  ],
])('%#: %s', (event, text) => {
  expect(webhookText(event)).toBe(text);
});

describe('posting', () => {
  let server: Server;
  let url: string;
  let status = 200;
  const received: { body: unknown; contentType: string | undefined }[] = [];
  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push({ body: JSON.parse(body), contentType: request.headers['content-type'] });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-token-path`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    status = 200;
  });

  test('posts { text } as JSON', async () => {
    await postToWebhook(url, checkedIn);
    expect(received).toEqual([{ body: { text: webhookText(checkedIn) }, contentType: 'application/json' }]);
  });

  test('a refusal throws without the secret URL in the error', async () => {
    status = 500;
    const failure = postToWebhook(url, checkedIn);
    await expect(failure).rejects.toThrow('webhook answered 500 for event e1');
    await expect(failure).rejects.not.toThrow(/secret-token-path/);
  });

  test('an unreachable webhook throws too', async () => {
    await expect(postToWebhook('http://127.0.0.1:1/nothing-here', checkedIn)).rejects.toThrow(
      /webhook unreachable/,
    );
  });

  test('the webhook handler fails the invocation when the webhook fails, so the platform retries and then dead-letters', async () => {
    process.env.CAMVAULT_WEBHOOK_URL = url;
    const { handler } = require('#functions/webhook') as typeof import('#functions/webhook');
    const event = { Records: [{ Sns: { Message: JSON.stringify(checkedIn) } }] } as unknown as SNSEvent;
    await expect(handler(event, {} as Context)).resolves.toBeUndefined();
    expect(received).toHaveLength(1);
    status = 503;
    await expect(handler(event, {} as Context)).rejects.toThrow('webhook answered 503');
  });
});
