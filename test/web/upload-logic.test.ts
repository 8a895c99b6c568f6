/** The page's upload bookkeeping, in Node: the digest the worker computes, and the uploads it remembers. */
import { createHash, randomBytes } from 'node:crypto';
import { digestBlob, expectedPartSize } from '../../web/src/digest';
import {
  findPending,
  forgetPending,
  type KeyValueStore,
  type PendingUpload,
  rememberPending,
} from '../../web/src/pending-uploads';

const MiB = 1024 ** 2;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('the digest', () => {
  // 13 MiB + 5 bytes in parts of 5 MiB: two whole parts, a short last one, and chunk ends that are not part ends.
  const bytes = randomBytes(13 * MiB + 5);
  const blob = new Blob([bytes]);

  test('the whole file and each part, read once', async () => {
    const read: number[] = [];
    const digest = await digestBlob({ file: blob, whole: true, partSizeBytes: 5 * MiB }, (n) => read.push(n));
    expect(digest).toEqual({
      sha256: sha256(bytes),
      partSha256s: [
        sha256(bytes.subarray(0, 5 * MiB)),
        sha256(bytes.subarray(5 * MiB, 10 * MiB)),
        sha256(bytes.subarray(10 * MiB)),
      ],
    });
    expect(read[0]).toBe(0);
    expect(read.at(-1)).toBe(bytes.length);
    expect(read).toEqual([...read].sort((a, b) => a - b));
  });

  test('only what is asked', async () => {
    expect(await digestBlob({ file: blob, whole: true, partSizeBytes: null }, () => {})).toEqual({
      sha256: sha256(bytes),
      partSha256s: [],
    });
    const parts = await digestBlob({ file: blob, whole: false, partSizeBytes: 8 * MiB }, () => {});
    expect(parts).toEqual({
      sha256: null,
      partSha256s: [sha256(bytes.subarray(0, 8 * MiB)), sha256(bytes.subarray(8 * MiB))],
    });
  });

  test('the part size the vault chooses: 16 MiB, raised in whole MiB past 10,000 parts', () => {
    expect(expectedPartSize(36 * MiB)).toBe(16 * MiB);
    expect(expectedPartSize(50 * 1024 ** 3)).toBe(16 * MiB);
    expect(expectedPartSize(200 * 1024 ** 3)).toBe(21 * MiB);
  });
});

describe('remembered uploads', () => {
  const memory = (): KeyValueStore & { items: Map<string, string> } => {
    const items = new Map<string, string>();
    return {
      items,
      getItem: (key) => items.get(key) ?? null,
      setItem: (key, value) => void items.set(key, value),
    };
  };
  const NOW = new Date('2025-03-04T12:00:00Z');
  const identity = {
    user: 'prog1',
    action: 'add' as const,
    name: 'fixtures/Big plate.mcam',
    file: { name: 'Big plate.mcam', sizeBytes: 36 * MiB, lastModified: 1_700_000_000_000 },
  };
  const pending = (overrides: Partial<PendingUpload> = {}): PendingUpload => ({
    ...identity,
    uploadId: 'u1',
    expiresAt: '2025-03-11T12:00:00Z',
    sha256: 'a'.repeat(64),
    partSizeBytes: 16 * MiB,
    partSha256s: ['b'.repeat(64), 'c'.repeat(64), 'd'.repeat(64)],
    ...overrides,
  });

  test('found again for the same user, action, name and local file; forgotten on demand', () => {
    const store = memory();
    rememberPending(store, pending(), NOW);
    expect(findPending(store, identity, NOW)).toEqual(pending());
    for (const other of [
      { ...identity, user: 'prog2' },
      { ...identity, action: 'checkin' as const },
      { ...identity, name: 'fixtures/Other.mcam' },
      { ...identity, file: { ...identity.file, lastModified: 1_700_000_000_001 } },
      { ...identity, file: { ...identity.file, sizeBytes: 36 * MiB + 1 } },
    ])
      expect(findPending(store, other, NOW)).toBeNull();
    forgetPending(store, 'u1', NOW);
    expect(findPending(store, identity, NOW)).toBeNull();
  });

  test('a newer upload of the same file replaces the older; an expired one is not found', () => {
    const store = memory();
    rememberPending(store, pending(), NOW);
    rememberPending(store, pending({ uploadId: 'u2' }), NOW);
    expect(findPending(store, identity, NOW)?.uploadId).toBe('u2');
    expect(findPending(store, identity, new Date('2025-03-11T12:00:01Z'))).toBeNull();
  });

  test('at most five are kept, the oldest forgotten first', () => {
    const store = memory();
    for (let i = 1; i <= 7; i++)
      rememberPending(store, pending({ uploadId: `u${i}`, name: `fixtures/${i}.mcam` }), NOW);
    const kept = JSON.parse([...store.items.values()][0] ?? '[]').map((item: PendingUpload) => item.uploadId);
    expect(kept).toEqual(['u3', 'u4', 'u5', 'u6', 'u7']);
  });

  test('a store holding garbage, or refusing writes, holds nothing and throws nothing', () => {
    const store = memory();
    store.setItem('camvault.pendingUploads', '{not json');
    expect(findPending(store, identity, NOW)).toBeNull();
    store.setItem('camvault.pendingUploads', JSON.stringify([{ uploadId: 'u1' }]));
    expect(findPending(store, identity, NOW)).toBeNull();
    const full: KeyValueStore = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => rememberPending(full, pending(), NOW)).not.toThrow();
  });
});
