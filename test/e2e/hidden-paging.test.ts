/**
 * Listings past many hidden folders: each costs the listing a query, so a page may come back empty,
 * but its cursor always moves on and the caller reaches what they may read.
 */
import { type ApiClient, startTestServer, type TestServer } from '../support/http';

let server: TestServer;
// More hidden folders holding files than one page's query budget (10), so empty pages must occur.
const HIDDEN = 14;
const hiddenFolder = (i: number) => `h${String(i).padStart(2, '0')}/`;

beforeAll(async () => {
  server = await startTestServer();
  const boss = server.inGroups('boss', ['admins']);
  for (let i = 0; i < HIDDEN; i++) {
    await boss.commit(`${hiddenFolder(i)}part.mcam`, Buffer.from(`hidden ${i}`));
    await boss.checkout(`${hiddenFolder(i)}part.mcam`, 'hidden lock');
    expect(
      (
        await boss.request('PUT', `/rules/${hiddenFolder(i)}`, {
          json: { read: ['leads'], write: ['leads'] },
        })
      ).status,
    ).toBe(200);
  }
  await boss.commit('a/first.mcam', Buffer.from('first'));
  await boss.commit('z/last.mcam', Buffer.from('last'));
  await boss.checkout('z/last.mcam', 'visible lock');
});
afterAll(() => server.close());

/** Every page of a listing, following cursors, with the number of requests it took. */
const walk = async (client: ApiClient, path: string, field: string) => {
  const names: string[] = [];
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (let requests = 1; ; requests++) {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = cursor === null ? path : `${path}${separator}cursor=${encodeURIComponent(cursor)}`;
    const response = await client.get(url);
    expect(response.status).toBe(200);
    names.push(...response.body[field].map((item: { name: string }) => item.name));
    cursor = response.body.nextCursor;
    if (cursor === null) return { names, requests };
    // A page that found nothing still hands back a cursor that moved on.
    expect(cursors).not.toContain(cursor);
    cursors.push(cursor);
    if (requests > HIDDEN + 2) throw new Error(`${path}: no end after ${requests} requests`);
  }
};

test('a programmer pages past hidden folders to the files they may read', async () => {
  const programmer = server.inGroups('prog', ['programmers']);
  const all = await walk(programmer, '/files?limit=5', 'files');
  expect(all.names).toEqual(['a/first.mcam', 'z/last.mcam']);
  // The hidden folders cost pages (a query each), not a scan of them: at most one page per budget.
  expect(all.requests).toBeGreaterThan(1);
  const available = await walk(programmer, '/files?status=available&limit=5', 'files');
  expect(available.names).toEqual(['a/first.mcam']);
  expect((await walk(programmer, '/locks?limit=5', 'locks')).names).toEqual(['z/last.mcam']);
});

test('a lead reading every folder lists them all', async () => {
  const lead = server.inGroups('lead', ['leads']);
  const all = await walk(lead, '/files?limit=100', 'files');
  expect(all.names).toEqual([
    'a/first.mcam',
    ...Array.from({ length: HIDDEN }, (_, i) => `${hiddenFolder(i)}part.mcam`),
    'z/last.mcam',
  ]);
  expect(all.requests).toBe(1);
});
