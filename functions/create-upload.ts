import * as z from 'zod';
import { fields, parseBody, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseFileName } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';
import type { Vault } from '#shared/vault';

const body = z.strictObject({ name: z.string(), sizeBytes: fields.sizeBytes, sha256: fields.sha256 });

export const createUpload = (vault: Vault) =>
  httpRoute(async (event, caller) => {
    parseQuery(event, z.strictObject({}));
    const request = parseBody(event, body);
    const name = parseFileName(request.name, vault.extensions);
    return { status: 201, body: await vault.stageUpload(caller, name, request.sizeBytes, request.sha256) };
  });

export const handler = createUpload(vaultFromEnvironment());
