/** Reading the vault: files, folders, versions and download links. Nothing here changes anything. */
import { badRequest, notFound } from '../errors';
import type { Download, FileStatus, Folder, Page, VaultFile, Version } from '../model';
import { baseName, type FileName } from '../names';
import { type CoreContext, secondsLater } from './context';
import type { FileRecord } from './records';
import { fileView, folderView, versionView } from './views';

/**
 * The answer for a name with no file: 404, unless the name is one v2 no longer lets anyone create, in
 * which case the name rule is what the caller needs to hear (a v1 file of that name is still reachable).
 */
export const noSuchFile = (name: FileName) =>
  name.portabilityProblem === null
    ? notFound(`no file named ${name.name}`)
    : badRequest(name.portabilityProblem);

export const foreignCursor = () => badRequest('cursor is not one this server issued for this listing');

export const requireFile = async (context: CoreContext, name: FileName): Promise<FileRecord> => {
  const file = await context.store.getFile(name.key);
  if (!file) throw noSuchFile(name);
  return file;
};

export class Files {
  constructor(private readonly context: CoreContext) {}

  private now(): string {
    return this.context.clock().toISOString();
  }

  async list(query: {
    prefix: string;
    directOnly: boolean;
    status: FileStatus | null;
    limit: number;
    cursor: string | null;
  }): Promise<Page<VaultFile>> {
    const now = this.now();
    const page = await this.context.store.listFiles({ ...query, now });
    return { items: page.items.map((record) => fileView(record, now)), nextCursor: page.nextCursor };
  }

  async get(name: FileName): Promise<VaultFile> {
    return fileView(await requireFile(this.context, name), this.now());
  }

  async versions(name: FileName, limit: number, cursor: string | null): Promise<Page<Version>> {
    const file = await this.context.store.getFile(name.key);
    // A cursor for a file that is not there cannot be one the server issued: 400 comes before 404.
    if (!file && cursor !== null) throw foreignCursor();
    if (!file) throw noSuchFile(name);
    const page = await this.context.store.listVersions(file.fileId, limit, cursor);
    return { items: page.items.map((record) => versionView(record, file.name)), nextCursor: page.nextCursor };
  }

  async download(name: FileName, version: number | null): Promise<Download> {
    const file = await requireFile(this.context, name);
    const target = version === null ? file : await this.context.store.getVersion(file.fileId, version);
    if (!target) throw notFound(`${file.name} has no version ${version}`);
    const issuedAt = this.context.clock();
    const ttl = this.context.config.urlTtlSeconds;
    return {
      url: await this.context.blobs.presignDownload(target.sha256, baseName(file.name), ttl),
      method: 'GET',
      expiresAt: secondsLater(issuedAt, ttl),
      name: file.name,
      version: target.version,
      sizeBytes: target.sizeBytes,
      sha256: target.sha256,
    };
  }

  /** The folders directly under `parentKey` ("" is the root), each with the number of files under it. */
  async folders(parentKey: string, limit: number, cursor: string | null): Promise<Page<Folder>> {
    const page = await this.context.store.listFolders(parentKey, limit, cursor);
    return { items: page.items.map(folderView), nextCursor: page.nextCursor };
  }
}
