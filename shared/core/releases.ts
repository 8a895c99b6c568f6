/**
 * Released versions: what a lead approved for the machines. A release ends the one in force (its
 * `withdrawn…` fields filled, "superseded by version N"); a withdrawal ends it with nothing after. A
 * check-in never changes what is released.
 */
import { forbidden, notFound, VaultError } from '../errors';
import type { Caller, VaultFile } from '../model';
import type { FileName } from '../names';
import { type CoreContext, MAX_ATTEMPTS } from './context';
import { fileReleased, releaseWithdrawn } from './entries';
import { checkVisible, requireRole, requireWrite } from './guard';
import type { NewRelease } from './ports';
import type { FileRecord, ReleaseRecord } from './records';
import { fileView } from './views';

const notReleased = (name: string) => new VaultError('NOT_RELEASED', `${name} has no version released`);

/** `list` with its newest release (the one in force) ended. */
const ended = (list: ReleaseRecord[], at: string, by: string, message: string): ReleaseRecord[] => {
  const [current, ...older] = list;
  if (!current || current.withdrawnAt !== null) return list;
  return [{ ...current, withdrawnAt: at, withdrawnBy: by, withdrawMessage: message }, ...older];
};

export class Releases {
  constructor(private readonly context: CoreContext) {}

  /** Leads release `version` (with why); with four eyes, never one they checked in themselves. */
  async release(caller: Caller, name: FileName, version: number, message: string): Promise<VaultFile> {
    const { store, config } = this.context;
    for (let attempt = 1; ; attempt++) {
      const { file, access } = checkVisible(
        this.context,
        caller,
        name,
        await store.getFileAndRules(name.key),
      );
      // A missing version is 404 for anyone who sees the file: 404 comes before 403.
      const target = await store.getVersion(file.fileId, version);
      if (!target) throw notFound(`${file.name} has no version ${version}`);
      requireRole(access, 'leads', 'releasing');
      requireWrite(access, file.key, file.name);
      if (config.releaseFourEyes && target.user === caller.user) {
        throw forbidden(
          `${caller.user} checked in version ${version}: another lead must release it (four eyes)`,
        );
      }
      const now = this.context.clock().toISOString();
      const release: ReleaseRecord = {
        version,
        releasedAt: now,
        releasedBy: caller.user,
        message,
        withdrawnAt: null,
        withdrawnBy: null,
        withdrawMessage: null,
      };
      const supersede = `superseded by version ${version}`;
      const versions: NewRelease['versions'] = [];
      const previous = file.released;
      if (previous && previous.version !== version) {
        const before = (await store.getVersion(file.fileId, previous.version))?.releases ?? [];
        versions.push({
          fileId: file.fileId,
          version: previous.version,
          before,
          after: ended(before, now, caller.user, supersede),
        });
      }
      const own = target.releases;
      const ownEnded = previous?.version === version ? ended(own, now, caller.user, supersede) : own;
      versions.push({ fileId: file.fileId, version, before: own, after: [release, ...ownEnded] });
      const released: FileRecord = { ...file, released: release };
      const entry = fileReleased(this.context, released, { user: caller.user, version, message, at: now });
      const result = await store.changeRelease({ file, release, versions, entry });
      if (result.committed) return fileView(released, now);
      // Another lead released or withdrew meanwhile: decide again on what is in force now.
      if (attempt >= MAX_ATTEMPTS) throw new Error(`release of ${name.key} kept racing`);
    }
  }

  /** Leads withdraw the release in force: operators then see no version of the file. */
  async withdraw(caller: Caller, name: FileName, message: string): Promise<VaultFile> {
    const { store } = this.context;
    for (let attempt = 1; ; attempt++) {
      const { file, access } = checkVisible(
        this.context,
        caller,
        name,
        await store.getFileAndRules(name.key),
      );
      requireRole(access, 'leads', 'withdrawing a release');
      requireWrite(access, file.key, file.name);
      const current = file.released;
      if (!current) throw notReleased(file.name);
      const now = this.context.clock().toISOString();
      const before = (await store.getVersion(file.fileId, current.version))?.releases ?? [];
      const withdrawn: FileRecord = { ...file, released: null };
      const entry = releaseWithdrawn(this.context, file, {
        user: caller.user,
        version: current.version,
        message,
        at: now,
      });
      const result = await store.changeRelease({
        file,
        release: null,
        versions: [
          {
            fileId: file.fileId,
            version: current.version,
            before,
            after: ended(before, now, caller.user, message),
          },
        ],
        entry,
      });
      if (result.committed) return fileView(withdrawn, now);
      if (attempt >= MAX_ATTEMPTS) throw new Error(`withdrawal on ${name.key} kept racing`);
    }
  }
}
