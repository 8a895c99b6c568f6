/**
 * (v2) Placing staged bytes into a blob with one conditional copy (S3FileStore.placeStagedPut): only
 * bytes still as verified (x-amz-copy-source-if-match), and only into a blob that holds nothing yet
 * (If-None-Match: *). S3 honours both conditions; s3rver ignores them, so the local emulator adds them
 * (infra/local/emulators.ts), and this test holds it to S3's answers.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestVault } from '../support/emulators';

let setup: Awaited<ReturnType<typeof createTestVault>>;
beforeAll(async () => {
  setup = await createTestVault();
});

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const staged = async (bytes: Buffer | string) => {
  const uploadId = randomUUID();
  const Key = `uploads/${uploadId}/00001`;
  await setup.clients.s3.send(new PutObjectCommand({ Bucket: setup.config.bucket, Key, Body: bytes }));
  const head = await setup.clients.s3.send(new HeadObjectCommand({ Bucket: setup.config.bucket, Key }));
  return { uploadId, etag: (head.ETag ?? '').replace(/"/g, '') };
};
const blob = async (sha256: string) => {
  const { Body } = await setup.clients.s3.send(
    new GetObjectCommand({ Bucket: setup.config.bucket, Key: `blobs/${sha256}` }),
  );
  return Buffer.from(await (Body as NonNullable<typeof Body>).transformToByteArray());
};

test('the first copy places the bytes; a later one of the same content leaves the blob as it is', async () => {
  const bytes = randomBytes(1024);
  const first = await staged(bytes);
  expect(await setup.blobs.placeStagedPut(first.uploadId, sha(bytes), first.etag)).toBe('placed');
  expect((await blob(sha(bytes))).equals(bytes)).toBe(true);

  // Another upload of the same content: the blob exists, so the copy is refused (and reported present).
  const second = await staged(bytes);
  expect(await setup.blobs.placeStagedPut(second.uploadId, sha(bytes), second.etag)).toBe('present');
  expect((await blob(sha(bytes))).equals(bytes)).toBe(true);
});

test('staged bytes changed since they were verified are not copied', async () => {
  const bytes = randomBytes(1024);
  const { uploadId, etag } = await staged(bytes);
  // Overwritten after the verification read them (a second PUT to the same URL, say).
  await setup.clients.s3.send(
    new PutObjectCommand({ Bucket: setup.config.bucket, Key: `uploads/${uploadId}/00001`, Body: 'other' }),
  );
  expect(await setup.blobs.placeStagedPut(uploadId, sha(bytes), etag)).toBe('changed');
  expect(await setup.blobs.describeBlob(sha(bytes))).toBeNull();
});
