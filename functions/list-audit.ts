import * as z from 'zod';
import type { Vault } from '#shared/core/vault';
import { badRequest } from '#shared/errors';
import { EVENT_TYPES } from '#shared/events';
import { DEFAULT_LIMIT, fields, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseFileName } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';

const query = z.strictObject({
  name: z.string().optional(),
  user: z.string().min(1).max(256).optional(),
  type: z.enum(EVENT_TYPES).optional(),
  since: fields.time.optional(),
  until: fields.time.optional(),
  limit: fields.limit.optional(),
  cursor: fields.cursor.optional(),
});

export const listAudit = (vault: Vault) =>
  httpRoute(async (event, caller) => {
    const request = parseQuery(event, query);
    if (request.since && request.until && request.since > request.until)
      throw badRequest('since must not be after until');
    const page = await vault.audit.list(caller, {
      name: request.name === undefined ? null : parseFileName(request.name, vault.extensions),
      user: request.user ?? null,
      type: request.type ?? null,
      since: request.since ?? null,
      until: request.until ?? null,
      limit: request.limit ?? DEFAULT_LIMIT,
      cursor: request.cursor ?? null,
    });
    return { status: 200, body: { entries: page.items, nextCursor: page.nextCursor } };
  });

export const handler = listAudit(vaultFromEnvironment());
