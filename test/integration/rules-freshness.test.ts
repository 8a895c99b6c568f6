/**
 * Each function keeps the rules it last read and, with every file it reads, asks only for their
 * version: a rule changed by another function holds for this one's very next request.
 */
import { createHash } from 'node:crypto';
import { DynamoDbVaultStore } from '#shared/aws/dynamodb/vault-store';
import { Vault } from '#shared/core/vault';
import type { Caller } from '#shared/model';
import { parseFileName, parseFolderPrefix } from '#shared/names';
import { createTestVault } from '../support/emulators';
import { singlePut } from '../support/http';

const programmer: Caller = { user: 'pat', groups: ['programmers'] };
const admin: Caller = { user: 'ada', groups: ['admins'] };
const name = parseFileName('customer/part.mcam', ['.mcam']);
const prefix = parseFolderPrefix('customer/');

test('a rule changed through one store holds for the next read through another', async () => {
  const first = await createTestVault();
  const bytes = Buffer.from('part');
  const upload = await first.vault.checkins.stage(
    programmer,
    name,
    bytes.length,
    createHash('sha256').update(bytes).digest('hex'),
  );
  expect(
    (await fetch(singlePut(upload).url, { method: 'PUT', headers: upload.headers, body: bytes })).status,
  ).toBe(200);
  await first.vault.checkins.checkIn(programmer, name, {
    source: { uploadId: upload.uploadId },
    message: '',
    keepLock: false,
  });
  // Another function's vault on the same table: its own store, its own remembered rules.
  const other = new Vault({
    config: first.config,
    store: new DynamoDbVaultStore(first.clients.dynamodb, first.config.table),
    notices: first.notices,
    blobs: first.blobs,
  });
  const sees = () =>
    first.vault.files.get(programmer, name).then(
      (file) => file.name,
      (error: { code?: string }) => error.code,
    );

  expect(await sees()).toBe('customer/part.mcam');
  await other.rules.put(admin, prefix, ['leads'], ['leads']);
  expect(await sees()).toBe('NOT_FOUND');
  await other.rules.put(admin, prefix, ['programmers'], ['leads']);
  expect(await sees()).toBe('customer/part.mcam');
  await other.rules.remove(admin, prefix);
  await other.rules.put(admin, prefix, [], []);
  expect(await sees()).toBe('NOT_FOUND');
  await expect(first.vault.locks.checkout(programmer, name, '')).rejects.toMatchObject({ code: 'NOT_FOUND' });
});
