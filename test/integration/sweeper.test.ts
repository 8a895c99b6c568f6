/**
 * (v2) The sweeper (shared/core/sweeper.ts) on the emulators: what dead uploads staged goes, live
 * uploads keep theirs; orphan blobs go, referenced and v1 blobs stay; and a check-in racing the sweep
 * of the very blob it commits never commits bytes the sweep removed (run many times, for real at once).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { VaultError } from '#shared/errors';
import type { Caller, SingleUpload } from '#shared/model';
import { parseFileName } from '#shared/names';
import { createTestVault } from '../support/emulators';

const alice: Caller = { user: 'alice', groups: [] };
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const name = (raw: string) => parseFileName(raw, ['.mcam']);
const DAY_MS = 24 * 3600 * 1000;

let setup: Awaited<ReturnType<typeof createTestVault>>;
/** The vault's clock, moved on by the tests to let uploads expire. */
let offsetMs = 0;
beforeAll(async () => {
  setup = await createTestVault({}, { clock: () => new Date(Date.now() + offsetMs), blobGraceMs: 0 });
});

const s3 = () => setup.clients.s3;
const bucket = () => setup.config.bucket;
const exists = async (key: string) =>
  s3()
    .send(new HeadObjectCommand({ Bucket: bucket(), Key: key }))
    .then(() => true)
    .catch(() => false);
const stagedKeys = async (uploadId: string) =>
  (
    (await s3().send(new ListObjectsV2Command({ Bucket: bucket(), Prefix: `uploads/${uploadId}/` })))
      .Contents ?? []
  ).map((object) => object.Key);

/** What the tests do through one vault: stage and PUT, check in, download. */
const through = (vault: () => Awaited<ReturnType<typeof createTestVault>>['vault']) => ({
  /** A single-PUT upload of `bytes` for `raw`, its bytes PUT. */
  stagedPut: async (raw: string, bytes: Buffer) => {
    const upload = (await vault().checkins.stage(alice, name(raw), bytes.length, sha(bytes))) as SingleUpload;
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    expect(put.status).toBe(200);
    return upload;
  },
  checkIn: (raw: string, uploadId: string) =>
    vault().checkins.checkIn(alice, name(raw), { source: { uploadId }, message: '', keepLock: false }),
  downloaded: async (raw: string) => {
    const link = await vault().files.download(alice, name(raw), null);
    const response = await fetch(link.url);
    return response.status === 200 ? Buffer.from(await response.arrayBuffer()) : null;
  },
});
const { stagedPut, checkIn, downloaded } = through(() => setup.vault);

/** What a check-in does before its commit, and no more: the blob placed, referenced by no version. */
const orphanBlob = async (bytes: Buffer) => {
  const upload = await stagedPut(`orphans/${randomUUID()}.mcam`, bytes);
  const record = await setup.store.getUpload(upload.uploadId);
  if (!record) throw new Error('no upload record');
  await setup.store.placeBlob(record.sha256, new Date().toISOString());
  await setup.vault.stagedBytes.place(record);
  expect(await exists(`blobs/${sha(bytes)}`)).toBe(true);
  return upload;
};

test('what dead uploads staged goes (expired, given up, checked in, unknown); a live upload keeps its parts', async () => {
  const expired = await stagedPut('sweep/expired.mcam', Buffer.from('expired'));
  const abandoned = await stagedPut('sweep/abandoned.mcam', Buffer.from('abandoned'));
  // Given up, as if removing what it staged had failed then.
  const abandonedRecord = await setup.store.getUpload(abandoned.uploadId);
  expect(
    abandonedRecord && (await setup.store.abandonUpload(abandonedRecord, new Date().toISOString())),
  ).toBe(true);
  const committed = await stagedPut('sweep/committed.mcam', Buffer.from('committed'));
  await checkIn('sweep/committed.mcam', committed.uploadId);
  // Left behind by a check-in whose clean-up failed, and by an upload the table never knew.
  const unknown = randomUUID();
  for (const key of [`uploads/${committed.uploadId}/00001`, `uploads/${unknown}/00001`])
    await s3().send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: 'left' }));

  offsetMs = 8 * DAY_MS;
  const live = await stagedPut('sweep/live.mcam', Buffer.from('live'));
  const report = await setup.vault.sweeper.sweep();
  expect(report.uploads).toBe(4);
  for (const uploadId of [expired.uploadId, abandoned.uploadId, committed.uploadId, unknown])
    expect(await stagedKeys(uploadId)).toEqual([]);
  expect(await stagedKeys(live.uploadId)).toHaveLength(1);
  // The expired upload is marked swept: no check-in of it can commit now.
  expect((await setup.store.getUpload(expired.uploadId))?.sweptAt).not.toBeNull();
  await expect(checkIn('sweep/expired.mcam', expired.uploadId)).rejects.toMatchObject({ status: 404 });
  expect((await checkIn('sweep/live.mcam', live.uploadId)).version?.version).toBe(1);
  expect((await downloaded('sweep/committed.mcam'))?.toString()).toBe('committed');
  offsetMs = 0;
});

test('an orphan blob goes; blobs versions refer to, and v1 blobs the vault has no record of, stay', async () => {
  await stagedPut('sweep/kept.mcam', Buffer.from('kept')).then((upload) =>
    checkIn('sweep/kept.mcam', upload.uploadId),
  );
  const orphanBytes = randomBytes(64);
  const orphan = await orphanBlob(orphanBytes);
  const v1Bytes = randomBytes(64);
  await s3().send(new PutObjectCommand({ Bucket: bucket(), Key: `blobs/${sha(v1Bytes)}`, Body: v1Bytes }));

  const report = await setup.vault.sweeper.sweep();
  expect(report.blobs).toBe(1);
  expect(await exists(`blobs/${sha(orphanBytes)}`)).toBe(false);
  expect(await exists(`blobs/${sha(v1Bytes)}`)).toBe(true);
  expect((await downloaded('sweep/kept.mcam'))?.toString()).toBe('kept');
  expect((await setup.vault.sweeper.sweep()).blobs).toBe(0);

  // The orphan's own upload can still be checked in: its bytes are placed again from what it staged.
  const orphanRecord = await setup.store.getUpload(orphan.uploadId);
  expect(orphanRecord).not.toBeNull();
  const raw = orphanRecord?.name as string;
  expect((await checkIn(raw, orphan.uploadId)).version?.sha256).toBe(sha(orphanBytes));
  expect((await downloaded(raw))?.equals(orphanBytes)).toBe(true);
});

test('a check-in racing the sweep of its blob either commits bytes that stay, or is refused: never a version without bytes', async () => {
  const ROUNDS = 30;
  const outcomes = { committed: 0, refused: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const bytes = randomBytes(256);
    await orphanBlob(bytes);
    const raw = `race/round-${round}.mcam`;
    const upload = await stagedPut(raw, bytes);
    const jitter = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
    const [checkin] = await Promise.allSettled([
      jitter().then(() => checkIn(raw, upload.uploadId)),
      jitter().then(() => setup.vault.sweeper.sweep()),
    ]);
    if (checkin.status === 'fulfilled') {
      outcomes.committed += 1;
      expect({ round, bytes: (await downloaded(raw))?.equals(bytes) }).toEqual({ round, bytes: true });
    } else {
      outcomes.refused += 1;
      expect({ round, error: checkin.reason }).toEqual({ round, error: expect.any(VaultError) });
      expect((checkin.reason as VaultError).status).toBe(412);
    }
  }
  expect(outcomes.committed + outcomes.refused).toBe(ROUNDS);
  // Another sweep leaves every committed version's bytes where they are.
  await setup.vault.sweeper.sweep();
  for (let round = 0; round < ROUNDS; round++) {
    const raw = `race/round-${round}.mcam`;
    const file = await setup.store.getFile(name(raw).key);
    if (file) expect({ round, present: (await downloaded(raw)) !== null }).toEqual({ round, present: true });
  }
});

describe("with the sweeper's grace of an hour", () => {
  /** A second vault, its clock moved by these tests alone. */
  let graced: Awaited<ReturnType<typeof createTestVault>>;
  let gracedOffsetMs = 0;
  beforeAll(async () => {
    graced = await createTestVault({}, { clock: () => new Date(Date.now() + gracedOffsetMs) });
  });
  afterEach(() => {
    gracedOffsetMs = 0;
    jest.restoreAllMocks();
  });

  const { stagedPut: stageAndPut, checkIn: commit, downloaded: fetched } = through(() => graced.vault);

  test('a check-in soon after staging commits on the mark staging made; one long after marks the blob again', async () => {
    const placeBlob = jest.spyOn(graced.store, 'placeBlob');
    const soon = randomBytes(128);
    const soonUpload = await stageAndPut('marks/soon.mcam', soon);
    expect((await graced.store.getUpload(soonUpload.uploadId))?.blobMarkedAt).not.toBeNull();
    await commit('marks/soon.mcam', soonUpload.uploadId);
    expect(placeBlob).not.toHaveBeenCalled();
    expect((await fetched('marks/soon.mcam'))?.equals(soon)).toBe(true);

    const late = randomBytes(128);
    const lateUpload = await stageAndPut('marks/late.mcam', late);
    gracedOffsetMs = 40 * 60 * 1000;
    await commit('marks/late.mcam', lateUpload.uploadId);
    expect(placeBlob).toHaveBeenCalledTimes(1);
    expect((await fetched('marks/late.mcam'))?.equals(late)).toBe(true);

    // Content a version refers to already is never swept: staging says so, and nothing marks it.
    const again = await stageAndPut('marks/again.mcam', soon);
    expect(await graced.store.getUpload(again.uploadId)).toMatchObject({
      blobMarkedAt: null,
      blobReferenced: true,
    });
    await commit('marks/again.mcam', again.uploadId);
    expect(placeBlob).toHaveBeenCalledTimes(1);
    expect((await fetched('marks/again.mcam'))?.equals(soon)).toBe(true);
  });

  test('staging racing the sweep of its blob: whichever wins, no version refers to bytes the sweep removed', async () => {
    const ROUNDS = 20;
    // The sweep's claim and its delete are a moment apart: widened here, so that staging and the
    // check-in fall between them in some rounds and around them in others.
    const deleteBlob = graced.blobs.deleteBlob.bind(graced.blobs);
    jest.spyOn(graced.blobs, 'deleteBlob').mockImplementation(async (sha256) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
      await deleteBlob(sha256);
    });
    let committed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const bytes = randomBytes(256);
      // An orphan placed two hours ago: the sweeper's candidate now.
      gracedOffsetMs = -2 * 3600 * 1000;
      const orphan = await stageAndPut(`orphans/${randomUUID()}.mcam`, bytes);
      const record = await graced.store.getUpload(orphan.uploadId);
      if (!record) throw new Error('no upload record');
      await graced.vault.stagedBytes.place(record);
      gracedOffsetMs = 0;

      const raw = `staging-race/round-${round}.mcam`;
      const jitter = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * ms));
      const [checkin] = await Promise.allSettled([
        jitter(200).then(async () => commit(raw, (await stageAndPut(raw, bytes)).uploadId)),
        jitter(15).then(() => graced.vault.sweeper.sweep()),
      ]);
      if (checkin.status === 'fulfilled') committed += 1;
      else expect({ round, status: (checkin.reason as VaultError).status }).toEqual({ round, status: 412 });
    }
    expect(committed).toBeGreaterThan(0);
    await graced.vault.sweeper.sweep();
    for (let round = 0; round < ROUNDS; round++) {
      const raw = `staging-race/round-${round}.mcam`;
      if (await graced.store.getFile(name(raw).key))
        expect({ round, present: (await fetched(raw)) !== null }).toEqual({ round, present: true });
    }
  });
});
