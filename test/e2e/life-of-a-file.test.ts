import { startTestServer, type TestServer } from '../support/http';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

test('the whole life of a file between two programmers', async () => {
  const alice = server.as('alice');
  const bob = server.as('bob');
  const name = 'fixtures/Plate A.mcam';
  const v1 = Buffer.from('roughing toolpath, first cut');
  const v2 = Buffer.from('roughing toolpath, finishing pass added');

  const added = await alice.commit(name, v1, 'first version');
  expect(added.status).toBe(200);
  expect(added.body.version).toMatchObject({
    name,
    version: 1,
    sizeBytes: v1.length,
    user: 'alice',
    message: 'first version',
  });
  expect(added.body.file).toMatchObject({ name, version: 1, status: 'available', lock: null });

  const listed = await bob.get('/files');
  expect(listed.status).toBe(200);
  expect(listed.body.files.map((file: { name: string }) => file.name)).toEqual([name]);

  const checkout = await alice.checkout(name, 'new roughing toolpath');
  expect(checkout.status).toBe(201);
  expect(checkout.body.lock).toMatchObject({
    name,
    user: 'alice',
    message: 'new roughing toolpath',
    expiresAt: null,
  });
  expect(checkout.body.file.status).toBe('checked_out');

  const refused = await bob.checkout(name, 'me too');
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('LOCKED');
  expect(refused.body.error.message).toContain('alice');
  expect(refused.body.error.lock).toEqual(checkout.body.lock);

  const checkedIn = await alice.commit(name, v2, 'finishing pass');
  expect(checkedIn.status).toBe(200);
  expect(checkedIn.body.version).toMatchObject({ version: 2, user: 'alice', message: 'finishing pass' });
  expect(checkedIn.body.file).toMatchObject({
    version: 2,
    status: 'available',
    lock: null,
    modifiedBy: 'alice',
  });

  const history = await bob.get(`/versions/fixtures/Plate%20A.mcam`);
  expect(history.status).toBe(200);
  expect(history.body.versions.map((version: { version: number }) => version.version)).toEqual([2, 1]);

  expect(await bob.downloadBytes(name, 1)).toEqual(v1);
  expect(await bob.downloadBytes(name, 2)).toEqual(v2);
  expect(await bob.downloadBytes(name)).toEqual(v2);

  expect((await bob.checkout(name)).status).toBe(201);
});
