/**
 * (v2) Multipart uploads through the local server: staging, part URLs, resuming from what storage
 * holds, giving up, and check-ins that commit only verified bytes.
 *
 * The emulator (s3rver) has no ListParts and no AbortMultipartUpload, and does not check a PUT's
 * x-amz-checksum-sha256. The vault needs none of them: each part is an object of its own (listed with
 * ListObjectsV2, which s3rver has), the SHA-256 a client declared for each part is kept in the table,
 * and the vault hashes every part itself, so wrong bytes that the emulator stores (real S3 refuses them
 * with BadDigest) are still refused at check-in.
 */
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { emulatorClients } from '#infra/local/local-vault';
import { testEndpoints } from '../support/emulators';
import { type ApiClient, encodeName, sha256Hex, startTestServer, type TestServer } from '../support/http';

const MiB = 1024 ** 2;
/** Storage's smallest part: the uploads here are two or three of them. */
const PART = 5 * MiB;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ CAMVAULT_MULTIPART_THRESHOLD_BYTES: String(8 * MiB) });
});
afterAll(() => server.close());

const alice = () => server.as('alice');
const bob = () => server.as('bob');

const cut = (bytes: Buffer, partSize = PART): Buffer[] => {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += partSize)
    parts.push(bytes.subarray(offset, offset + partSize));
  return parts;
};

const stageParts = (
  client: ApiClient,
  name: string,
  bytes: Buffer,
  partSizeBytes: number | undefined = PART,
) =>
  client.request('POST', '/uploads', {
    json: { name, sizeBytes: bytes.length, sha256: sha256Hex(bytes), partSizeBytes },
  });

const askParts = (client: ApiClient, uploadId: string, parts: { partNumber: number; sha256: string }[]) =>
  client.request('POST', `/uploads/${uploadId}/parts`, { json: { parts } });

const putPart = async (link: { url: string; headers: Record<string, string> }, body: Buffer) =>
  (await fetch(link.url, { method: 'PUT', headers: link.headers, body })).status;

/** Asks for the URLs of these parts (all by default) and PUTs them, all at once. */
const sendParts = async (client: ApiClient, uploadId: string, bytes: Buffer, numbers?: number[]) => {
  const parts = cut(bytes);
  const wanted = numbers ?? parts.map((_, i) => i + 1);
  const asked = await askParts(
    client,
    uploadId,
    wanted.map((partNumber) => ({ partNumber, sha256: sha256Hex(parts[partNumber - 1] as Buffer) })),
  );
  expect(asked.status).toBe(200);
  const statuses = await Promise.all(
    asked.body.parts.map((link: { partNumber: number; url: string; headers: Record<string, string> }) =>
      putPart(link, parts[link.partNumber - 1] as Buffer),
    ),
  );
  expect(statuses.every((status) => status === 200)).toBe(true);
};

const fileOf = (name: string) => alice().get(`/files/${encodeName(name)}`);

const stagedObjects = async (uploadId: string) => {
  const { s3 } = emulatorClients(testEndpoints());
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: server.bucket, Prefix: `uploads/${uploadId}/` }),
  );
  return (listed.Contents ?? []).map((object) => object.Key);
};

describe('staging', () => {
  test('a part size asked for makes a multipart upload, used exactly; the last part has the rest', async () => {
    const bytes = randomBytes(2 * PART + 1000);
    const staged = await stageParts(alice(), 'multipart/asked.mcam', bytes);
    expect(staged.status).toBe(201);
    expect(staged.body).toEqual({
      uploadId: expect.any(String),
      name: 'multipart/asked.mcam',
      method: 'MULTIPART',
      url: null,
      headers: {},
      sizeBytes: bytes.length,
      sha256: sha256Hex(bytes),
      expiresAt: expect.any(String),
      partSizeBytes: PART,
      partCount: 3,
    });
    // Resumable for CAMVAULT_UPLOAD_TTL_SECONDS (7 days by default), not just a URL's lifetime.
    expect(Date.parse(staged.body.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
  });

  test('over the threshold the vault chooses the part size; at or under it, one PUT', async () => {
    const big = await alice().request('POST', '/uploads', {
      json: { name: 'multipart/chosen.mcam', sizeBytes: 8 * MiB + 1, sha256: 'a'.repeat(64) },
    });
    expect(big.body).toMatchObject({ method: 'MULTIPART', partSizeBytes: 16 * MiB, partCount: 1 });
    const small = await alice().request('POST', '/uploads', {
      json: { name: 'multipart/small.mcam', sizeBytes: 8 * MiB, sha256: 'a'.repeat(64) },
    });
    expect(small.body).toMatchObject({ method: 'PUT', url: expect.stringContaining('http') });
  });

  test.each([
    ['under 5 MiB', { sizeBytes: 10 * MiB, partSizeBytes: PART - 1 }, 400],
    ['over 5 GiB', { sizeBytes: 10 * MiB, partSizeBytes: 5 * 1024 ** 3 + 1 }, 400],
    ['needing more than 10,000 parts', { sizeBytes: 10_001 * PART, partSizeBytes: PART }, 400],
    ['not an integer', { sizeBytes: 10 * MiB, partSizeBytes: PART + 0.5 }, 400],
    ['for an empty file', { sizeBytes: 0, partSizeBytes: PART }, 400],
    ['over the 50 GiB limit', { sizeBytes: 50 * 1024 ** 3 + 1, partSizeBytes: 64 * MiB }, 413],
  ])('a part size %s is refused', async (_, json, status) => {
    const refused = await alice().request('POST', '/uploads', {
      json: { name: 'multipart/refused.mcam', sha256: 'a'.repeat(64), ...json },
    });
    expect(refused.status).toBe(status);
    expect(refused.body.error.code).toBe(status === 400 ? 'BAD_REQUEST' : 'PAYLOAD_TOO_LARGE');
  });
});

describe('parts, resuming and check-in', () => {
  test('parts sent in any order and in parallel; storage says what it holds; the check-in commits exactly the bytes', async () => {
    const name = 'multipart/whole.mcam';
    const bytes = randomBytes(2 * PART + 12_345);
    const { body: upload } = await stageParts(alice(), name, bytes);
    await sendParts(alice(), upload.uploadId, bytes, [3, 1]);

    const status = await alice().get(`/uploads/${upload.uploadId}`);
    expect(status.status).toBe(200);
    expect(status.body.upload).toEqual(upload);
    expect(status.body.receivedParts).toEqual([
      { partNumber: 1, offset: 0, sizeBytes: PART, sha256: sha256Hex(bytes.subarray(0, PART)) },
      { partNumber: 3, offset: 2 * PART, sizeBytes: 12_345, sha256: sha256Hex(bytes.subarray(2 * PART)) },
    ]);

    await sendParts(alice(), upload.uploadId, bytes, [2]);
    const done = await alice().checkin(name, { uploadId: upload.uploadId, message: 'in parts' });
    expect(done.status).toBe(200);
    expect(done.body.version).toMatchObject({
      version: 1,
      sizeBytes: bytes.length,
      sha256: sha256Hex(bytes),
    });
    expect((await alice().downloadBytes(name)).equals(bytes)).toBe(true);

    // A retry after a lost answer gets the same version; the upload is no longer in progress.
    const retried = await alice().checkin(name, { uploadId: upload.uploadId, message: 'in parts' });
    expect(retried.body.version).toEqual(done.body.version);
    expect((await alice().get(`/uploads/${upload.uploadId}`)).status).toBe(404);
    expect(await stagedObjects(upload.uploadId)).toEqual([]);
  });

  test('a check-in before every part arrived is 412 and commits nothing; it succeeds once they have', async () => {
    const name = 'multipart/early.mcam';
    const bytes = randomBytes(2 * PART + 1);
    const { body: upload } = await stageParts(alice(), name, bytes);
    await sendParts(alice(), upload.uploadId, bytes, [1, 3]);

    const early = await alice().checkin(name, { uploadId: upload.uploadId });
    expect(early.status).toBe(412);
    expect(early.body.error.code).toBe('PRECONDITION_FAILED');
    expect(early.body.error.message).toMatch(/part 2 of 3 is missing/);
    expect((await fileOf(name)).status).toBe(404);

    await sendParts(alice(), upload.uploadId, bytes, [2]);
    const done = await alice().checkin(name, { uploadId: upload.uploadId });
    expect(done.status).toBe(200);
    expect((await alice().downloadBytes(name)).equals(bytes)).toBe(true);
  });

  test('a part with wrong bytes is 412 naming it, and nothing is committed; sent again right, it commits', async () => {
    const name = 'multipart/wrong-part.mcam';
    const v1 = Buffer.from('v1');
    await alice().commit(name, v1);
    await alice().checkout(name);
    const bytes = randomBytes(2 * PART);
    const { body: upload } = await stageParts(alice(), name, bytes);
    await sendParts(alice(), upload.uploadId, bytes, [1]);
    const [link] = (
      await askParts(alice(), upload.uploadId, [
        { partNumber: 2, sha256: sha256Hex(cut(bytes)[1] as Buffer) },
      ])
    ).body.parts;
    // Same length, other bytes: s3rver stores them (real S3 refuses them with BadDigest).
    expect(await putPart(link, randomBytes(PART))).toBe(200);
    const before = (await fileOf(name)).body;

    const refused = await alice().checkin(name, { uploadId: upload.uploadId });
    expect(refused.status).toBe(412);
    expect(refused.body.error.message).toMatch(/part 2 does not hold/);
    expect((await fileOf(name)).body).toEqual(before);

    // The same part sent twice: the second PUT replaces the first.
    expect(await putPart(link, cut(bytes)[1] as Buffer)).toBe(200);
    const done = await alice().checkin(name, { uploadId: upload.uploadId });
    expect(done.status).toBe(200);
    expect(done.body.version.version).toBe(2);
    expect((await alice().downloadBytes(name)).equals(bytes)).toBe(true);
    expect((await alice().downloadBytes(name, 1)).equals(v1)).toBe(true);
  });

  test('parts that each match their SHA-256 but not the whole file’s are 412', async () => {
    const name = 'multipart/not-the-whole.mcam';
    const bytes = randomBytes(2 * PART);
    const { body: upload } = await alice().request('POST', '/uploads', {
      json: { name, sizeBytes: bytes.length, sha256: sha256Hex(randomBytes(16)), partSizeBytes: PART },
    });
    await sendParts(alice(), upload.uploadId, bytes);
    const refused = await alice().checkin(name, { uploadId: upload.uploadId });
    expect(refused.status).toBe(412);
    expect(refused.body.error.message).toMatch(/together they are SHA-256/);
    expect((await fileOf(name)).status).toBe(404);
  });

  test('parts sent with another upload’s URLs do not count for this one, nor do that one’s bytes', async () => {
    const bytesA = randomBytes(PART + 10);
    const bytesB = randomBytes(PART + 10);
    const { body: a } = await stageParts(alice(), 'multipart/from-a.mcam', bytesA);
    const { body: b } = await stageParts(alice(), 'multipart/from-b.mcam', bytesB);
    await sendParts(alice(), b.uploadId, bytesB, [2]);
    // A's first part through B's URL for its first part.
    const [bLink] = (
      await askParts(alice(), b.uploadId, [{ partNumber: 1, sha256: sha256Hex(cut(bytesB)[0] as Buffer) }])
    ).body.parts;
    expect(await putPart(bLink, cut(bytesA)[0] as Buffer)).toBe(200);
    await sendParts(alice(), a.uploadId, bytesA, [2]);

    expect((await alice().checkin('multipart/from-b.mcam', { uploadId: b.uploadId })).status).toBe(412);
    const missing = await alice().checkin('multipart/from-a.mcam', { uploadId: a.uploadId });
    expect(missing.body.error.message).toMatch(/part 1 of 2 is missing/);
    // Nor can one upload be checked in under the other's name.
    expect((await alice().checkin('multipart/from-b.mcam', { uploadId: a.uploadId })).status).toBe(404);
    for (const name of ['multipart/from-a.mcam', 'multipart/from-b.mcam'])
      expect((await fileOf(name)).status).toBe(404);
  });

  test('two check-ins of one upload at once make one version', async () => {
    const name = 'multipart/twice.mcam';
    const bytes = randomBytes(PART + 5);
    const { body: upload } = await stageParts(alice(), name, bytes);
    await sendParts(alice(), upload.uploadId, bytes);
    const results = await Promise.all(
      [1, 2, 3].map(() => alice().checkin(name, { uploadId: upload.uploadId })),
    );
    expect(results.map((result) => result.status)).toEqual([200, 200, 200]);
    expect(new Set(results.map((result) => result.body.version.version))).toEqual(new Set([1]));
    expect((await alice().get(`/versions/${encodeName(name)}`)).body.versions).toHaveLength(1);
    expect((await alice().downloadBytes(name)).equals(bytes)).toBe(true);
  });
});

describe('declaring parts', () => {
  test('a part’s SHA-256 may change until storage holds it, then only the same is accepted', async () => {
    const bytes = randomBytes(PART + 1);
    const { body: upload } = await stageParts(alice(), 'multipart/redeclare.mcam', bytes);
    const first = cut(bytes)[0] as Buffer;
    const elsewhere = sha256Hex(randomBytes(8));
    expect((await askParts(alice(), upload.uploadId, [{ partNumber: 1, sha256: elsewhere }])).status).toBe(
      200,
    );
    const asked = await askParts(alice(), upload.uploadId, [{ partNumber: 1, sha256: sha256Hex(first) }]);
    expect(asked.body.parts).toEqual([
      { partNumber: 1, url: expect.any(String), headers: expect.any(Object), expiresAt: expect.any(String) },
    ]);
    expect(await putPart(asked.body.parts[0], first)).toBe(200);

    const changed = await askParts(alice(), upload.uploadId, [{ partNumber: 1, sha256: elsewhere }]);
    expect(changed.status).toBe(400);
    expect(changed.body.error.message).toMatch(/already in storage/);
    const again = await askParts(alice(), upload.uploadId, [{ partNumber: 1, sha256: sha256Hex(first) }]);
    expect(again.status).toBe(200);
    expect(Date.parse(again.body.parts[0].expiresAt)).toBeGreaterThanOrEqual(
      Date.parse(asked.body.parts[0].expiresAt),
    );
  });

  test.each([
    ['no parts', { parts: [] }],
    [
      '101 parts',
      { parts: Array.from({ length: 101 }, (_, i) => ({ partNumber: i + 1, sha256: 'a'.repeat(64) })) },
    ],
    ['a part twice', { parts: [1, 1].map((partNumber) => ({ partNumber, sha256: 'a'.repeat(64) })) }],
    ['part 0', { parts: [{ partNumber: 0, sha256: 'a'.repeat(64) }] }],
    ['a part past the last', { parts: [{ partNumber: 3, sha256: 'a'.repeat(64) }] }],
    ['a bad SHA-256', { parts: [{ partNumber: 1, sha256: 'xyz' }] }],
    ['an unknown field', { parts: [{ partNumber: 1, sha256: 'a'.repeat(64), size: 5 }] }],
  ])('asking for %s is 400', async (_, json) => {
    const { body: upload } = await stageParts(alice(), 'multipart/bad-ask.mcam', randomBytes(PART + 1));
    const refused = await alice().request('POST', `/uploads/${upload.uploadId}/parts`, { json });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('BAD_REQUEST');
  });

  test('a single-PUT upload has no parts (400); a malformed upload id is 400, an unknown one 404', async () => {
    const single = await alice().stage('multipart/single.mcam', Buffer.from('one put'));
    expect(
      (await askParts(alice(), single.body.uploadId, [{ partNumber: 1, sha256: 'a'.repeat(64) }])).status,
    ).toBe(400);
    expect((await alice().get('/uploads/not-an-id')).status).toBe(400);
    expect((await alice().get('/uploads/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  test('a single-PUT upload shows a fresh URL and, once PUT, its one part', async () => {
    const bytes = Buffer.from('one put, resumed');
    const single = await alice().stage('multipart/single-status.mcam', bytes);
    const status = await alice().get(`/uploads/${single.body.uploadId}`);
    expect(status.body).toEqual({
      upload: { ...single.body, url: expect.any(String), expiresAt: expect.any(String) },
      receivedParts: [],
    });
    await fetch(status.body.upload.url, { method: 'PUT', headers: status.body.upload.headers, body: bytes });
    expect((await alice().get(`/uploads/${single.body.uploadId}`)).body.receivedParts).toEqual([
      { partNumber: 1, offset: 0, sizeBytes: bytes.length, sha256: sha256Hex(bytes) },
    ]);
  });
});

describe('giving up, and other users', () => {
  test('only the stager sees or changes an upload: 404 for anyone else, and it stays theirs', async () => {
    const name = 'multipart/theirs.mcam';
    const bytes = randomBytes(PART + 3);
    const { body: upload } = await stageParts(alice(), name, bytes);
    expect((await bob().get(`/uploads/${upload.uploadId}`)).status).toBe(404);
    expect((await askParts(bob(), upload.uploadId, [{ partNumber: 1, sha256: 'a'.repeat(64) }])).status).toBe(
      404,
    );
    expect((await bob().request('DELETE', `/uploads/${upload.uploadId}`)).status).toBe(404);
    expect((await bob().checkin(name, { uploadId: upload.uploadId })).status).toBe(404);

    await sendParts(alice(), upload.uploadId, bytes);
    expect((await alice().checkin(name, { uploadId: upload.uploadId })).status).toBe(200);
  });

  test('an abandoned upload is gone for good: its parts are freed, and it cannot be resumed or checked in', async () => {
    const name = 'multipart/abandoned.mcam';
    const bytes = randomBytes(PART + 3);
    const { body: upload } = await stageParts(alice(), name, bytes);
    await sendParts(alice(), upload.uploadId, bytes, [1]);
    expect(await stagedObjects(upload.uploadId)).toHaveLength(1);

    const abandoned = await alice().request('DELETE', `/uploads/${upload.uploadId}`);
    expect(abandoned.status).toBe(200);
    expect(abandoned.body).toEqual({ uploadId: upload.uploadId, abandoned: true });
    expect(await stagedObjects(upload.uploadId)).toEqual([]);

    expect((await alice().request('DELETE', `/uploads/${upload.uploadId}`)).status).toBe(404);
    expect((await alice().get(`/uploads/${upload.uploadId}`)).status).toBe(404);
    expect(
      (await askParts(alice(), upload.uploadId, [{ partNumber: 2, sha256: 'a'.repeat(64) }])).status,
    ).toBe(404);
    expect((await alice().checkin(name, { uploadId: upload.uploadId })).status).toBe(404);
    expect((await fileOf(name)).status).toBe(404);
  });
});
