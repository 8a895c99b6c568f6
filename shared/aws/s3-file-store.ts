import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FileStore, StoredBlob } from '../core/ports';

/** Bytes are immutable and keyed by content: one object per distinct SHA-256, whatever its name. */
export const blobKey = (sha256: string): string => `blobs/${sha256}`;

const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
const base64ToHex = (base64: string): string => Buffer.from(base64, 'base64').toString('hex');

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

export class S3FileStore implements FileStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly options: S3FileStoreOptions = {},
  ) {}

  /** A PUT whose signature covers the length and the SHA-256: storage refuses any other bytes. */
  async presignUpload(sha256: string, sizeBytes: number, expiresInSeconds: number) {
    const checksum = hexToBase64(sha256);
    const url = await getSignedUrl(
      this.s3,
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: blobKey(sha256),
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
    try {
      const head = await this.s3.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: blobKey(sha256), ChecksumMode: 'ENABLED' }),
      );
      // A multipart object reports a checksum of checksums ("...-N"), which says nothing about the whole.
      const fullObjectChecksum =
        head.ChecksumSHA256 && !head.ChecksumSHA256.includes('-') ? head.ChecksumSHA256 : null;
      return {
        sizeBytes: head.ContentLength ?? 0,
        sha256: fullObjectChecksum && base64ToHex(fullObjectChecksum),
      };
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return null;
      throw error;
    }
  }

  async readBlob(sha256: string): Promise<Readable> {
    const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: blobKey(sha256) }));
    if (!(Body instanceof Readable)) throw new Error(`blob ${sha256} came back without a readable body`);
    return Body;
  }
}
