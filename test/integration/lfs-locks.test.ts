/**
 * The core's Git LFS locks on DynamoDB Local with a clock the test moves: an expired lock counts as
 * absent (its path can be taken again, its id names nothing), and of two racing unlocks one wins.
 */
import { VaultError } from '#shared/errors';
import { parseLfsPath, parseLfsRepo } from '#shared/lfs-names';
import type { Caller } from '#shared/model';
import { createTestVault } from '../support/emulators';

const ana: Caller = { user: 'ana', groups: [] };
const bob: Caller = { user: 'bob', groups: [] };
const repo = parseLfsRepo('cam/team');
const path = parseLfsPath(repo, 'posts/mill.pst');

let now = new Date('2030-01-01T08:00:00.000Z');
let vault: Awaited<ReturnType<typeof createTestVault>>['vault'];

beforeAll(async () => {
  ({ vault } = await createTestVault({ lockTtlSeconds: 60 }, { clock: () => now }));
});

const statusOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 200,
    (error: unknown) => (error instanceof VaultError ? error.status : Promise.reject(error)),
  );

test('a lock past its lifetime is absent: the path is taken again, the old id names nothing', async () => {
  const first = await vault.lfsLocks.lock(ana, repo, path);
  if (!first.created) throw new Error('the first lock was not taken');
  expect(first.lfs.lock.expiresAt).toBe('2030-01-01T08:01:00.000Z');
  expect(await vault.lfsLocks.lock(bob, repo, path)).toMatchObject({
    created: false,
    held: { lock: { user: 'ana' } },
  });

  now = new Date('2030-01-01T08:01:00.001Z');
  const query = { path: null, id: first.lfs.lock.lockId, limit: 10, cursor: null };
  expect((await vault.lfsLocks.list(bob, repo, query)).items).toEqual([]);
  expect((await vault.lfsLocks.list(bob, repo, { ...query, id: null })).items).toEqual([]);
  expect((await vault.locks.list(bob, { user: null, limit: 10, cursor: null })).items).toEqual([]);
  expect(await statusOf(vault.lfsLocks.unlock(ana, repo, first.lfs.lock.lockId, false))).toBe(404);

  const second = await vault.lfsLocks.lock(bob, repo, path);
  expect(second).toMatchObject({ created: true, lfs: { lock: { user: 'bob' } } });
  if (!second.created) return;
  expect(second.lfs.lock.lockId).not.toBe(first.lfs.lock.lockId);
  // The expired lock's id still names nothing, though its path is held again.
  expect((await vault.lfsLocks.list(bob, repo, query)).items).toEqual([]);
  expect(await statusOf(vault.lfsLocks.unlock(ana, repo, first.lfs.lock.lockId, true))).toBe(404);
  expect((await vault.locks.list(ana, { user: null, limit: 10, cursor: null })).items).toEqual([
    expect.objectContaining({
      name: path.path,
      lfsRepo: repo.repo,
      user: 'bob',
      lockId: second.lfs.lock.lockId,
    }),
  ]);
});

test('two unlocks of one lock at once: one ends it, the other finds nothing to end', async () => {
  const other = parseLfsPath(repo, 'posts/lathe.pst');
  const taken = await vault.lfsLocks.lock(ana, repo, other);
  if (!taken.created) throw new Error('the lock was not taken');
  const statuses = await Promise.all(
    Array.from({ length: 5 }, () => statusOf(vault.lfsLocks.unlock(ana, repo, taken.lfs.lock.lockId, false))),
  );
  expect(statuses.sort()).toEqual([200, 404, 404, 404, 404]);
  const audit = await vault.audit.list(
    { user: 'boss', groups: ['admins'] },
    {
      name: null,
      user: 'ana',
      type: 'LockReleased',
      since: null,
      until: null,
      limit: 100,
      cursor: null,
    },
  );
  expect(audit.items.filter((entry) => entry.name === `lfs/cam/team/${other.path}`)).toHaveLength(1);
});
