/**
 * (v2) The verification of staged parts ahead of the check-in (functions/verify-staged-parts.ts, fed by
 * S3's object-created events on AWS): in order, each part once whatever the number of verifiers at once,
 * stopping at a gap that a later part's event goes on from, and leaving the check-in only the tail.
 * The events themselves are AWS's (no emulator here sends them): the handler is called with one.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { Caller, MultipartUpload } from '#shared/model';
import { parseFileName } from '#shared/names';
import { createTestVault } from '../support/emulators';

const PART = 5 * 1024 ** 2;
const alice: Caller = { user: 'alice', groups: [] };
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let setup: Awaited<ReturnType<typeof createTestVault>>;
let verifyStagedParts: typeof import('../../functions/verify-staged-parts').verifyStagedParts;
beforeAll(async () => {
  setup = await createTestVault();
  // Loading the handler builds its default vault from the environment; this test hands it its own.
  process.env.CAMVAULT_TABLE ??= setup.config.table;
  process.env.CAMVAULT_BUCKET ??= setup.config.bucket;
  ({ verifyStagedParts } = await import('../../functions/verify-staged-parts'));
});

/** A multipart upload of `bytes` staged through the core, and a way to PUT any of its parts. */
const staged = async (raw: string, bytes: Buffer) => {
  const name = parseFileName(raw, ['.mcam']);
  const upload = (await setup.vault.checkins.stage(
    alice,
    name,
    bytes.length,
    sha(bytes),
    PART,
  )) as MultipartUpload;
  const parts = Array.from({ length: upload.partCount }, (_, i) => bytes.subarray(i * PART, (i + 1) * PART));
  const send = async (...numbers: number[]) => {
    const links = await setup.vault.uploads.partUrls(
      alice,
      upload.uploadId,
      numbers.map((partNumber) => ({ partNumber, sha256: sha(parts[partNumber - 1] as Buffer) })),
    );
    for (const link of links) {
      const put = await fetch(link.url, {
        method: 'PUT',
        headers: link.headers,
        body: parts[link.partNumber - 1],
      });
      expect(put.status).toBe(200);
    }
  };
  return { name, upload, send };
};

const partArrived = (uploadId: string, partNumber: number) =>
  verifyStagedParts(setup.vault)(
    {
      'detail-type': 'Object Created',
      source: 'aws.s3',
      detail: {
        bucket: { name: setup.config.bucket },
        object: { key: `uploads/${uploadId}/${String(partNumber).padStart(5, '0')}` },
      },
    } as never,
    { getRemainingTimeInMillis: () => 600_000 } as Context,
  );

const verifiedParts = async (uploadId: string) => (await setup.store.getUpload(uploadId))?.verifiedParts;

test('each part’s event verifies the parts next in line; a gap waits for its own part’s event', async () => {
  const bytes = randomBytes(3 * PART + 77);
  const { name, upload, send } = await staged('verify/in-order.mcam', bytes);
  await send(2);
  await partArrived(upload.uploadId, 2);
  expect(await verifiedParts(upload.uploadId)).toBe(0);

  await send(1);
  await partArrived(upload.uploadId, 1);
  expect(await verifiedParts(upload.uploadId)).toBe(2);

  await send(4, 3);
  await partArrived(upload.uploadId, 4);
  expect(await verifiedParts(upload.uploadId)).toBe(4);

  // Keys that are not a staged part are none of its business.
  await partArrived('not-an-upload', 1);
  const committed = await setup.vault.checkins.checkIn(alice, name, {
    source: { uploadId: upload.uploadId },
    message: 'verified ahead',
    keepLock: false,
  });
  expect(committed.version).toMatchObject({ version: 1, sha256: sha(bytes), sizeBytes: bytes.length });
  const link = await setup.vault.files.download(alice, name, 1);
  expect(Buffer.from(await (await fetch(link.url)).arrayBuffer()).equals(bytes)).toBe(true);
});

test('verifiers racing on one upload count each part once, and the check-in commits exactly its bytes', async () => {
  for (let round = 0; round < 2; round++) {
    const bytes = randomBytes(3 * PART + 1 + round);
    const { name, upload, send } = await staged(`verify/racing-${round}.mcam`, bytes);
    await send(1, 2, 3, 4);
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => setup.vault.stagedBytes.advance(upload.uploadId)).concat(
        [1, 2, 3, 4].map(async (partNumber) => {
          await partArrived(upload.uploadId, partNumber);
          return { upload: null, problem: null };
        }),
      ),
    );
    expect(runs.every((run) => run.problem === null)).toBe(true);
    const after = await setup.store.getUpload(upload.uploadId);
    expect(after?.verifiedParts).toBe(4);
    const committed = await setup.vault.checkins.checkIn(alice, name, {
      source: { uploadId: upload.uploadId },
      message: '',
      keepLock: false,
    });
    expect(committed.version?.sha256).toBe(sha(bytes));
    const link = await setup.vault.files.download(alice, name, 1);
    expect(Buffer.from(await (await fetch(link.url)).arrayBuffer()).equals(bytes)).toBe(true);
  }
});
