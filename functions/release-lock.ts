import * as z from 'zod/mini';
import { LfsLocks } from '#shared/core/lfs-locks';
import { Locks } from '#shared/core/locks';
import type { Vault } from '#shared/core/vault';
import { lfsLockVaultView } from '#shared/core/views';
import { fields, parsePathName, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseLfsPath, parseLfsRepo } from '#shared/lfs-names';
import { vaultFromEnvironment } from '#shared/runtime';

/** `lfsRepo` (v2): the lock is a Git LFS lock of that repository, and `{name}` its path there (GET /locks shows both). */
const query = z.strictObject({ force: z.optional(fields.boolean), lfsRepo: z.optional(z.string()) });

export const releaseLock = (vault: Pick<Vault, 'extensions' | 'lfsLocks' | 'locks'>) =>
  httpRoute(async (event, caller) => {
    const { force, lfsRepo } = parseQuery(event, query);
    if (lfsRepo !== undefined) {
      const repo = parseLfsRepo(lfsRepo);
      const path = parseLfsPath(repo, event.pathParameters?.name ?? '');
      const ended = await vault.lfsLocks.release(caller, repo, path, force ?? false);
      return { status: 200, body: { released: lfsLockVaultView(ended) } };
    }
    const name = parsePathName(event, vault.extensions);
    return { status: 200, body: { released: await vault.locks.release(caller, name, force ?? false) } };
  });

export const handler = releaseLock(vaultFromEnvironment({ lfsLocks: LfsLocks, locks: Locks }));
