/**
 * 8. A file's whole life at scale: a move and a delete of a file with a long history against one with
 * a short one (a file's versions belong to its identity, so neither copies them), and the first page
 * of a folder's sub-folders and of its own files in a big tree against a small one (folders are
 * items of their own, so a listing reads the page, not the tree).
 */
import type { EmulatorEndpoints } from '#infra/local/local-vault';
import type { FileRecord } from '#shared/core/records';
import { parseFolderPrefix } from '#shared/names';
import {
  caller,
  createBenchVault,
  fileName,
  fileRecord,
  seedFiles,
  seedTree,
  seedVersions,
} from '../lib/environment';
import { interleavedMedians, timed } from '../lib/stats';

export interface HistoryPoint {
  versions: number;
  moveMs: number;
  deleteMs: number;
}

export interface TreePoint {
  files: number;
  subFolders: number;
  foldersFirstPageMs: number;
  filesFirstPageMs: number;
  seedingMs: number;
}

export interface FileLifeResult {
  histories: HistoryPoint[];
  trees: TreePoint[];
  /** Sub-folders and files a first page returned in every tree (the same in each). */
  foldersPageSize: number;
  filesPageSize: number;
}

const RUNS = 30;
const WARMUP = 5;
const FOLDERS_PAGE = 100;
const FILES_PAGE = 10;

const me = caller('bench-mover');

/** A checked-out file with `versions` versions, moved back and forth, and deleted then restored. */
const historySubject = async (endpoints: EmulatorEndpoints, versions: number) => {
  const bench = await createBenchVault(endpoints, 'history');
  const file: FileRecord = { ...fileRecord('jobs/Plate.mcam', null), version: versions };
  await seedFiles(bench.clients.dynamodb, bench.config.table, [file]);
  await seedVersions(bench.clients.dynamodb, bench.config.table, file, versions);
  const here = fileName('jobs/Plate.mcam');
  const there = fileName('done/Plate moved.mcam');
  await bench.vault.locks.checkout(me, here, 'moving it about');
  let at = here;
  return {
    versions,
    move: async () => {
      const to = at === here ? there : here;
      const { ms } = await timed(() => bench.vault.lifecycle.move(me, at, to, 'bench'));
      at = to;
      return ms;
    },
    /** A delete needs the lock and gives it up: checked out before and restored after, untimed. */
    delete: async () => {
      const { ms, result } = await timed(() => bench.vault.lifecycle.delete(me, at, 'bench'));
      const restored = await bench.vault.lifecycle.restore(me, result.fileId, null);
      if (restored.version !== versions) throw new Error(`restored at version ${restored.version}`);
      await bench.vault.locks.checkout(me, at, 'to delete again');
      return ms;
    },
    /** The history went along with the file wherever it is now. */
    check: async () => {
      const history = await bench.vault.files.versions(me, at, 1, null);
      if (history.items[0]?.version !== versions) throw new Error('the history did not follow the file');
    },
    drop: bench.drop,
  };
};

/** `shop/` with `subFolders` jobs of `perJob` files each; the pages read are `shop/`'s and its first job's. */
const treeSubject = async (endpoints: EmulatorEndpoints, subFolders: number, perJob: number) => {
  const bench = await createBenchVault(endpoints, 'tree');
  const at = new Date().toISOString();
  const records = Array.from({ length: subFolders * perJob }, (_, i) =>
    fileRecord(
      `shop/job-${String(Math.floor(i / perJob)).padStart(4, '0')}/op-${String(i % perJob).padStart(3, '0')}.mcam`,
      null,
      at,
    ),
  );
  const seeding = await timed(() => seedTree(bench.clients.dynamodb, bench.config.table, records));
  const shop = parseFolderPrefix('shop/');
  const job = parseFolderPrefix('shop/job-0000/');
  const foldersPage = () => bench.vault.files.folders(me, shop.key, FOLDERS_PAGE, null);
  const filesPage = () =>
    bench.vault.files.list(me, {
      directOnly: true,
      releasedOnly: false,
      prefix: job.key,
      status: null,
      limit: FILES_PAGE,
      cursor: null,
    });
  const [folders, files] = [await foldersPage(), await filesPage()];
  // Both trees must give full first pages, or the comparison says nothing.
  if (folders.items.length !== FOLDERS_PAGE || files.items.length !== FILES_PAGE)
    throw new Error(`a first page held ${folders.items.length} folders and ${files.items.length} files`);
  return {
    files: records.length,
    subFolders,
    seedingMs: seeding.ms,
    foldersPage: async () => (await timed(foldersPage)).ms,
    filesPage: async () => (await timed(filesPage)).ms,
    drop: bench.drop,
  };
};

export const fileLife = async (
  endpoints: EmulatorEndpoints,
  options: { quick: boolean; log: (line: string) => void },
): Promise<FileLifeResult> => {
  const short = await historySubject(endpoints, 10);
  const long = await historySubject(endpoints, options.quick ? 1000 : 10_000);
  const small = await treeSubject(endpoints, 100, 10);
  const big = options.quick
    ? await treeSubject(endpoints, 1000, 10)
    : await treeSubject(endpoints, 1000, 100);
  try {
    const [shortMove, longMove] = await interleavedMedians({ warmup: WARMUP, runs: RUNS }, [
      short.move,
      long.move,
    ]);
    const [shortDelete, longDelete] = await interleavedMedians({ warmup: WARMUP, runs: RUNS }, [
      short.delete,
      long.delete,
    ]);
    await short.check();
    await long.check();
    const [smallFolders, bigFolders, smallFiles, bigFiles] = await interleavedMedians(
      { warmup: WARMUP, runs: RUNS },
      [small.foldersPage, big.foldersPage, small.filesPage, big.filesPage],
    );
    const histories: HistoryPoint[] = [
      { versions: short.versions, moveMs: shortMove ?? 0, deleteMs: shortDelete ?? 0 },
      { versions: long.versions, moveMs: longMove ?? 0, deleteMs: longDelete ?? 0 },
    ];
    const trees: TreePoint[] = [
      { ...small, foldersFirstPageMs: smallFolders ?? 0, filesFirstPageMs: smallFiles ?? 0 },
      { ...big, foldersFirstPageMs: bigFolders ?? 0, filesFirstPageMs: bigFiles ?? 0 },
    ].map(({ files, subFolders, seedingMs, foldersFirstPageMs, filesFirstPageMs }) => ({
      files,
      subFolders,
      seedingMs,
      foldersFirstPageMs,
      filesFirstPageMs,
    }));
    for (const point of histories)
      options.log(
        `  ${point.versions} versions: move ${point.moveMs.toFixed(2)} ms, delete ${point.deleteMs.toFixed(2)} ms`,
      );
    for (const point of trees)
      options.log(
        `  tree of ${point.files} files: folders page ${point.foldersFirstPageMs.toFixed(2)} ms, files page ${point.filesFirstPageMs.toFixed(2)} ms (seeded in ${(point.seedingMs / 1000).toFixed(1)} s)`,
      );
    return { histories, trees, foldersPageSize: FOLDERS_PAGE, filesPageSize: FILES_PAGE };
  } finally {
    for (const subject of [short, long, small, big]) await subject.drop();
  }
};
