/** The stream → event mapping: an audit entry inserted is its event, exactly; nothing else is an event. */

import { auditToItem, fileToItem, versionToItem } from '#shared/aws/dynamodb/items';
import { eventFromChange } from '#shared/aws/dynamodb/stream-changes';
import type { CoreContext } from '#shared/core/context';
import * as entries from '#shared/core/entries';
import type { FileRecord } from '#shared/core/records';

const context = { newId: () => 'entry-1' } as unknown as CoreContext;
const AT = '2026-11-29T09:12:00.000Z';
const lock = { user: 'prog2', lockId: 'L1', acquiredAt: AT, message: 'fixing post', expiresAt: null };
const file: FileRecord = {
  fileId: '0b7c3c8e-2a57-4a43-9d0e-5b1e7e6f0a11',
  key: 'fixtures/plate a.mcam',
  name: 'fixtures/Plate A.mcam',
  version: 3,
  sizeBytes: 10,
  sha256: 'a'.repeat(64),
  modifiedAt: AT,
  modifiedBy: 'prog1',
  lock,
  released: null,
};
const inserted = (item: Record<string, unknown>) => eventFromChange({ eventName: 'INSERT', newImage: item });
const base = { eventId: 'entry-1', at: AT, name: 'fixtures/Plate A.mcam', fileId: file.fileId };

test.each([
  [
    'FileCheckedOut',
    entries.checkedOut(context, file, AT),
    { type: 'FileCheckedOut', ...base, user: 'prog2', lockId: 'L1', message: 'fixing post' },
  ],
  [
    'FileCheckedIn with a version',
    entries.checkedIn(context, file, {
      user: 'prog2',
      lockId: 'L1',
      version: 3,
      message: 'roughing',
      at: AT,
    }),
    {
      type: 'FileCheckedIn',
      ...base,
      user: 'prog2',
      lockId: 'L1',
      version: 3,
      sha256: 'a'.repeat(64),
      sizeBytes: 10,
      message: 'roughing',
    },
  ],
  [
    'FileCheckedIn releasing only',
    entries.checkedIn(context, file, { user: 'prog2', lockId: 'L1', version: null, message: '', at: AT }),
    {
      type: 'FileCheckedIn',
      ...base,
      user: 'prog2',
      lockId: 'L1',
      version: null,
      sha256: 'a'.repeat(64),
      sizeBytes: 10,
      message: '',
    },
  ],
  [
    'LockReleased',
    entries.lockReleased(context, file, 'L1', AT),
    { type: 'LockReleased', ...base, user: 'prog2', lockId: 'L1' },
  ],
  [
    'LockBroken',
    entries.lockBroken(context, file, { admin: 'boss', previousOwner: 'prog2', lockId: 'L1', at: AT }),
    { type: 'LockBroken', ...base, user: 'boss', previousOwner: 'prog2', lockId: 'L1' },
  ],
  [
    'FileMoved',
    entries.moved(
      context,
      file,
      { ...file, name: 'plates/A.mcam' },
      { user: 'prog2', message: 'tidy', at: AT },
    ),
    {
      type: 'FileMoved',
      ...base,
      name: 'plates/A.mcam',
      from: 'fixtures/Plate A.mcam',
      user: 'prog2',
      message: 'tidy',
    },
  ],
  [
    'FileDeleted',
    entries.deleted(context, file, { user: 'prog2', message: 'obsolete', at: AT }),
    { type: 'FileDeleted', ...base, user: 'prog2', version: 3, message: 'obsolete' },
  ],
  [
    'FileRestored',
    entries.restored(context, file, { user: 'prog1', at: AT }),
    { type: 'FileRestored', ...base, user: 'prog1', version: 3 },
  ],
])('%s: the entry inserted is exactly its event', (_label, entry, expected) => {
  expect(inserted(auditToItem(entry, 0))).toEqual(expected);
});

test('an entry and its event share the entry id, whichever its place in the transaction', () => {
  const entry = entries.checkedOut(context, file, AT);
  expect(inserted(auditToItem(entry, 1))?.eventId).toBe('entry-1');
});

test('files, versions and every other item are no events; neither is a changed or removed entry', () => {
  const entry = auditToItem(entries.checkedOut(context, file, AT), 0);
  expect(inserted(fileToItem(file))).toBeNull();
  expect(
    inserted(
      versionToItem({
        fileId: file.fileId,
        version: 1,
        name: file.name,
        sizeBytes: 1,
        sha256: 'b'.repeat(64),
        createdAt: AT,
        user: 'u',
        message: '',
        lockId: null,
        releases: [],
      }),
    ),
  ).toBeNull();
  expect(eventFromChange({ eventName: 'MODIFY', newImage: entry })).toBeNull();
  expect(eventFromChange({ eventName: 'REMOVE', newImage: undefined })).toBeNull();
});
