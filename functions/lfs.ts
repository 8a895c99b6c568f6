/**
 * (v2) Every POST of the Git LFS server under `/lfs/{repo}`: the Batch API and its verify action,
 * and the File Locking API's lock, verify and unlock (shared/http/lfs-request.ts reads which one
 * from the path).
 */
import { LfsLocks } from '#shared/core/lfs-locks';
import { LfsObjects } from '#shared/core/lfs-objects';
import type { Vault } from '#shared/core/vault';
import { lfsLockView, lfsObjectView } from '#shared/core/views';
import { lfsBaseUrl, lfsOperation, lfsSchemas } from '#shared/http/lfs-request';
import { LfsError, lfsRoute, parseLfsBody } from '#shared/http/lfs-route';
import { DEFAULT_LIMIT } from '#shared/http/request';
import type { Reply } from '#shared/http/route';
import { parseLfsPath } from '#shared/lfs-names';
import { vaultFromEnvironment } from '#shared/runtime';
import { s3Blobs } from '#shared/runtime-s3';

export const lfs = (vault: Pick<Vault, 'config' | 'lfsLocks' | 'lfsObjects'>) =>
  lfsRoute(async (event, caller): Promise<Reply> => {
    const operation = lfsOperation(event, 'POST');
    const { repo } = operation;
    switch (operation.kind) {
      case 'locks': {
        const body = parseLfsBody(event, lfsSchemas.createLock);
        const result = await vault.lfsLocks.lock(caller, repo, parseLfsPath(repo, body.path));
        if (result.created) return { status: 201, body: { lock: lfsLockView(result.lfs) } };
        const { held } = result;
        return {
          status: 409,
          body: {
            lock: lfsLockView(held),
            message: `${held.path} is locked by ${held.lock.user} since ${held.lock.acquiredAt}`,
          },
        };
      }
      case 'verifyLocks': {
        const body = parseLfsBody(event, lfsSchemas.verifyLocks);
        const page = await vault.lfsLocks.verify(
          caller,
          repo,
          body.limit ?? DEFAULT_LIMIT,
          body.cursor ?? null,
        );
        return {
          status: 200,
          body: {
            ours: page.ours.map(lfsLockView),
            theirs: page.theirs.map(lfsLockView),
            ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
          },
        };
      }
      case 'unlock': {
        const body = parseLfsBody(event, lfsSchemas.unlock);
        const ended = await vault.lfsLocks.unlock(caller, repo, operation.lockId, body.force ?? false);
        return { status: 200, body: { lock: lfsLockView(ended) } };
      }
      case 'batch': {
        const body = parseLfsBody(event, lfsSchemas.batch);
        if (body.transfers !== undefined && !body.transfers.includes('basic'))
          throw new LfsError(422, 'only the basic transfer is offered');
        const answers = await vault.lfsObjects.batch(caller, repo, {
          operation: body.operation,
          objects: body.objects,
          hashAlgorithm: body.hash_algo ?? null,
        });
        // With `authenticated` set git-lfs sends the verify POST without credentials: the action
        // carries the caller's own Authorization, which this request has just proven.
        const verify = {
          href: `${lfsBaseUrl(event, '/objects/batch')}/objects/verify`,
          header: { Authorization: event.headers.authorization ?? '' },
          expiresAt: new Date(Date.now() + vault.config.urlTtlSeconds * 1000).toISOString(),
        };
        const now = Date.now();
        return {
          status: 200,
          body: {
            transfer: 'basic',
            objects: answers.map((answer) => lfsObjectView(answer, verify, now)),
            hash_algo: 'sha256',
          },
        };
      }
      case 'verifyObject': {
        await vault.lfsObjects.verify(caller, repo, parseLfsBody(event, lfsSchemas.verifyObject));
        return { status: 200, body: {} };
      }
    }
  });

export const handler = lfs(
  vaultFromEnvironment({ lfsLocks: LfsLocks, lfsObjects: LfsObjects }, { blobs: s3Blobs }),
);
