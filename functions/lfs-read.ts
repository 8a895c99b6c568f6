/** (v2) `GET /lfs/{repo}/locks`: the Git LFS File Locking API's listing (shared/http/lfs-request.ts). */
import { LfsLocks } from '#shared/core/lfs-locks';
import type { Vault } from '#shared/core/vault';
import { lfsLockView } from '#shared/core/views';
import { lfsOperation, lfsSchemas } from '#shared/http/lfs-request';
import { lfsRoute, parseLfsQuery } from '#shared/http/lfs-route';
import { DEFAULT_LIMIT } from '#shared/http/request';
import { parseLfsPath } from '#shared/lfs-names';
import { vaultFromEnvironment } from '#shared/runtime';

export const lfsRead = (vault: Pick<Vault, 'lfsLocks'>) =>
  lfsRoute(async (event, caller) => {
    const { repo } = lfsOperation(event, 'GET');
    const query = parseLfsQuery(event, lfsSchemas.listLocks);
    const page = await vault.lfsLocks.list(caller, repo, {
      path: query.path === undefined ? null : parseLfsPath(repo, query.path),
      id: query.id ?? null,
      limit: query.limit ?? DEFAULT_LIMIT,
      cursor: query.cursor ?? null,
    });
    // Exactly 200: git-lfs 3.3 reads any other 2xx as an empty list.
    return {
      status: 200,
      body: {
        locks: page.items.map(lfsLockView),
        ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
      },
    };
  });

export const handler = lfsRead(vaultFromEnvironment({ lfsLocks: LfsLocks }));
