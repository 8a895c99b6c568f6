/**
 * (v2) Git LFS objects: the Batch API's `basic` transfer. An object's oid is its SHA-256, so it is
 * kept where the vault keeps its own bytes, by that digest: an LFS object and a vault version with
 * the same bytes are one stored object. Uploads go straight to storage through presigned PUTs bound
 * to the object's length and SHA-256, as check-ins' do, and are verified like them.
 */
import { createHash } from 'node:crypto';
import { notFound, preconditionFailed } from '../errors';
import type { LfsRepo } from '../lfs-names';
import type { Caller } from '../model';
import { type CoreContext, secondsLater } from './context';
import { cachedLfsAccess, freshLfsAccess, requireLfsWrite, requireRepoRead } from './lfs-access';
import { checkStoredBytes } from './stored-bytes';

export interface LfsObject {
  oid: string;
  size: number;
}

/** A presigned request the client makes itself: `header` to be sent exactly as given. */
export interface LfsAction {
  href: string;
  header: Record<string, string>;
  expiresAt: string;
}

/** What the batch says of one object: the actions to take (none: nothing to do), or why not (LFS codes). */
export type LfsObjectAnswer = LfsObject &
  (
    | { actions: { upload?: LfsAction; download?: LfsAction } }
    | { error: { code: 404 | 409 | 422; message: string } }
  );

export interface LfsBatch {
  operation: 'upload' | 'download';
  objects: LfsObject[];
  /** Null when the client names none (the specification's default, SHA-256). */
  hashAlgorithm: string | null;
}

/** At most this many objects are described (HeadObject) at once. */
const PARALLEL_LOOKUPS = 16;

const mapLimited = async <T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++)
      results[index] = await work(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

export class LfsObjects {
  constructor(private readonly context: CoreContext) {}

  /**
   * `POST /objects/batch`. Upload: an object already stored (same size) needs nothing; any other gets
   * a presigned PUT (its verify action is added by the handler, which knows the URL and credentials).
   * Download: a presigned GET of a stored object, or 404 for that object.
   */
  async batch(caller: Caller, repo: LfsRepo, batch: LfsBatch): Promise<LfsObjectAnswer[]> {
    if (batch.operation === 'upload') {
      const access = await freshLfsAccess(this.context, caller);
      requireRepoRead(access, repo);
      requireLfsWrite(access, repo.key, `lfs/${repo.repo}/`);
    } else {
      requireRepoRead(await cachedLfsAccess(this.context, caller), repo);
    }
    const { config, blobs } = this.context;
    const issuedAt = this.context.clock();
    const expiresAt = secondsLater(issuedAt, config.urlTtlSeconds);
    return mapLimited(batch.objects, PARALLEL_LOOKUPS, async (object): Promise<LfsObjectAnswer> => {
      if (batch.hashAlgorithm !== null && batch.hashAlgorithm !== 'sha256')
        return { ...object, error: { code: 409, message: 'objects here are named by their sha256' } };
      const stored = await blobs.describeBlob(object.oid);
      if (stored && stored.sizeBytes !== object.size)
        return {
          ...object,
          error: { code: 422, message: `object ${object.oid} is ${stored.sizeBytes} bytes` },
        };
      // Where storage reports the SHA-256 it verified, bytes under the oid that differ are not "stored".
      const exact = stored !== null && (stored.sha256 === null || stored.sha256 === object.oid);
      if (batch.operation === 'download') {
        if (!exact)
          return { ...object, error: { code: 404, message: `object ${object.oid} does not exist` } };
        const href = await blobs.presignDownload(object.oid, object.oid, config.urlTtlSeconds);
        return { ...object, actions: { download: { href, header: {}, expiresAt } } };
      }
      if (exact) return { ...object, actions: {} };
      if (object.size > config.maxUploadBytes)
        return {
          ...object,
          error: { code: 422, message: `objects are limited to ${config.maxUploadBytes} bytes` },
        };
      // Staged under a key of the object's own, never straight into a blob: only verified bytes go there.
      const signed = await blobs.presignStagedPart(
        lfsStagingId(object.oid),
        1,
        object.oid,
        object.size,
        config.urlTtlSeconds,
      );
      return { ...object, actions: { upload: { href: signed.url, header: signed.headers, expiresAt } } };
    });
  }

  /**
   * The verify action, after each upload: the staged bytes are exactly the object's (else 404 / 412)
   * and are copied into its blob, which vault versions with the same bytes share.
   */
  async verify(caller: Caller, repo: LfsRepo, object: LfsObject): Promise<void> {
    requireRepoRead(await cachedLfsAccess(this.context, caller), repo);
    const { blobs } = this.context;
    const stagingId = lfsStagingId(object.oid);
    const staged = await blobs.describeStagedPart(stagingId, 1);
    if (!staged) {
      // Verified before (a retried verify), or stored by a vault check-in of the same bytes.
      if ((await checkStoredBytes(blobs, object.oid, object.size)).state === 'exact') return;
      throw notFound(`object ${object.oid} was not uploaded`);
    }
    if (staged.sizeBytes !== object.size)
      throw preconditionFailed(`object ${object.oid} holds ${staged.sizeBytes} bytes, not ${object.size}`);
    // Storage that enforced the signed checksum says so; the emulators do not, so the bytes are hashed here.
    let digest = staged.sha256;
    let etag = staged.etag;
    if (digest === null) {
      const read = await blobs.readStagedPart(stagingId, 1);
      if (!read) throw notFound(`object ${object.oid} was not uploaded`);
      const hash = createHash('sha256');
      for await (const chunk of read.body) hash.update(chunk as Buffer);
      digest = hash.digest('hex');
      etag = read.etag;
    }
    if (digest !== object.oid) {
      await blobs.discardStaged(stagingId, null);
      throw preconditionFailed(`the bytes uploaded as ${object.oid} do not have that SHA-256`);
    }
    if ((await blobs.placeStagedPut(stagingId, object.oid, etag)) === 'changed')
      throw preconditionFailed(`object ${object.oid} changed while it was verified: upload it again`);
    await blobs.discardStaged(stagingId, null);
  }
}

/** Where an LFS object's bytes wait for its verify action: one staging key per object. */
const lfsStagingId = (oid: string): string => `lfs-${oid}`;
