/**
 * The Git LFS File Locking API over HTTP: one conditional write per lock, "who has what", events,
 * the audit trail, roles and folder rules, and bad input refused with LFS's own statuses and bodies.
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/http';
import { authorization, LFS_TYPE, LfsClient } from '../support/lfs';
import { subscribeQueue } from '../support/queues';

let server: TestServer;
beforeAll(async () => {
  const checkpointFile = join(mkdtempSync(join(tmpdir(), 'camvault-stream-')), 'checkpoint.json');
  server = await startTestServer({}, { notifications: { checkpointFile } });
});
afterAll(() => server.close());

const lfsAs = (user: string, repo: string, options: { admin?: boolean; bearer?: boolean } = {}) => {
  const token = server.tokenFor(user, options.admin);
  return new LfsClient(server.url, repo, options.bearer ? { bearer: token } : { basic: token });
};

test('lock, list, verify and unlock: the shapes git-lfs reads, under the media type it asks for', async () => {
  const ana = lfsAs('ana', 'cam/team');
  const bob = lfsAs('bob', 'cam/team', { bearer: true });
  const created = await ana.lock('parts/Plate A.mcam');
  expect(created.status).toBe(201);
  expect(created.headers.get('content-type')).toMatch(/^application\/vnd\.git-lfs\+json/);
  const lock = created.body.lock;
  expect(lock).toEqual({
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    path: 'parts/Plate A.mcam',
    locked_at: expect.any(String),
    owner: { name: 'ana' },
  });

  const refused = await bob.lock('parts/Plate A.mcam');
  expect(refused.status).toBe(409);
  expect(refused.body.lock).toEqual(lock);
  expect(refused.body.message).toMatch(/locked by ana/);
  // Exact paths, as Git compares them: another spelling is another path.
  const other = await bob.lock('parts/plate a.mcam');
  expect(other.status).toBe(201);

  expect((await bob.locks(`?path=${encodeURIComponent('parts/Plate A.mcam')}`)).body).toEqual({
    locks: [lock],
  });
  expect((await bob.locks(`?id=${lock.id}`)).body).toEqual({ locks: [lock] });
  expect((await bob.locks('?id=no-such-lock')).body).toEqual({ locks: [] });
  const all = await bob.locks();
  expect(all.status).toBe(200);
  expect(all.body.locks.map((entry: any) => entry.path)).toEqual([
    'parts/Plate A.mcam',
    'parts/plate a.mcam',
  ]);
  const first = await bob.locks('?limit=1');
  expect(first.body.locks).toHaveLength(1);
  const rest = await bob.locks(`?limit=1&cursor=${first.body.next_cursor}`);
  expect([...first.body.locks, ...rest.body.locks]).toEqual(all.body.locks);

  const verified = await bob.verify();
  expect(verified.status).toBe(200);
  expect(verified.body.ours.map((entry: any) => entry.owner.name)).toEqual(['bob']);
  expect(verified.body.theirs).toEqual([lock]);

  // Another user's lock: refused without force, and with force for anyone but an admin.
  expect((await bob.unlock(lock.id)).status).toBe(403);
  const notAdmin = await bob.unlock(lock.id, true);
  expect(notAdmin.status).toBe(403);
  expect(notAdmin.body.message).toMatch(/admins/);
  const unlocked = await ana.unlock(lock.id);
  expect(unlocked).toMatchObject({ status: 200, body: { lock } });
  expect((await ana.unlock(lock.id)).status).toBe(404);
  expect((await bob.locks(`?path=${encodeURIComponent('parts/Plate A.mcam')}`)).body).toEqual({ locks: [] });
});

test('an LFS lock is in "who has what", breakable by an admin through the vault API, evented and audited', async () => {
  const queue = await subscribeQueue(server.topicArn as string, { folder: ['lfs/shop/posts/'] });
  const cy = lfsAs('cy', 'shop');
  const taken = (await cy.lock('posts/mill.pst')).body.lock;
  const vaultLocks = (await server.as('dee').get('/locks')).body.locks;
  expect(vaultLocks).toContainEqual({
    name: 'posts/mill.pst',
    lfsRepo: 'shop',
    user: 'cy',
    lockId: taken.id,
    acquiredAt: taken.locked_at,
    message: '',
    expiresAt: null,
  });
  expect((await server.as('dee').get('/locks?user=cy')).body.locks.map((lock: any) => lock.name)).toEqual([
    'posts/mill.pst',
  ]);
  // Addressed by path and repository, as GET /locks shows it: the owner's undo, or an admin's break.
  const path = '/locks/posts/mill.pst?lfsRepo=shop';
  const refused = await server.as('dee').request('DELETE', `${path}&force=true`);
  expect(refused).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  const broken = await server.as('boss', { admin: true }).request('DELETE', `${path}&force=true`);
  expect(broken.status).toBe(200);
  expect(broken.body.released).toMatchObject({ name: 'posts/mill.pst', lfsRepo: 'shop', lockId: taken.id });
  expect((await cy.locks()).body.locks).toEqual([]);
  expect((await server.as('boss').request('DELETE', path)).status).toBe(404);
  const again = (await cy.lock('posts/mill.pst')).body.lock;
  expect((await server.as('cy').request('DELETE', path)).status).toBe(200);

  const events = (await queue.receive(4)).map(
    ({ body, attributes }): Record<string, any> => ({ ...body, attributes }),
  );
  const fileId = events[0]?.fileId;
  expect(fileId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const name = 'lfs/shop/posts/mill.pst';
  const attributes = { name, fileId, folder: 'lfs/shop/posts/' };
  expect(events).toEqual([
    {
      type: 'FileCheckedOut',
      eventId: expect.any(String),
      at: taken.locked_at,
      name,
      user: 'cy',
      lockId: taken.id,
      message: '',
      fileId,
      attributes: { ...attributes, type: 'FileCheckedOut', user: 'cy' },
    },
    {
      type: 'LockBroken',
      eventId: expect.any(String),
      at: expect.any(String),
      name,
      user: 'boss',
      previousOwner: 'cy',
      lockId: taken.id,
      fileId,
      attributes: { ...attributes, type: 'LockBroken', user: 'boss' },
    },
    expect.objectContaining({ type: 'FileCheckedOut', lockId: again.id, fileId }),
    expect.objectContaining({ type: 'LockReleased', user: 'cy', lockId: again.id, fileId }),
  ]);
  const audit = (await server.as('boss', { admin: true }).get('/audit?limit=1000')).body.entries;
  expect(
    audit
      .filter((entry: any) => entry.name === name)
      .map((entry: any) => ({ eventId: entry.entryId, type: entry.type, fileId: entry.fileId })),
  ).toEqual(events.reverse().map(({ eventId, type }) => ({ eventId, type, fileId })));
});

test('100 concurrent locks of one path: exactly one 201, every other 409 naming the winner', async () => {
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => lfsAs(`racer${i}`, 'race').lock('one/path.bin')),
  );
  const winners = results.filter((result) => result.status === 201);
  expect(winners).toHaveLength(1);
  const winner = winners[0]?.body.lock;
  const losers = results.filter((result) => result.status !== 201);
  expect(losers.map((result) => result.status)).toEqual(Array(99).fill(409));
  for (const loser of losers) {
    expect(loser.body.lock).toEqual(winner);
    expect(loser.body.message).toContain(`locked by ${winner.owner.name}`);
  }
  expect((await lfsAs('observer', 'race').locks()).body.locks).toEqual([winner]);
  const held = (await server.as('observer').get('/locks')).body.locks.filter(
    (lock: any) => lock.lfsRepo === 'race',
  );
  expect(held).toEqual([expect.objectContaining({ name: 'one/path.bin', lockId: winner.id })]);
});

test('roles and folder rules apply to lfs/{repo}/ as a folder', async () => {
  const boss = server.inGroups('boss', ['admins']);
  const rule = (prefix: string, read: string[], write: string[]) =>
    boss.request('PUT', `/rules/${prefix}`, { json: { read, write } });
  expect((await rule('lfs/secret/', ['acme'], ['acme'])).status).toBe(200);
  expect((await rule('lfs/open/posts/', ['*'], ['leads'])).status).toBe(200);
  const client = (user: string, groups: string[], repo: string) =>
    new LfsClient(server.url, repo, { basic: server.inGroups(user, groups).token as string });

  const insider = client('ann', ['programmers', 'acme'], 'secret');
  const secretLock = (await insider.lock('a.bin')).body.lock;
  const outsider = client('otto', ['programmers'], 'secret');
  for (const response of [await outsider.locks(), await outsider.lock('b.bin'), await outsider.verify()]) {
    expect(response.status).toBe(403);
    expect(response.body.message).toMatch(/folder rule/);
  }
  // Hidden from the outsider's "who has what" too, and theirs to see for the insider.
  expect((await server.inGroups('otto', ['programmers']).get('/locks')).body.locks).not.toContainEqual(
    expect.objectContaining({ lfsRepo: 'secret' }),
  );
  expect((await server.inGroups('ann', ['programmers', 'acme']).get('/locks')).body.locks).toContainEqual(
    expect.objectContaining({ lfsRepo: 'secret', lockId: secretLock.id }),
  );

  const programmer = client('pia', ['programmers'], 'open');
  expect((await programmer.lock('programs/p1.nc')).status).toBe(201);
  const readOnly = await programmer.lock('posts/mill.pst');
  expect(readOnly.status).toBe(403);
  expect(readOnly.body.message).toMatch(/read it, not change it/);
  expect((await client('lee', ['leads'], 'open').lock('posts/mill.pst')).status).toBe(201);

  const operator = client('opal', ['operators'], 'open');
  for (const response of [await operator.locks(), await operator.lock('programs/p2.nc')])
    expect(response).toMatchObject({ status: 403, body: { message: expect.stringMatching(/operators/) } });
  expect((await server.inGroups('opal', ['operators']).get('/locks')).body.locks).not.toContainEqual(
    expect.objectContaining({ lfsRepo: 'open' }),
  );
});

describe('bad input: the right status, an LFS JSON error body, nothing changed', () => {
  let held: any;
  const repo = 'refusals';
  beforeAll(async () => {
    held = (await lfsAs('ana', repo).lock('kept.bin')).body.lock;
  });

  const expectRefused = async (
    response: { status: number; body: any; headers: Headers },
    status: number,
    message: RegExp,
  ) => {
    expect({ status: response.status, body: response.body }).toEqual({
      status,
      body: { message: expect.stringMatching(message) },
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/vnd\.git-lfs\+json/);
    // Nothing changed: the one lock of the repository is still there, and nothing else is.
    expect((await lfsAs('observer', repo).locks()).body.locks).toEqual([held]);
  };

  test.each([
    ['no credentials', null, /credentials are required/],
    ['a bad Basic password', { basic: 'not-a-token' }, /malformed token/],
    [
      'a badly signed Bearer token',
      { bearer: `${'x'.repeat(20)}.e30.sig` },
      /token must be signed|signature/,
    ],
    ['Basic without a password', { basic: '' }, /password/],
  ] as const)(
    '%s: 401 with LFS-Authenticate, so that Git asks its credential helper',
    async (_, auth, message) => {
      const client = new LfsClient(server.url, repo, auth);
      for (const response of [
        await client.lock('new.bin'),
        await client.locks(),
        await client.unlock(held.id, true),
      ]) {
        expect(response.headers.get('lfs-authenticate')).toBe('Basic realm="camvault"');
        await expectRefused(response, 401, message);
      }
    },
  );

  test('a known caller who may not is 403 without LFS-Authenticate (a 401 would make git-lfs ask again forever)', async () => {
    const operator = new LfsClient(server.url, repo, {
      basic: server.inGroups('opal', ['operators']).token as string,
    });
    const response = await operator.lock('new.bin');
    expect(response.headers.get('lfs-authenticate')).toBeNull();
    await expectRefused(response, 403, /operators/);
  });

  test('media types: an Accept without ours is 406, a body of another type 415', async () => {
    const ana = lfsAs('ana', repo);
    await expectRefused(
      await ana.request('GET', '/locks', { headers: { accept: 'text/html' } }),
      406,
      /Accept/,
    );
    await expectRefused(
      await ana.request('POST', '/locks', {
        rawBody: '{"path":"new.bin"}',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      /vnd\.git-lfs\+json/,
    );
  });

  test.each([
    ['malformed JSON', '{"path": "new.bin"', 400, /not valid JSON/],
    ['a body that is not an object', '["new.bin"]', 422, /request body/],
    ['no path', '{"ref": {"name": "refs/heads/main"}}', 422, /path/],
    ['a .. segment', '{"path": "a/../kept.bin"}', 422, /\.\. segment/],
    ['a . segment', '{"path": "./kept.bin"}', 422, /\.\. segment/],
    ['a leading slash', '{"path": "/kept.bin"}', 422, /empty segment/],
    ['a backslash', '{"path": "a\\\\kept.bin"}', 422, /backslash/],
    ['a control character', '{"path": "a\\u0000.bin"}', 422, /control/],
    ['a path over 512 bytes', JSON.stringify({ path: `${'é'.repeat(257)}.bin` }), 422, /512/],
  ])('POST /locks with %s', async (_, rawBody, status, message) => {
    await expectRefused(await lfsAs('bob', repo).request('POST', '/locks', { rawBody }), status, message);
  });

  test.each([
    ['an unknown id', () => '9b6e1f3c-0000-4000-8000-000000000000', {}, 404, /no lock/],
    ["another user's lock without force", () => held.id, {}, 403, /locked by ana/],
    ['force that is not a boolean', () => held.id, { force: 'yes' }, 422, /force/],
  ])('unlock of %s', async (_, id, body, status, message) => {
    const response = await lfsAs('bob', repo).request('POST', `/locks/${id()}/unlock`, { json: body });
    await expectRefused(response, status, message);
  });

  test('a repository with a .. segment, sent as it is (a URL parser would resolve it): 422', async () => {
    const { port } = new URL(server.url);
    const response = await new Promise<{ status: number; body: any; headers: Headers }>((resolve, reject) => {
      const sent = request(
        {
          host: '127.0.0.1',
          port,
          path: `/lfs/other/../${repo}/locks`,
          headers: { ...authorization({ basic: server.tokenFor('bob') }), accept: LFS_TYPE },
        },
        (reply) => {
          let text = '';
          reply.on('data', (chunk) => {
            text += chunk;
          });
          reply.on('end', () =>
            resolve({
              status: reply.statusCode ?? 0,
              body: JSON.parse(text),
              headers: new Headers(reply.headers as Record<string, string>),
            }),
          );
        },
      );
      sent.on('error', reject);
      sent.end();
    });
    await expectRefused(response, 422, /repository/);
  });

  test.each([
    ['a repository with a character outside A-Z a-z 0-9 . _ -', 'caf%C3%A9', '/locks', 422, /repository/],
    ['an endpoint LFS has not', repo, '/objects', 404, /no Git LFS endpoint/],
    ['a limit that is not a number', repo, '/locks?limit=ten', 422, /limit/],
    ['a cursor the server did not issue', repo, '/locks?cursor=bm9wZQ', 422, /cursor/],
  ])('GET with %s', async (_, repoPath, endpoint, status, message) => {
    const response = await new LfsClient(server.url, repoPath, { basic: server.tokenFor('bob') }).request(
      'GET',
      endpoint,
    );
    await expectRefused(response, status, message);
  });
});
