/**
 * The v1 → v2 migration on a table the v1 code wrote (test/fixtures/v1-table.json, made by
 * make-v1-table.ts at the last v1 commit): afterwards the v2 core serves every file, version, lock and
 * staged upload; a second run changes nothing; a run that stopped halfway is finished by the next.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { fileFromItem, fileToItem, keys } from '#shared/aws/dynamodb/items';
import { migrateV1, v1FileId } from '#shared/aws/dynamodb/migrate-v1';
import { folderWrite } from '#shared/aws/dynamodb/vault-store';
import { folderChanges } from '#shared/core/folders';
import type { Caller } from '#shared/model';
import { parseFileName } from '#shared/names';
import { createTestVault } from '../support/emulators';

const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'v1-table.json'), 'utf8')) as {
  stagedUploadId: string;
  items: Record<string, unknown>[];
  blobs: Record<string, string>;
};
const name = (raw: string) => parseFileName(raw, ['.mcam']);
const bob: Caller = { user: 'bob', groups: [] };
const alice: Caller = { user: 'alice', groups: [] };
// The fixture's own time, a minute on: its staged upload is still in date.
const writtenAt = Math.max(
  ...fixture.items.map((item) => Date.parse(String(item.createdAt ?? item.modifiedAt ?? 0))),
);
const clock = () => new Date(writtenAt + 60_000);

/** A fresh table and bucket holding exactly what v1 left, plus `extra` items. */
const v1Vault = async (extra: Record<string, unknown>[] = []) => {
  const setup = await createTestVault({}, { clock });
  const documents = DynamoDBDocumentClient.from(setup.clients.dynamodb);
  const items = [...fixture.items, ...extra];
  for (let i = 0; i < items.length; i += 25) {
    await documents.send(
      new BatchWriteCommand({
        RequestItems: {
          [setup.config.table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
  for (const [key, text] of Object.entries(fixture.blobs)) {
    await setup.clients.s3.send(
      new PutObjectCommand({ Bucket: setup.config.bucket, Key: key, Body: Buffer.from(text) }),
    );
  }
  const scan = async () =>
    (
      (await documents.send(new ScanCommand({ TableName: setup.config.table, ConsistentRead: true })))
        .Items ?? []
    ).sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
  return { ...setup, documents, scan, migrate: () => migrateV1(setup.clients.dynamodb, setup.config.table) };
};

/** What the v2 core shows of a vault: files, each one's versions, locks and folders. */
const view = async (vault: Awaited<ReturnType<typeof v1Vault>>['vault']) => {
  const files = (
    await vault.files.list(alice, {
      prefix: '',
      directOnly: false,
      releasedOnly: false,
      status: null,
      limit: 100,
      cursor: null,
    })
  ).items;
  const versions = await Promise.all(
    files.map(async (file) => (await vault.files.versions(alice, name(file.name), 100, null)).items),
  );
  const locks = (await vault.locks.list(alice, { user: null, limit: 100, cursor: null })).items;
  const folders = async (prefix: string) =>
    (await vault.files.folders(alice, prefix, 100, null)).items.map((folder) => [
      folder.prefix,
      folder.files,
    ]);
  return {
    files,
    versions,
    locks,
    folders: { root: await folders(''), fixtures: await folders('fixtures/') },
  };
};

test('every v1 file, version, lock and staged upload is served by the v2 core; a second run changes nothing', async () => {
  const setup = await v1Vault();
  const report = await setup.migrate();
  expect(report).toEqual({
    filesMigrated: 4,
    versionsCopied: 6,
    uploadsBound: expect.any(Number),
    conflicts: [],
  });
  expect(report.uploadsBound).toBeGreaterThanOrEqual(1);
  const { files, versions, locks, folders } = await view(setup.vault);
  expect(files.map((file) => [file.name, file.version, file.status])).toEqual([
    ['Bracket.mcam', 1, 'checked_out'],
    ['fixtures/Plate A.mcam', 3, 'available'],
    ['fixtures/vises/Kurt DX6.mcam', 1, 'available'],
    ['parts/Plate #2.mcam', 1, 'available'],
  ]);
  expect(files.map((file) => file.fileId)).toEqual(files.map((file) => v1FileId(file.name.toLowerCase())));
  expect(versions[1]?.map((version) => [version.version, version.message, version.user])).toEqual([
    [3, 'plate v3', 'alice'],
    [2, 'plate v2', 'alice'],
    [1, 'first plate', 'alice'],
  ]);
  const v1Lock = fixture.items.find((item) => item.pk === 'FILE#bracket.mcam' && item.sk === 'FILE');
  expect(locks).toEqual([
    expect.objectContaining({
      name: 'Bracket.mcam',
      user: 'bob',
      lockId: v1Lock?.lockId,
      message: 'new fixture holes',
    }),
  ]);
  expect(folders).toEqual({
    root: [
      ['fixtures/', 2],
      ['parts/', 1],
    ],
    fixtures: [['fixtures/vises/', 1]],
  });
  // No v1 item is left.
  const after = await setup.scan();
  expect(after.filter((item) => String(item.pk).startsWith('FILE#'))).toEqual([]);

  // The bytes bob staged under his v1 lock check in as version 2; the old versions download as they were.
  const checkedIn = await setup.vault.checkins.checkIn(bob, name('Bracket.mcam'), {
    source: { uploadId: fixture.stagedUploadId },
    message: 'after the upgrade',
    keepLock: false,
  });
  expect(checkedIn.version).toMatchObject({ version: 2, sizeBytes: Buffer.byteLength('bracket v2') });
  const link = await setup.vault.files.download(alice, name('fixtures/plate a.mcam'), 1);
  expect(Buffer.from(await (await fetch(link.url)).arrayBuffer()).toString()).toBe('plate v1');
  // A name v2 refuses for new files stays reachable, so it can be moved to a portable one.
  await setup.vault.locks.checkout(alice, name('parts/Plate #2.mcam'), 'rename');
  const moved = await setup.vault.lifecycle.move(
    alice,
    name('parts/Plate #2.mcam'),
    name('parts/Plate No2.mcam'),
    '',
  );
  expect(moved).toMatchObject({ name: 'parts/Plate No2.mcam', fileId: v1FileId('parts/plate #2.mcam') });

  const stateBefore = await setup.scan();
  expect(await setup.migrate()).toEqual({
    filesMigrated: 0,
    versionsCopied: 0,
    uploadsBound: 0,
    conflicts: [],
  });
  expect(await setup.scan()).toEqual(stateBefore);
});

test('a run that stopped after copying versions, or after its file’s transaction, is finished by the next, counting folders once', async () => {
  // Plate A: its versions already copied, nothing else. Kurt DX6: its transaction done, its v1 versions left.
  const plate = fixture.items.filter(
    (item) => item.pk === 'FILE#fixtures/plate a.mcam' && item.sk !== 'FILE',
  );
  const kurt = fixture.items.find(
    (item) => item.pk === 'FILE#fixtures/vises/kurt dx6.mcam' && item.sk === 'FILE',
  ) as Record<string, unknown>;
  const copied = plate.map((version) => ({
    ...version,
    ...keys.version(v1FileId('fixtures/plate a.mcam'), version.version as number),
    fileId: v1FileId('fixtures/plate a.mcam'),
  }));
  const setup = await v1Vault(copied);
  const kurtFile = fileFromItem({ ...kurt, fileId: v1FileId('fixtures/vises/kurt dx6.mcam') });
  const kurtVersion = fixture.items.find((item) => item.pk === kurt.pk && item.sk !== 'FILE') as Record<
    string,
    unknown
  >;
  await setup.documents.send(
    new BatchWriteCommand({
      RequestItems: {
        [setup.config.table]: [
          { PutRequest: { Item: fileToItem(kurtFile) } },
          { DeleteRequest: { Key: { pk: kurt.pk, sk: kurt.sk } } },
        ],
      },
    }),
  );
  for (const folder of folderChanges(null, kurtFile.name)) {
    const { Update } = folderWrite(setup.config.table, folder, 'add');
    await setup.documents.send(new UpdateCommand(Update as ConstructorParameters<typeof UpdateCommand>[0]));
  }
  expect((await setup.scan()).some((item) => item.pk === kurtVersion.pk)).toBe(true);

  const report = await setup.migrate();
  expect(report.filesMigrated).toBe(3);
  const { files, versions, folders } = await view(setup.vault);
  expect(files.map((file) => [file.name, file.version])).toEqual([
    ['Bracket.mcam', 1],
    ['fixtures/Plate A.mcam', 3],
    ['fixtures/vises/Kurt DX6.mcam', 1],
    ['parts/Plate #2.mcam', 1],
  ]);
  expect(versions.map((list) => list.length)).toEqual([1, 3, 1, 1]);
  expect(folders).toEqual({
    root: [
      ['fixtures/', 2],
      ['parts/', 1],
    ],
    fixtures: [['fixtures/vises/', 1]],
  });
  expect((await setup.scan()).filter((item) => String(item.pk).startsWith('FILE#'))).toEqual([]);
});
