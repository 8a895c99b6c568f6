/**
 * (v2) The local server runs the sweeper on a timer, as the schedule does on AWS: what an expired
 * upload staged is gone shortly after it expired, without anyone asking.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { emulatorClients } from '#infra/local/local-vault';
import { waitFor } from '../cli/support';
import { testEndpoints } from '../support/emulators';
import { singlePut, startTestServer, type TestServer } from '../support/http';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ CAMVAULT_UPLOAD_TTL_SECONDS: '2' }, { sweepEveryMs: 250 });
});
afterAll(() => server.close());

test('an expired upload’s staged bytes are swept by the timer; the upload is then gone for its stager too', async () => {
  const bytes = Buffer.from('staged, then left');
  const staged = await server.as('alice').stage('timer/left.mcam', bytes);
  const upload = singlePut(staged.body);
  expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(200);
  const { s3 } = emulatorClients(testEndpoints());
  const staging = async () =>
    (
      await s3.send(
        new ListObjectsV2Command({ Bucket: server.bucket, Prefix: `uploads/${upload.uploadId}/` }),
      )
    ).KeyCount ?? 0;
  expect(await staging()).toBe(1);
  await waitFor('the sweep', async () => (await staging()) === 0, 15_000);
  expect((await server.as('alice').checkin('timer/left.mcam', { uploadId: upload.uploadId })).status).toBe(
    404,
  );
});
