import * as z from 'zod/mini';
import { Audit } from '#shared/core/audit';
import type { Vault } from '#shared/core/vault';
import { badRequest } from '#shared/errors';
import { EVENT_TYPES } from '#shared/events';
import { DEFAULT_LIMIT, fields, parseQuery } from '#shared/http/request';
import { httpRoute } from '#shared/http/route';
import { parseFileName } from '#shared/names';
import { vaultFromEnvironment } from '#shared/runtime';

const query = z.strictObject({
  name: z.optional(z.string()),
  user: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  type: z.optional(z.enum(EVENT_TYPES)),
  since: z.optional(fields.time),
  until: z.optional(fields.time),
  limit: z.optional(fields.limit),
  cursor: z.optional(fields.cursor),
});

export const listAudit = (vault: Pick<Vault, 'audit' | 'extensions'>) =>
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

export const handler = listAudit(vaultFromEnvironment({ audit: Audit }));
