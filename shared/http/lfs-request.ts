/** (v2) The base URL the client reached this repository at (`lfs.url`), from the request itself. */
export const lfsBaseUrl = (event: HttpEvent, endpoint: string): string => {
  // API Gateway says how the client came in (the local server too: plain HTTP).
  const scheme = event.headers['x-forwarded-proto'] ?? 'https';
  return `${scheme}://${event.requestContext.domainName}${event.rawPath.slice(0, -endpoint.length)}`;
};

/**
 * (v2) Which Git LFS operation a request names. The client appends fixed endpoints to its base URL
 * `/lfs/{repo}`, and `{repo}` may hold slashes, so the whole rest of the path arrives as one greedy
 * parameter (API Gateway allows a greedy parameter only last) and is read here from its end.
 */
import * as z from 'zod/mini';
import { type LfsRepo, parseLfsRepo } from '../lfs-names';
import { LfsError } from './lfs-route';
import type { HttpEvent } from './route';

export type LfsOperation =
  | { kind: 'batch'; repo: LfsRepo }
  | { kind: 'verifyObject'; repo: LfsRepo }
  | { kind: 'locks'; repo: LfsRepo }
  | { kind: 'verifyLocks'; repo: LfsRepo }
  | { kind: 'unlock'; repo: LfsRepo; lockId: string };

/** The endpoints after `/lfs/{repo}`; the longest repository wins (a repository may have a `locks` segment). */
const ENDPOINTS: [RegExp, (repo: string, match: RegExpExecArray) => LfsOperation][] = [
  [/^(.+)\/objects\/batch$/, (repo) => ({ kind: 'batch', repo: parseLfsRepo(repo) })],
  [/^(.+)\/objects\/verify$/, (repo) => ({ kind: 'verifyObject', repo: parseLfsRepo(repo) })],
  [/^(.+)\/locks\/verify$/, (repo) => ({ kind: 'verifyLocks', repo: parseLfsRepo(repo) })],
  [
    /^(.+)\/locks\/([^/]+)\/unlock$/,
    (repo, match) => ({ kind: 'unlock', repo: parseLfsRepo(repo), lockId: match[2] as string }),
  ],
  [/^(.+)\/locks$/, (repo) => ({ kind: 'locks', repo: parseLfsRepo(repo) })],
];

/** The operation of a request on `/lfs/{lfsPath+}` for `method`, or the 404 of an endpoint LFS has not. */
export const lfsOperation = (event: HttpEvent, method: 'GET' | 'POST'): LfsOperation => {
  const rest = event.pathParameters?.lfsPath ?? '';
  for (const [pattern, operation] of ENDPOINTS) {
    const match = pattern.exec(rest);
    if (!match?.[1]) continue;
    const found = operation(match[1], match);
    // Only `/locks` answers GET (the listing); it and every other endpoint answer POST.
    if (method === 'POST' || found.kind === 'locks') return found;
  }
  throw new LfsError(404, `no Git LFS endpoint ${method} /lfs/${rest}`);
};

/** A Git ref, as the client names the branch a request is for; locks here are not per ref. */
const ref = z.optional(z.object({ name: z.string() }));

const limit = z.pipe(
  z.number().check(
    z.refine(Number.isInteger, 'must be an integer'),
    z.refine((value) => value >= 1, 'must be at least 1'),
  ),
  // A server may return fewer than asked: a page holds at most 1,000, as everywhere in the vault.
  z.transform((value: number) => Math.min(value, 1000)),
);

const cursor = z.string().check(z.maxLength(4096));

/** An object as the client names it: its SHA-256 in lowercase hex, and its size. */
const lfsObject = z.object({
  oid: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in 64 lowercase hex digits')),
  size: z.number().check(
    z.refine(Number.isSafeInteger, 'must be an integer'),
    z.refine((size) => size >= 0, 'must be at least 0'),
  ),
});

export const lfsSchemas = {
  batch: z.object({
    operation: z.enum(['upload', 'download']),
    transfers: z.optional(z.array(z.string())),
    ref,
    // git-lfs sends 100 at a time; the 64 KiB body limit keeps a batch under ~750.
    objects: z.array(lfsObject),
    hash_algo: z.optional(z.string()),
  }),
  verifyObject: lfsObject,
  createLock: z.object({ path: z.string(), ref }),
  verifyLocks: z.object({ ref, cursor: z.optional(cursor), limit: z.optional(limit) }),
  unlock: z.object({ force: z.optional(z.boolean()), ref }),
  listLocks: z.object({
    path: z.optional(z.string()),
    id: z.optional(z.string().check(z.maxLength(256))),
    cursor: z.optional(cursor),
    limit: z.optional(
      z.pipe(
        z.pipe(z.string().check(z.regex(/^\d+$/, 'must be an integer of at least 1')), z.transform(Number)),
        limit,
      ),
    ),
    refspec: z.optional(z.string()),
  }),
};
