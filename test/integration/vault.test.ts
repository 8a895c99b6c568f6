/** The core's rules on the real adapters, against the emulators, with a clock the tests move. */
import { createHash } from 'node:crypto';
import type { Caller } from '#shared/model';
import { parseFileName } from '#shared/names';
import { createTestVault } from '../support/emulators';
import { singlePut } from '../support/http';

const alice: Caller = { user: 'alice', groups: [] };
const bob: Caller = { user: 'bob', groups: [] };
const name = (raw: string) => parseFileName(raw, ['.mcam']);
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let now = new Date('2026-11-29T08:00:00.000Z');
const clock = () => now;
const advance = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};

type TestVault = Awaited<ReturnType<typeof createTestVault>>;

const addFile = async ({ vault }: TestVault, caller: Caller, raw: string, content = raw) => {
  const bytes = Buffer.from(content);
  const upload = await vault.checkins.stage(caller, name(raw), bytes.length, sha(bytes));
  const put = await fetch(singlePut(upload).url, { method: 'PUT', headers: upload.headers, body: bytes });
  expect(put.status).toBe(200);
  return vault.checkins.checkIn(caller, name(raw), {
    source: { uploadId: upload.uploadId },
    message: '',
    keepLock: false,
  });
};

describe('with CAMVAULT_LOCK_TTL_SECONDS', () => {
  let setup: TestVault;
  beforeAll(async () => {
    setup = await createTestVault({ lockTtlSeconds: 60 }, { clock });
    await addFile(setup, alice, 'ttl.mcam');
  });

  test('a lock carries its expiry, and an expired lock counts as absent everywhere', async () => {
    const { vault } = setup;
    const { lock } = await vault.locks.checkout(alice, name('ttl.mcam'), 'short job');
    expect(lock.expiresAt).toBe(new Date(now.getTime() + 60_000).toISOString());
    await expect(vault.locks.checkout(bob, name('ttl.mcam'), '')).rejects.toMatchObject({ code: 'LOCKED' });

    advance(61);
    expect(await vault.files.get(alice, name('ttl.mcam'))).toMatchObject({ status: 'available', lock: null });
    expect((await vault.locks.list(alice, { user: null, limit: 10, cursor: null })).items).toEqual([]);
    expect(
      (
        await vault.files.list(alice, {
          prefix: '',
          directOnly: false,
          releasedOnly: false,
          status: 'available',
          limit: 10,
          cursor: null,
        })
      ).items,
    ).toHaveLength(1);
    expect(
      (
        await vault.files.list(alice, {
          prefix: '',
          directOnly: false,
          releasedOnly: false,
          status: 'checked_out',
          limit: 10,
          cursor: null,
        })
      ).items,
    ).toHaveLength(0);
    await expect(vault.locks.release(alice, name('ttl.mcam'), false)).rejects.toMatchObject({
      code: 'NOT_LOCKED',
    });

    const taken = await vault.locks.checkout(bob, name('ttl.mcam'), 'mine now');
    expect(taken.created).toBe(true);
    expect(taken.lock.user).toBe('bob');
  });

  test('an upload staged under a lock that expired is LOCK_LOST', async () => {
    const { vault } = setup;
    await addFile(setup, alice, 'ttl-upload.mcam');
    await vault.locks.checkout(alice, name('ttl-upload.mcam'), '');
    const bytes = Buffer.from('late bytes');
    const upload = await vault.checkins.stage(alice, name('ttl-upload.mcam'), bytes.length, sha(bytes));
    await fetch(singlePut(upload).url, { method: 'PUT', headers: upload.headers, body: bytes });
    advance(61);
    await expect(
      vault.checkins.checkIn(alice, name('ttl-upload.mcam'), {
        source: { uploadId: upload.uploadId },
        message: '',
        keepLock: false,
      }),
    ).rejects.toMatchObject({ code: 'LOCK_LOST' });
    expect((await vault.files.get(alice, name('ttl-upload.mcam'))).version).toBe(1);
  });
});

describe('listings', () => {
  let setup: TestVault;
  const names = ['b/Two.mcam', 'A/one.mcam', 'a/three.mcam', 'B/four.mcam', 'c/five.mcam', 'a/Ünïcode.mcam'];
  beforeAll(async () => {
    setup = await createTestVault({}, { clock });
    for (const raw of names) await addFile(setup, alice, raw);
    await setup.vault.locks.checkout(alice, name('a/three.mcam'), '');
    await setup.vault.locks.checkout(bob, name('B/four.mcam'), '');
    await setup.vault.locks.checkout(bob, name('c/five.mcam'), '');
  });

  const collect = async <T>(
    page: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>,
  ) => {
    const all: T[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const result = await page(cursor);
      all.push(...result.items);
      cursor = result.nextCursor;
      pages++;
    } while (cursor !== null);
    return { all, pages };
  };

  test('files are ordered by key bytes, page by page, and shown under their first spelling', async () => {
    const { all, pages } = await collect((cursor) =>
      setup.vault.files.list(alice, {
        prefix: '',
        directOnly: false,
        releasedOnly: false,
        status: null,
        limit: 2,
        cursor,
      }),
    );
    expect(all.map((file) => file.name)).toEqual([
      'A/one.mcam',
      'a/three.mcam',
      'a/Ünïcode.mcam',
      'B/four.mcam',
      'b/Two.mcam',
      'c/five.mcam',
    ]);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  test('prefix matches case-insensitively; status filters', async () => {
    const { all } = await collect((cursor) =>
      setup.vault.files.list(alice, {
        prefix: 'a/',
        directOnly: false,
        releasedOnly: false,
        status: null,
        limit: 100,
        cursor,
      }),
    );
    expect(all.map((file) => file.name)).toEqual(['A/one.mcam', 'a/three.mcam', 'a/Ünïcode.mcam']);
    const out = await collect((cursor) =>
      setup.vault.files.list(alice, {
        prefix: '',
        directOnly: false,
        releasedOnly: false,
        status: 'checked_out',
        limit: 2,
        cursor,
      }),
    );
    expect(out.all.map((file) => [file.name, file.lock?.user])).toEqual([
      ['a/three.mcam', 'alice'],
      ['B/four.mcam', 'bob'],
      ['c/five.mcam', 'bob'],
    ]);
    const free = await collect((cursor) =>
      setup.vault.files.list(alice, {
        prefix: '',
        directOnly: false,
        releasedOnly: false,
        status: 'available',
        limit: 2,
        cursor,
      }),
    );
    expect(free.all.map((file) => file.name)).toEqual(['A/one.mcam', 'a/Ünïcode.mcam', 'b/Two.mcam']);
  });

  test("one folder's files, directly in it, page by page: each cursor continues where the last page ended", async () => {
    const { all, pages } = await collect((cursor) =>
      setup.vault.files.list(alice, {
        prefix: 'a/',
        directOnly: true,
        releasedOnly: false,
        status: null,
        limit: 1,
        cursor,
      }),
    );
    expect(all.map((file) => file.name)).toEqual(['A/one.mcam', 'a/three.mcam', 'a/Ünïcode.mcam']);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  test('who has what, for everyone or one user', async () => {
    const { all } = await collect((cursor) =>
      setup.vault.locks.list(alice, { user: null, limit: 1, cursor }),
    );
    expect(all.map((lock) => [lock.name, lock.user])).toEqual([
      ['a/three.mcam', 'alice'],
      ['B/four.mcam', 'bob'],
      ['c/five.mcam', 'bob'],
    ]);
    const bobs = await collect((cursor) =>
      setup.vault.locks.list(alice, { user: 'bob', limit: 100, cursor }),
    );
    expect(bobs.all.map((lock) => lock.name)).toEqual(['B/four.mcam', 'c/five.mcam']);
  });

  test('history pages newest first', async () => {
    const target = name('A/one.mcam');
    for (let i = 2; i <= 5; i++) {
      await setup.vault.locks.checkout(alice, target, '');
      const bytes = Buffer.from(`one v${i}`);
      const upload = await setup.vault.checkins.stage(alice, target, bytes.length, sha(bytes));
      await fetch(singlePut(upload).url, { method: 'PUT', headers: upload.headers, body: bytes });
      await setup.vault.checkins.checkIn(alice, target, {
        source: { uploadId: upload.uploadId },
        message: `v${i}`,
        keepLock: false,
      });
    }
    const { all } = await collect((cursor) => setup.vault.files.versions(alice, target, 2, cursor));
    expect(all.map((version) => [version.version, version.message])).toEqual([
      [5, 'v5'],
      [4, 'v4'],
      [3, 'v3'],
      [2, 'v2'],
      [1, ''],
    ]);
  });
});
