import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FileStore, PresignedPut, StoredBlob, StoredPart } from '../core/ports';

/** Committed bytes are immutable and keyed by content: one object per distinct SHA-256, whatever its name. */
export const blobKey = (sha256: string): string => `blobs/${sha256}`;

/** (v2) Where an upload's bytes wait to be verified: keys of that upload alone, never a blob's. */
export const STAGING_PREFIX = 'uploads/';
export const stagingPrefix = (uploadId: string): string => `${STAGING_PREFIX}${uploadId}/`;
export const stagedPartKey = (uploadId: string, partNumber: number): string =>
  `${stagingPrefix(uploadId)}${String(partNumber).padStart(5, '0')}`;

const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
const base64ToHex = (base64: string): string => Buffer.from(base64, 'base64').toString('hex');
/** S3 quotes ETags; compare them without. */
/** An ETag as S3 quotes it, without the quotes. */
export const bareETag = (etag: string | undefined): string => (etag ?? '').replaceAll('"', '');

const errorName = (error: unknown): string | undefined => (error as { name?: string }).name;
const isMissing = (error: unknown): boolean =>
  error instanceof NotFound ||
  error instanceof NoSuchKey ||
  ['NotFound', 'NoSuchKey'].includes(errorName(error) ?? '');

/**
 * The quoted `filename` of a Content-Disposition header: printable ASCII, quote and backslash escaped.
 * `alsoReplace` names further characters a storage cannot carry in a signed query (s3rver: `!'()*`).
 */
export const dispositionFileName = (fileName: string, alsoReplace = ''): string =>
  Array.from(fileName, (char) => {
    if (char < ' ' || char > '~' || alsoReplace.includes(char)) return '_';
    return char === '"' || char === '\\' ? `\\${char}` : char;
  }).join('');

export interface S3FileStoreOptions {
  /** Characters to replace in download file names besides non-printable ones (local emulator only). */
  unsignableFileNameCharacters?: string;
}

type Assembly = { sha256: string; assemblyId: string };

export class S3FileStore implements FileStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly options: S3FileStoreOptions = {},
  ) {}

  /** A PUT whose signature covers the length and the SHA-256: storage refuses any other bytes. */
  async presignStagedPart(
    uploadId: string,
    partNumber: number,
    sha256: string,
    sizeBytes: number,
    expiresInSeconds: number,
  ): Promise<PresignedPut> {
    const checksum = hexToBase64(sha256);
    const url = await getSignedUrl(
      this.s3,
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: stagedPartKey(uploadId, partNumber),
        ContentLength: sizeBytes,
        ChecksumSHA256: checksum,
      }),
      {
        expiresIn: expiresInSeconds,
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
        signableHeaders: new Set(['content-length']),
      },
    );
    return { url, headers: { 'x-amz-checksum-sha256': checksum } };
  }

  async describeStagedPart(uploadId: string, partNumber: number): Promise<StoredPart | null> {
    const head = await this.head(stagedPartKey(uploadId, partNumber));
    return head && { sizeBytes: head.sizeBytes, sha256: head.sha256, etag: head.etag };
  }

  async readStagedPart(uploadId: string, partNumber: number) {
    try {
      const { Body, ETag } = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: stagedPartKey(uploadId, partNumber) }),
      );
      if (!(Body instanceof Readable))
        throw new Error(`part ${partNumber} of ${uploadId} came back without a body`);
      return { body: Body, etag: bareETag(ETag) };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async listStagedParts(uploadId: string) {
    const prefix = stagingPrefix(uploadId);
    const parts: { partNumber: number; sizeBytes: number }[] = [];
    for await (const object of this.objectsUnder(prefix)) {
      const partNumber = Number(object.key.slice(prefix.length));
      if (Number.isInteger(partNumber) && partNumber >= 1) parts.push({ partNumber, sizeBytes: object.size });
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async *stagedUploads(): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: STAGING_PREFIX,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const { Prefix } of page.CommonPrefixes ?? []) {
        if (Prefix) yield Prefix.slice(STAGING_PREFIX.length, -1);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async deleteBlob(sha256: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: blobKey(sha256) }));
  }

  async discardStaged(uploadId: string, assembly: Assembly | null, partCount?: number): Promise<void> {
    if (assembly) await this.abortAssembly(assembly);
    const keys: string[] = [];
    // A part's URL names its key, so an upload of n parts can have staged nothing else.
    if (partCount !== undefined)
      for (let part = 1; part <= partCount; part++) keys.push(stagedPartKey(uploadId, part));
    else for await (const object of this.objectsUnder(stagingPrefix(uploadId))) keys.push(object.key);
    await this.deleteKeys(keys);
  }

  /**
   * One conditional copy: only if the staged object is still the one verified (`etag`), and only to a
   * blob that does not exist yet (a blob only ever holds verified bytes, so one that exists is kept).
   * Check-ins of the same bytes may copy into the same blob at once: what the blob holds when they are
   * done decides (S3 lets one copy win and answers the other 412 or 409; s3rver copies both, not
   * atomically, and may answer another's ETag meanwhile).
   */
  async placeStagedPut(
    uploadId: string,
    sha256: string,
    etag: string,
  ): Promise<'placed' | 'present' | 'changed'> {
    let failure: unknown = null;
    try {
      const { CopyObjectResult } = await this.s3.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: blobKey(sha256),
          CopySource: `${this.bucket}/${stagedPartKey(uploadId, 1)}`,
          CopySourceIfMatch: etag,
          IfNoneMatch: '*',
        }),
      );
      if (bareETag(CopyObjectResult?.ETag) === etag) return 'placed';
    } catch (error) {
      // Either condition failed: the blob tells which.
      if (errorName(error) === 'PreconditionFailed')
        return (await this.head(blobKey(sha256))) ? 'present' : 'changed';
      failure = error;
    }
    for (let attempt = 1; attempt <= 5; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      if (await this.head(blobKey(sha256))) return 'present';
    }
    if (failure) throw failure;
    return 'changed';
  }

  async startAssembly(sha256: string): Promise<string> {
    const { UploadId } = await this.s3.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: blobKey(sha256) }),
    );
    if (!UploadId) throw new Error('storage started a multipart upload without an id');
    return UploadId;
  }

  async copyIntoAssembly(
    assembly: Assembly,
    uploadId: string,
    partNumber: number,
    etag: string,
  ): Promise<string | null> {
    try {
      const { CopyPartResult } = await this.s3.send(
        new UploadPartCopyCommand({
          Bucket: this.bucket,
          Key: blobKey(assembly.sha256),
          UploadId: assembly.assemblyId,
          PartNumber: partNumber,
          CopySource: `${this.bucket}/${stagedPartKey(uploadId, partNumber)}`,
          CopySourceIfMatch: etag,
        }),
      );
      const copied = bareETag(CopyPartResult?.ETag);
      return copied === etag ? copied : null;
    } catch (error) {
      if (errorName(error) === 'PreconditionFailed') return null;
      throw error;
    }
  }

  async completeAssembly(assembly: Assembly, parts: { partNumber: number; etag: string }[]): Promise<void> {
    await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: blobKey(assembly.sha256),
        UploadId: assembly.assemblyId,
        MultipartUpload: {
          Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: `"${part.etag}"` })),
        },
      }),
    );
  }

  presignDownload(sha256: string, fileName: string, expiresInSeconds: number): Promise<string> {
    const safeName = dispositionFileName(fileName, this.options.unsignableFileNameCharacters);
    return getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: blobKey(sha256),
        ResponseContentDisposition: `attachment; filename="${safeName}"`,
      }),
      { expiresIn: expiresInSeconds },
    );
  }

  async describeBlob(sha256: string): Promise<StoredBlob | null> {
    const head = await this.head(blobKey(sha256));
    return head && { sizeBytes: head.sizeBytes, sha256: head.sha256 };
  }

  async readBlob(sha256: string): Promise<Readable> {
    const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: blobKey(sha256) }));
    if (!(Body instanceof Readable)) throw new Error(`blob ${sha256} came back without a readable body`);
    return Body;
  }

  private async head(key: string) {
    try {
      const head = await this.s3.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      // A multipart object reports a checksum of checksums ("...-N"), which says nothing about the whole.
      const fullObjectChecksum =
        head.ChecksumSHA256 && !head.ChecksumSHA256.includes('-') ? head.ChecksumSHA256 : null;
      return {
        sizeBytes: head.ContentLength ?? 0,
        sha256: fullObjectChecksum && base64ToHex(fullObjectChecksum),
        etag: bareETag(head.ETag),
      };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** Best effort: storage frees an assembly's parts itself after a day (the bucket's lifecycle rule). */
  private async abortAssembly(assembly: Assembly): Promise<void> {
    try {
      await this.s3.send(
        new AbortMultipartUploadCommand({
          Bucket: this.bucket,
          Key: blobKey(assembly.sha256),
          UploadId: assembly.assemblyId,
        }),
      );
    } catch (error) {
      // s3rver has no AbortMultipartUpload (MethodNotAllowed); an upload already completed or aborted is gone.
      if (!['MethodNotAllowed', 'NoSuchUpload'].includes(errorName(error) ?? '')) throw error;
    }
  }

  private async *objectsUnder(prefix: string): AsyncGenerator<{ key: string; size: number }> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.slice(start, start + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }
}
