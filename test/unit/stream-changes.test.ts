import { eventFromChange, type TableChange } from '#shared/aws/stream-changes';

const file = (extra: Record<string, unknown> = {}) => ({
  type: 'file',
  name: 'fixtures/Plate A.mcam',
  nameKey: 'fixtures/plate a.mcam',
  version: 3,
  sizeBytes: 10,
  sha256: 'a'.repeat(64),
  ...extra,
});
const locked = (user: string, lockId: string, message = '') => ({
  lockUser: user,
  lockId,
  lockAcquiredAt: '2026-11-29T09:12:00.000Z',
  lockMessage: message,
  lockListPk: 'LOCKS',
});
const ended = (by: string, ending: string, message = '') => ({
  lockEndedBy: by,
  lockEnding: ending,
  lockEndMessage: message,
  lockEndedAt: '2026-11-29T10:00:00.000Z',
});
const change = (
  eventName: TableChange['eventName'],
  oldImage?: Record<string, unknown>,
  newImage?: Record<string, unknown>,
) => eventFromChange({ eventID: 'stream-record-1', eventName, oldImage, newImage });

test('a lock taken is FileCheckedOut, with the lock holder and message', () => {
  expect(change('MODIFY', file(), file(locked('prog2', 'L1', 'fixing post')))).toEqual({
    type: 'FileCheckedOut',
    eventId: 'stream-record-1',
    at: '2026-11-29T09:12:00.000Z',
    name: 'fixtures/Plate A.mcam',
    user: 'prog2',
    lockId: 'L1',
    message: 'fixing post',
  });
});

test('a lock taken over an expired one is FileCheckedOut too', () => {
  expect(change('MODIFY', file(locked('old', 'L0')), file(locked('new', 'L1')))).toMatchObject({
    type: 'FileCheckedOut',
    user: 'new',
    lockId: 'L1',
  });
});

test('a new file checked in keeping its lock is FileCheckedOut (its version item tells the check-in)', () => {
  expect(change('INSERT', undefined, file(locked('prog2', 'L1')))).toMatchObject({
    type: 'FileCheckedOut',
    lockId: 'L1',
  });
});

test('an owner undoing is LockReleased', () => {
  expect(change('MODIFY', file(locked('prog2', 'L1')), file(ended('prog2', 'undo')))).toEqual({
    type: 'LockReleased',
    eventId: 'stream-record-1',
    at: '2026-11-29T10:00:00.000Z',
    name: 'fixtures/Plate A.mcam',
    user: 'prog2',
    lockId: 'L1',
  });
});

test('an admin breaking is LockBroken, naming both', () => {
  expect(change('MODIFY', file(locked('prog2', 'L1')), file(ended('boss', 'break')))).toEqual({
    type: 'LockBroken',
    eventId: 'stream-record-1',
    at: '2026-11-29T10:00:00.000Z',
    name: 'fixtures/Plate A.mcam',
    user: 'boss',
    previousOwner: 'prog2',
    lockId: 'L1',
  });
});

test('a check-in that only released the lock is FileCheckedIn with version null', () => {
  expect(
    change('MODIFY', file(locked('prog2', 'L1')), file(ended('prog2', 'checkin', 'no changes needed'))),
  ).toEqual({
    type: 'FileCheckedIn',
    eventId: 'stream-record-1',
    at: '2026-11-29T10:00:00.000Z',
    name: 'fixtures/Plate A.mcam',
    user: 'prog2',
    lockId: 'L1',
    version: null,
    sha256: 'a'.repeat(64),
    sizeBytes: 10,
    message: 'no changes needed',
  });
});

test('a committed version is FileCheckedIn with its number; the file item changing beside it tells nothing more', () => {
  const version = {
    type: 'version',
    name: 'fixtures/Plate A.mcam',
    version: 4,
    sizeBytes: 12,
    sha256: 'b'.repeat(64),
    createdAt: '2026-11-29T10:00:00.000Z',
    user: 'prog2',
    message: 'new roughing toolpath',
    lockId: 'L1',
  };
  expect(change('INSERT', undefined, version)).toEqual({
    type: 'FileCheckedIn',
    eventId: 'stream-record-1',
    at: '2026-11-29T10:00:00.000Z',
    name: 'fixtures/Plate A.mcam',
    user: 'prog2',
    lockId: 'L1',
    version: 4,
    sha256: 'b'.repeat(64),
    sizeBytes: 12,
    message: 'new roughing toolpath',
  });
  expect(
    change('MODIFY', file(locked('prog2', 'L1')), file({ version: 4, ...ended('prog2', 'checkin') })),
  ).toBeNull();
  expect(
    change(
      'MODIFY',
      file({ version: 3, ...locked('prog2', 'L1') }),
      file({ version: 4, ...locked('prog2', 'L1') }),
    ),
  ).toBeNull();
});

test('uploads, removals and unrelated edits are not events', () => {
  expect(change('INSERT', undefined, { type: 'upload', name: 'x.mcam' })).toBeNull();
  expect(change('MODIFY', { type: 'upload' }, { type: 'upload', committedVersion: 2 })).toBeNull();
  expect(change('REMOVE', { type: 'upload' }, undefined)).toBeNull();
  expect(change('MODIFY', file(locked('prog2', 'L1')), file(locked('prog2', 'L1')))).toBeNull();
});
