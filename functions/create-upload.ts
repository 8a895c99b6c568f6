import * as z from 'zod';
import { VaultError } from '#shared/errors';
import { fields, parseBody, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { type FileName, parseFileName, requirePortable } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';
import type { Vault } from '#shared/vault';

const body = z.strictObject({ name: z.string(), sizeBytes: fields.sizeBytes, sha256: fields.sha256 });

/**
 * A name that v2 finds not portable may still take new versions when a v1 file already has it (so
 * work under a held lock can be checked in before the file is renamed); no new file may take it.
 * The core should make this check where it learns whether the name is new (stageUpload); until it
 * does, the handler asks, and only for such a name.
 */
const requirePortableIfNew = async (vault: Vault, name: FileName): Promise<void> => {
  if (name.portabilityProblem === null) return;
  const exists = await vault.getFile(name).then(
    () => true,
    (error: unknown) => {
      if (error instanceof VaultError && error.code === 'NOT_FOUND') return false;
      throw error;
    },
  );
  if (!exists) requirePortable(name);
};

export const createUpload = (vault: Vault) =>
  httpRoute(async (event, caller) => {
    parseQuery(event, z.strictObject({}));
    const request = parseBody(event, body);
    const name = parseFileName(request.name, vault.extensions);
    await requirePortableIfNew(vault, name);
    return { status: 201, body: await vault.stageUpload(caller, name, request.sizeBytes, request.sha256) };
  });

export const handler = createUpload(vaultFromEnvironment());
