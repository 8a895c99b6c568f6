/**
 * `camvault sync` (get latest): brings a workspace folder to the vault's latest versions. Downloads
 * run a few at a time, each verified by SHA-256 and renamed into place (see placeVersion), read-only
 * unless you hold the lock. A local change is never overwritten: such a file is left alone and
 * named at the end, with what to do, and the exit code is 3. The workspace's state is saved every
 * few seconds and at the end; a file placed after the last save is recognised by its bytes on the
 * next run, so an interrupted sync resumes where it stopped.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { VaultFile } from '#shared/model';
import { CliError, EXIT } from './errors';
import { humanBytes } from './format';
import { statFile } from './transfer';
import { placeVersion, renameLocal, setWritableIfPresent } from './working-copy';
import type { WorkspaceContext } from './workspace-commands';
import { scopeOf } from './workspace-commands';
import { type StatusEntry, workspaceStatus } from './workspace-status';

/** Downloads at once: enough to fill a link with small files, few enough for one storage endpoint. */
const DOWNLOADS_PARALLEL = 8;
const SAVE_EVERY_MS = 2000;

interface Plan {
  downloads: { file: VaultFile; localPath: string }[];
  moves: { entry: StatusEntry; to: string; file: VaultFile }[];
  removals: StatusEntry[];
  /** Local files that would be overwritten or lost, with what to do. */
  conflicts: { entry: StatusEntry; advice: string }[];
}

const planSync = (context: WorkspaceContext, entries: StatusEntry[]): Plan => {
  const plan: Plan = { downloads: [], moves: [], removals: [], conflicts: [] };
  const edited = (entry: StatusEntry) => entry.local === 'modified' || entry.local === 'untracked';
  for (const entry of entries) {
    const shown = path.relative(context.cwd, entry.path) || entry.path;
    if (entry.vault === 'none' || !entry.file) {
      if (entry.vault === 'deleted') {
        if (edited(entry))
          plan.conflicts.push({
            entry,
            advice: `${shown} has local changes but ${entry.name} was deleted in the vault: keep them with camvault add ${shown}, or delete the file yourself`,
          });
        else plan.removals.push(entry);
      }
      continue;
    }
    const file = entry.file;
    if (entry.vault === 'moved') {
      if (edited(entry)) {
        plan.conflicts.push({
          entry,
          advice: `${shown} has local changes but ${entry.name} was moved in the vault to ${file.name}: move your copy to its new place yourself, then run camvault sync again`,
        });
      } else if (entry.local === 'missing') {
        plan.removals.push(entry);
        plan.downloads.push({ file, localPath: context.workspace.localPath(file.name) });
      } else plan.moves.push({ entry, to: context.workspace.localPath(file.name), file });
      continue;
    }
    const stale = entry.vault === 'newer' || entry.local === 'missing' || entry.local === 'absent';
    if (!stale) continue;
    if (edited(entry)) {
      plan.conflicts.push({
        entry,
        advice:
          entry.local === 'untracked'
            ? `${shown} is not the vault's version ${file.version}: move it away, or overwrite it with camvault get --force ${shown}`
            : `${shown} has local changes and the vault has a newer version (${file.version}): copy your edits elsewhere, then take version ${file.version} with camvault get --force ${shown}`,
      });
      continue;
    }
    plan.downloads.push({ file, localPath: entry.path });
  }
  return plan;
};

/**
 * Runs `work` over `items`, `parallel` at a time. Each worker starts `prepare` of its next item while
 * it works on the current one (for sync: asks the vault for the next download link while the
 * current file downloads), so that no download waits for a round trip. The first failure stops
 * every worker from taking new items; it is thrown once the items in hand are done.
 */
const eachBounded = async <T, P>(
  items: T[],
  parallel: number,
  prepare: (item: T) => Promise<P>,
  work: (item: T, prepared: P) => Promise<void>,
) => {
  let next = 0;
  let failed = false;
  const take = () => {
    if (failed || next >= items.length) return null;
    const item = items[next++] as T;
    const prepared = prepare(item);
    // Awaited when its turn comes; until then a failure must not count as unhandled.
    prepared.catch(() => undefined);
    return { item, prepared };
  };
  const worker = async () => {
    for (let current = take(); current; ) {
      const upcoming = take();
      try {
        await work(current.item, await current.prepared);
      } catch (error) {
        failed = true;
        throw error;
      }
      current = upcoming;
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(parallel, items.length) }, worker));
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
};

/** A link asked for ahead may wait behind a long download: one this close to expiring is asked again. */
const LINK_MARGIN_MS = 60_000;

export const sync = async (context: WorkspaceContext, argument: string | undefined) => {
  const { workspace, api, signal, me } = context;
  const scope = await scopeOf(context, argument);
  const { entries, partials } = await workspaceStatus(api, workspace, scope, signal);
  // Left by a sync that was killed: never a file of the vault, only a download that did not finish.
  await Promise.all(partials.map((partial) => rm(partial, { force: true })));
  const plan = planSync(context, entries);
  const mine = (file: VaultFile | null) => me !== null && file?.lock?.user === me;

  for (const removal of plan.removals) {
    if (removal.local !== 'missing' && removal.vault === 'deleted') await rm(removal.path, { force: true });
    workspace.forget(removal.name);
  }
  for (const { entry, to, file } of plan.moves) {
    // On a case-insensitive file system a rename that changed only case finds the file itself there.
    const there = await statFile(to);
    const here = await statFile(entry.path);
    if (there && !(here && there.ino === here.ino && there.dev === here.dev)) {
      plan.conflicts.push({
        entry,
        advice: `${entry.name} was moved in the vault to ${file.name}, but ${path.relative(context.cwd, to)} exists already: move it away, then run camvault sync again`,
      });
      continue;
    }
    await mkdir(path.dirname(to), { recursive: true });
    await renameLocal(entry.path, to);
    const tracked = workspace.tracked(entry.name);
    workspace.forget(entry.name);
    if (tracked) workspace.record({ ...tracked, name: file.name }, await stat(to));
    if (file.version !== entry.localVersion) plan.downloads.push({ file, localPath: to });
  }

  // Lock changes: writable exactly while you hold the lock.
  for (const entry of entries) {
    if (entry.local === 'unchanged' && entry.vault === 'current' && entry.file)
      await setWritableIfPresent(entry.path, mine(entry.file));
  }

  const totalBytes = plan.downloads.reduce((sum, { file }) => sum + file.sizeBytes, 0);
  let doneBytes = 0;
  let savedAt = Date.now();
  context.out.progress.start('syncing', totalBytes);
  try {
    const folders = new Map<string, Promise<unknown>>();
    const folderFor = (localPath: string) => {
      const folder = path.dirname(localPath);
      if (!folders.has(folder)) folders.set(folder, mkdir(folder, { recursive: true }));
      return folders.get(folder);
    };
    // The latest version rather than the one listed: the vault finds it with the file (one read less
    // per file), and one checked in since the listing is the one to have anyway. What is recorded is
    // what the link named, and verified.
    const linkFor = ({ file }: Plan['downloads'][number]) => api.download(file.name);
    await eachBounded(plan.downloads, DOWNLOADS_PARALLEL, linkFor, async (download, asked) => {
      const { file, localPath } = download;
      const link =
        Date.parse(asked.expiresAt) - Date.now() < LINK_MARGIN_MS ? await linkFor(download) : asked;
      await folderFor(localPath);
      let counted = 0;
      await placeVersion(link, localPath, {
        writable: mine(file),
        signal,
        onBytes: (bytes) => {
          doneBytes += bytes - counted;
          counted = bytes;
          context.out.progress.update(doneBytes);
        },
      });
      const placed = { version: link.version, sha256: link.sha256, sizeBytes: link.sizeBytes };
      workspace.record({ ...file, ...placed }, await stat(localPath));
      if (Date.now() - savedAt > SAVE_EVERY_MS) {
        savedAt = Date.now();
        await workspace.save();
      }
    });
  } finally {
    context.out.progress.stop();
    await workspace.save();
  }

  const summary = {
    downloaded: plan.downloads.map(({ file }) => file.name),
    moved: plan.moves.map(({ entry, file }) => ({ from: entry.name, to: file.name })),
    removed: plan.removals.filter((entry) => entry.vault === 'deleted').map((entry) => entry.name),
    notSynced: plan.conflicts.map(({ entry, advice }) => ({ name: entry.name, path: entry.path, advice })),
  };
  const sentence = `synced: ${summary.downloaded.length} downloaded (${humanBytes(totalBytes)}), ${summary.moved.length} moved, ${summary.removed.length} removed`;
  if (plan.conflicts.length > 0) {
    throw new CliError(
      `${sentence}; ${plan.conflicts.length} not synced, to keep local changes: ${plan.conflicts.map(({ advice }) => advice).join('; ')}`,
      EXIT.conflict,
      'LOCAL_CHANGES',
      summary,
    );
  }
  context.out.result(
    summary,
    summary.downloaded.length + summary.moved.length + summary.removed.length === 0
      ? 'already up to date'
      : sentence,
  );
};
