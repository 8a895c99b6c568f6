/** Reading the vault: files, folders, versions and download links. Nothing here changes anything. */
import { forbidden, notFound } from '../errors';
import type { Caller, Download, FileStatus, Folder, Page, VaultFile, Version } from '../model';
import { baseName, type FileName } from '../names';
import { type CoreContext, secondsLater } from './context';
import { checkVisible, listingAccess, visibleFile } from './guard';
import { prefixEnd } from './permissions';
import { foreignCursor } from './refusals';
import { fileView, folderView, versionView } from './views';

export interface ListFilesRequest {
  /** A case-folded prefix; with `directOnly`, a folder key ("" or ending in "/"). */
  prefix: string;
  directOnly: boolean;
  status: FileStatus | null;
  releasedOnly: boolean;
  limit: number;
  cursor: string | null;
}

export class Files {
  constructor(private readonly context: CoreContext) {}

  private now(): string {
    return this.context.clock().toISOString();
  }

  /** What the caller may read, a page at a time: hidden folders are never read, operators see released files only. */
  async list(caller: Caller, query: ListFilesRequest): Promise<Page<VaultFile>> {
    const access = await listingAccess(this.context, caller);
    const now = this.now();
    const releasedOnly = query.releasedOnly || access.isOperator;
    // The files directly in a folder share its rule; a folder one may not read lists nothing.
    const ranges = query.directOnly
      ? access.mayRead(query.prefix)
        ? [{ from: query.prefix, to: prefixEnd(query.prefix) }]
        : []
      : access.readableRanges(query.prefix, prefixEnd(query.prefix));
    const page = await this.context.store.listFiles({ ...query, releasedOnly, ranges, now });
    return { items: page.items.map((record) => fileView(record, now)), nextCursor: page.nextCursor };
  }

  async get(caller: Caller, name: FileName): Promise<VaultFile> {
    return fileView((await visibleFile(this.context, caller, name)).file, this.now());
  }

  /** History, newest first; an operator sees the released version only. */
  async versions(
    caller: Caller,
    name: FileName,
    limit: number,
    cursor: string | null,
  ): Promise<Page<Version>> {
    const { store } = this.context;
    const found = await store.getFileAndRules(name.key);
    // A cursor for a file that is not there cannot be one the server issued: 400 comes before 404.
    if (!found.file && cursor !== null) throw foreignCursor();
    const { file, access } = checkVisible(this.context, caller, name, found);
    if (access.isOperator) {
      if (cursor !== null) throw foreignCursor();
      const released = file.released && (await store.getVersion(file.fileId, file.released.version));
      return { items: released ? [versionView(released, file.name)] : [], nextCursor: null };
    }
    const page = await store.listVersions(file.fileId, limit, cursor);
    return { items: page.items.map((record) => versionView(record, file.name)), nextCursor: page.nextCursor };
  }

  /** A presigned GET of the latest (or given) version; for an operator, of the released version only. */
  async download(caller: Caller, name: FileName, version: number | null): Promise<Download> {
    const { file, access } = await visibleFile(this.context, caller, name);
    // An operator gets the released version; asked for another, 404 if it is not there, else 403.
    const wanted = access.isOperator && version === null ? (file.released?.version ?? null) : version;
    const target = wanted === null ? file : await this.context.store.getVersion(file.fileId, wanted);
    if (!target) throw notFound(`${file.name} has no version ${wanted}`);
    if (access.isOperator && target.version !== file.released?.version)
      throw forbidden('operators may download released versions only');
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

  /** The folders directly under `parentKey` ("" is the root) the caller may read, each with the files under it. */
  async folders(
    caller: Caller,
    parentKey: string,
    limit: number,
    cursor: string | null,
  ): Promise<Page<Folder>> {
    const access = await listingAccess(this.context, caller);
    if (!access.mayRead(parentKey)) return { items: [], nextCursor: null };
    const page = await this.context.store.listFolders(parentKey, limit, cursor);
    // One item per folder: a hidden one costs a read, never a scan of what is in it.
    return {
      items: page.items.filter((folder) => access.mayRead(folder.key)).map(folderView),
      nextCursor: page.nextCursor,
    };
  }
}
