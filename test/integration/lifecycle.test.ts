/** A file's whole life on the real adapters, against the emulators: move, delete, restore, revert, folders, audit. */
import { createHash } from 'node:crypto';
import type { Caller } from '#shared/model';
import { parseFileName } from '#shared/names';
import { createTestVault } from '../support/emulators';
import { singlePut } from '../support/http';

const alice: Caller = { user: 'alice', groups: [] };
const bob: Caller = { user: 'bob', groups: [] };
const name = (raw: string) => parseFileName(raw, ['.mcam']);
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

type TestVault = Awaited<ReturnType<typeof createTestVault>>;
let setup: TestVault;
beforeAll(async () => {
  setup = await createTestVault();
});

/** Stages and checks in `content` as the next version (or version 1) of `raw`, as `caller`. */
const commit = async (caller: Caller, raw: string, content: string, keepLock = false) => {
  const bytes = Buffer.from(content);
  const upload = await setup.vault.checkins.stage(caller, name(raw), bytes.length, sha(bytes));
  const put = await fetch(singlePut(upload).url, { method: 'PUT', headers: upload.headers, body: bytes });
  expect(put.status).toBe(200);
  return setup.vault.checkins.checkIn(caller, name(raw), {
    source: { uploadId: upload.uploadId },
    message: content,
    keepLock,
  });
};
const checkout = (caller: Caller, raw: string) => setup.vault.locks.checkout(caller, name(raw), '');
const folders = async (prefix: string) =>
  (await setup.vault.files.folders(alice, prefix, 100, null)).items.map((folder) => [
    folder.prefix,
    folder.files,
  ]);
const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? String(error),
  );

describe('moving', () => {
  test('keeps the identity, every version, the lock (same lockId) and the history; the old name is free', async () => {
    await commit(alice, 'moves/src/Plate.mcam', 'v1');
    await checkout(alice, 'moves/src/Plate.mcam');
    await commit(alice, 'moves/src/Plate.mcam', 'v2', true);
    const before = await setup.vault.files.get(alice, name('moves/src/Plate.mcam'));
    const moved = await setup.vault.lifecycle.move(
      alice,
      name('moves/src/Plate.mcam'),
      name('moves/dst/Plate B.mcam'),
      'tidy',
    );
    expect(moved).toMatchObject({
      fileId: before.fileId,
      name: 'moves/dst/Plate B.mcam',
      version: 2,
      lock: { lockId: before.lock?.lockId, user: 'alice', name: 'moves/dst/Plate B.mcam' },
    });
    expect(await code(setup.vault.files.get(alice, name('moves/src/Plate.mcam')))).toBe('NOT_FOUND');
    const versions = await setup.vault.files.versions(alice, name('moves/dst/plate b.mcam'), 10, null);
    expect(versions.items.map((version) => [version.name, version.version, version.message])).toEqual([
      ['moves/dst/Plate B.mcam', 2, 'v2'],
      ['moves/dst/Plate B.mcam', 1, 'v1'],
    ]);
    const old = await setup.vault.files.download(alice, name('moves/dst/Plate B.mcam'), 1);
    expect(old.sha256).toBe(sha(Buffer.from('v1')));
    // The lock went along: the holder checks in under the new name, and the version counts on.
    expect((await commit(alice, 'moves/dst/Plate B.mcam', 'v3')).version?.version).toBe(3);
    // The old name is free for a new file, with an identity of its own.
    const again = await commit(bob, 'moves/src/Plate.mcam', 'new');
    expect(again.file.fileId).not.toBe(before.fileId);
    const history = await setup.vault.audit.list(alice, {
      name: name('moves/dst/Plate B.mcam'),
      user: null,
      type: null,
      since: null,
      until: null,
      limit: 100,
      cursor: null,
    });
    expect(history.items.map((entry) => entry.type).reverse()).toEqual([
      'FileCheckedIn',
      'FileCheckedOut',
      'FileCheckedIn',
      'FileMoved',
      'FileCheckedIn',
    ]);
    expect(history.items.find((entry) => entry.type === 'FileMoved')?.details).toEqual({
      name: 'moves/dst/Plate B.mcam',
      from: 'moves/src/Plate.mcam',
      user: 'alice',
      message: 'tidy',
      fileId: before.fileId,
    });
  });

  test('a rename by case only changes the spelling shown', async () => {
    await commit(alice, 'moves/case.mcam', 'v1');
    await checkout(alice, 'moves/case.mcam');
    const renamed = await setup.vault.lifecycle.move(
      alice,
      name('moves/case.mcam'),
      name('moves/CASE.mcam'),
      '',
    );
    expect(renamed.name).toBe('moves/CASE.mcam');
    expect((await setup.vault.files.get(alice, name('moves/case.mcam'))).name).toBe('moves/CASE.mcam');
  });

  test('needs the caller’s lock and a free name', async () => {
    await commit(alice, 'moves/free.mcam', 'v1');
    await commit(alice, 'moves/taken.mcam', 'v1');
    const move = (caller: Caller, to: string) =>
      setup.vault.lifecycle.move(caller, name('moves/free.mcam'), name(to), '');
    expect(await code(move(alice, 'moves/elsewhere.mcam'))).toBe('NOT_LOCKED');
    await checkout(bob, 'moves/free.mcam');
    expect(await code(move(alice, 'moves/elsewhere.mcam'))).toBe('LOCKED');
    expect(await code(move(bob, 'MOVES/Taken.MCAM'))).toBe('ALREADY_EXISTS');
    expect(await code(move(bob, 'moves/free.mcam'))).toBe('BAD_REQUEST');
    expect((await setup.vault.files.get(alice, name('moves/free.mcam'))).lock?.user).toBe('bob');
  });
});

describe('deleting and restoring', () => {
  test('a deleted file leaves every listing, keeps its versions in the trash, and comes back whole', async () => {
    await commit(alice, 'trash/Fixture.mcam', 'one');
    await checkout(alice, 'trash/Fixture.mcam');
    await commit(alice, 'trash/Fixture.mcam', 'two');
    await checkout(alice, 'trash/Fixture.mcam');
    const trashed = await setup.vault.lifecycle.delete(alice, name('trash/Fixture.mcam'), 'obsolete');
    expect(trashed).toMatchObject({
      name: 'trash/Fixture.mcam',
      version: 2,
      deletedBy: 'alice',
      message: 'obsolete',
    });
    expect(await code(setup.vault.files.get(alice, name('trash/Fixture.mcam')))).toBe('NOT_FOUND');
    expect(
      (await setup.vault.locks.list(alice, { user: 'alice', limit: 100, cursor: null })).items.map(
        (lock) => lock.name,
      ),
    ).not.toContain('trash/Fixture.mcam');
    expect(
      (await setup.vault.lifecycle.trash(alice, 'trash/', 100, null)).items.map((item) => item.fileId),
    ).toEqual([trashed.fileId]);
    // Its history is still found by the name it left.
    const history = await setup.vault.audit.list(alice, {
      name: name('trash/fixture.mcam'),
      user: null,
      type: null,
      since: null,
      until: null,
      limit: 1,
      cursor: null,
    });
    expect(history.items.map((entry) => [entry.type, entry.fileId])).toEqual([
      ['FileDeleted', trashed.fileId],
    ]);

    // The name is free; a new file takes it; restoring under the old name is then refused.
    await commit(bob, 'trash/Fixture.mcam', 'other');
    expect(await code(setup.vault.lifecycle.restore(bob, trashed.fileId, null))).toBe('ALREADY_EXISTS');
    const back = await setup.vault.lifecycle.restore(bob, trashed.fileId, name('trash/Fixture (old).mcam'));
    expect(back).toMatchObject({
      fileId: trashed.fileId,
      name: 'trash/Fixture (old).mcam',
      version: 2,
      status: 'available',
    });
    const versions = await setup.vault.files.versions(alice, name('trash/Fixture (old).mcam'), 10, null);
    expect(versions.items.map((version) => version.message)).toEqual(['two', 'one']);
    expect((await setup.vault.lifecycle.trash(alice, 'trash/', 100, null)).items).toEqual([]);
    expect(await code(setup.vault.lifecycle.restore(bob, trashed.fileId, null))).toBe('NOT_FOUND');
  });

  test('the trash lists newest deletion first, a prefix narrows it case-insensitively', async () => {
    for (const raw of ['bin/A.mcam', 'bin/B.mcam', 'other/C.mcam']) {
      await commit(alice, raw, raw);
      await checkout(alice, raw);
      await setup.vault.lifecycle.delete(alice, name(raw), '');
    }
    expect(
      (await setup.vault.lifecycle.trash(alice, 'bin/', 100, null)).items.map((item) => item.name),
    ).toEqual(['bin/B.mcam', 'bin/A.mcam']);
    const all = (await setup.vault.lifecycle.trash(alice, '', 100, null)).items.map((item) => item.name);
    expect(all.slice(0, 3)).toEqual(['other/C.mcam', 'bin/B.mcam', 'bin/A.mcam']);
  });
});

describe('reverting', () => {
  test('commits an earlier version’s bytes as the next version; the versions after it stay', async () => {
    await commit(alice, 'revert/Part.mcam', 'first');
    for (const content of ['second', 'third']) {
      await checkout(alice, 'revert/Part.mcam');
      await commit(alice, 'revert/Part.mcam', content);
    }
    await checkout(alice, 'revert/Part.mcam');
    const reverted = await setup.vault.checkins.checkIn(alice, name('revert/Part.mcam'), {
      source: { fromVersion: 1 },
      message: '',
      keepLock: false,
    });
    expect(reverted.version).toMatchObject({
      version: 4,
      sha256: sha(Buffer.from('first')),
      message: 'reverted to version 1',
    });
    expect(reverted.file).toMatchObject({ version: 4, status: 'available' });
    const versions = await setup.vault.files.versions(alice, name('revert/Part.mcam'), 10, null);
    expect(versions.items.map((version) => version.version)).toEqual([4, 3, 2, 1]);
    const link = await setup.vault.files.download(alice, name('revert/Part.mcam'), null);
    expect(Buffer.from(await (await fetch(link.url)).arrayBuffer()).toString()).toBe('first');
  });
});

describe('folders', () => {
  test('count direct and nested files, list a level at a time, and vanish with their last file', async () => {
    for (const raw of [
      'shop/Fixtures/a.mcam',
      'shop/fixtures/b.mcam',
      'shop/fixtures/vises/c.mcam',
      'shop/posts/d.mcam',
      'shop/top.mcam',
    ])
      await commit(alice, raw, raw);
    expect(await folders('shop/')).toEqual([
      ['shop/Fixtures/', 3],
      ['shop/posts/', 1],
    ]);
    // Each folder keeps the spelling it was first created in, as names do.
    expect(await folders('shop/fixtures/')).toEqual([['shop/fixtures/vises/', 1]]);
    const direct = await setup.vault.files.list(alice, {
      prefix: 'shop/fixtures/',
      directOnly: true,
      releasedOnly: false,
      status: null,
      limit: 100,
      cursor: null,
    });
    expect(direct.items.map((file) => file.name)).toEqual(['shop/Fixtures/a.mcam', 'shop/fixtures/b.mcam']);
    const top = await setup.vault.files.list(alice, {
      prefix: 'shop/',
      directOnly: true,
      releasedOnly: false,
      status: null,
      limit: 100,
      cursor: null,
    });
    expect(top.items.map((file) => file.name)).toEqual(['shop/top.mcam']);

    // Moving the last file out of a folder removes it; the new folder appears.
    await checkout(alice, 'shop/fixtures/vises/c.mcam');
    await setup.vault.lifecycle.move(alice, name('shop/fixtures/vises/c.mcam'), name('shop/jaws/c.mcam'), '');
    expect(await folders('shop/')).toEqual([
      ['shop/Fixtures/', 2],
      ['shop/jaws/', 1],
      ['shop/posts/', 1],
    ]);
    expect(await folders('shop/fixtures/')).toEqual([]);
    await checkout(alice, 'shop/posts/d.mcam');
    await setup.vault.lifecycle.delete(alice, name('shop/posts/d.mcam'), '');
    expect(await folders('shop/')).toEqual([
      ['shop/Fixtures/', 2],
      ['shop/jaws/', 1],
    ]);
    const trashedId = (await setup.vault.lifecycle.trash(alice, 'shop/', 1, null)).items[0]?.fileId as string;
    await setup.vault.lifecycle.restore(alice, trashedId, null);
    expect(await folders('shop/')).toEqual([
      ['shop/Fixtures/', 2],
      ['shop/jaws/', 1],
      ['shop/posts/', 1],
    ]);
  });

  test('pages of folders follow their cursors', async () => {
    for (let i = 0; i < 5; i++) await commit(alice, `paged/f${i}/x.mcam`, `x${i}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof setup.vault.files.folders>> = await setup.vault.files.folders(
        alice,
        'paged/',
        2,
        cursor,
      );
      seen.push(...page.items.map((folder) => folder.prefix));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['paged/f0/', 'paged/f1/', 'paged/f2/', 'paged/f3/', 'paged/f4/']);
  });
});

describe('the audit trail', () => {
  test('filters by user, type and time, newest first, page by page', async () => {
    await commit(bob, 'audit/one.mcam', 'one');
    const mark = new Date().toISOString();
    await checkout(bob, 'audit/one.mcam');
    await setup.vault.locks.release(bob, name('audit/one.mcam'), false);
    const query = { name: null, user: 'bob', type: null, since: mark, until: null, limit: 1, cursor: null };
    const first = await setup.vault.audit.list(alice, query);
    expect(first.items.map((entry) => entry.type)).toEqual(['LockReleased']);
    const second = await setup.vault.audit.list(alice, { ...query, cursor: first.nextCursor });
    expect(second.items.map((entry) => entry.type)).toEqual(['FileCheckedOut']);
    const released = await setup.vault.audit.list(alice, {
      ...query,
      since: null,
      limit: 100,
      type: 'LockReleased',
    });
    expect(released.items.every((entry) => entry.type === 'LockReleased' && entry.user === 'bob')).toBe(true);
    const before = await setup.vault.audit.list(alice, {
      ...query,
      since: null,
      until: mark,
      limit: 100,
      name: name('audit/one.mcam'),
    });
    expect(before.items.map((entry) => entry.type)).toEqual(['FileCheckedIn']);
    expect((await setup.vault.audit.list(alice, { ...query, name: name('audit/never.mcam') })).items).toEqual(
      [],
    );
  });
});
