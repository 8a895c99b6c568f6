/**
 * The Git LFS Batch API over HTTP: objects by their SHA-256, through presigned URLs bound to their
 * length and digest, kept with the vault's own bytes, verified like them; bad batches refused whole.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex, startTestServer, type TestServer } from '../support/http';
import { LfsClient } from '../support/lfs';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const lfsAs = (user: string, repo = 'cam') =>
  new LfsClient(server.url, repo, { basic: server.tokenFor(user) });
const objectOf = (bytes: Buffer) => ({ oid: sha256Hex(bytes), size: bytes.length });

/** The PUT and the verify POST git-lfs makes for an upload action, with exactly the headers given. */
const send = async (object: any, bytes: Buffer) => {
  const { upload, verify } = object.actions;
  const put = await fetch(upload.href, { method: 'PUT', headers: upload.header, body: bytes });
  const verified = await fetch(verify.href, {
    method: 'POST',
    headers: {
      ...verify.header,
      accept: 'application/vnd.git-lfs+json',
      'content-type': 'application/vnd.git-lfs+json',
    },
    body: JSON.stringify({ oid: object.oid, size: object.size }),
  });
  return { put: put.status, verify: verified.status, verifyBody: (await verified.json()) as any };
};

test('upload, verify, then the object is stored (no actions) and downloads byte for byte', async () => {
  const bytes = randomBytes(3000);
  const object = objectOf(bytes);
  // One token for the request and the expectation: two minted a second apart would differ.
  const token = server.tokenFor('ana');
  const ana = new LfsClient(server.url, 'cam', { basic: token });
  const batch = await ana.batch('upload', [object]);
  expect(batch.status).toBe(200);
  expect(batch.headers.get('content-type')).toMatch(/^application\/vnd\.git-lfs\+json/);
  expect(batch.body).toEqual({
    transfer: 'basic',
    hash_algo: 'sha256',
    objects: [
      {
        ...object,
        authenticated: true,
        actions: {
          upload: {
            href: expect.stringMatching(new RegExp(`/uploads/lfs-${object.oid}/`)),
            header: { 'x-amz-checksum-sha256': Buffer.from(object.oid, 'hex').toString('base64') },
            expires_at: expect.any(String),
            expires_in: expect.any(Number),
          },
          verify: {
            href: `${server.url}/lfs/cam/objects/verify`,
            header: {
              Authorization: `Basic ${Buffer.from(`git:${token}`).toString('base64')}`,
            },
            expires_at: expect.any(String),
            expires_in: expect.any(Number),
          },
        },
      },
    ],
  });
  const [answer] = batch.body.objects;
  // Verified before the bytes are there: not uploaded.
  const early = await fetch(answer.actions.verify.href, {
    method: 'POST',
    headers: { ...answer.actions.verify.header, 'content-type': 'application/vnd.git-lfs+json' },
    body: JSON.stringify(object),
  });
  expect(early.status).toBe(404);
  expect(await send(answer, bytes)).toEqual({ put: 200, verify: 200, verifyBody: {} });

  expect((await lfsAs('bob').batch('upload', [object])).body.objects).toEqual([object]);
  const download = await lfsAs('bob').batch('download', [object]);
  const action = download.body.objects[0].actions.download;
  expect(action).toEqual({
    href: expect.any(String),
    header: {},
    expires_at: expect.any(String),
    expires_in: expect.any(Number),
  });
  expect(Buffer.from(await (await fetch(action.href)).arrayBuffer()).equals(bytes)).toBe(true);
});

test("an object with a vault version's bytes is that version's stored bytes, both ways", async () => {
  const bytes = Buffer.from('a program checked in to the vault');
  expect((await server.as('ana').commit('shared/prog.mcam', bytes)).status).toBe(200);
  const object = objectOf(bytes);
  expect((await lfsAs('bob').batch('upload', [object])).body.objects).toEqual([object]);
  const download = (await lfsAs('bob').batch('download', [object])).body.objects[0];
  expect(Buffer.from(await (await fetch(download.actions.download.href)).arrayBuffer()).equals(bytes)).toBe(
    true,
  );

  // The other way: pushed with Git LFS, then checked in to the vault, which verifies them as its own.
  const pushed = randomBytes(500);
  const answer = (await lfsAs('ana').batch('upload', [objectOf(pushed)])).body.objects[0];
  expect(await send(answer, pushed)).toMatchObject({ put: 200, verify: 200 });
  // A check-in still sends its bytes (staged, verified, then placed in the blob they share).
  expect((await server.as('ana').commit('shared/from-git.mcam', pushed)).status).toBe(200);
  expect((await server.as('bob').downloadBytes('shared/from-git.mcam')).equals(pushed)).toBe(true);
});

test("a download of an object nobody uploaded is that object's 404, beside the others", async () => {
  const stored = randomBytes(100);
  const answer = (await lfsAs('ana').batch('upload', [objectOf(stored)])).body.objects[0];
  await send(answer, stored);
  const missing = objectOf(randomBytes(100));
  const batch = await lfsAs('ana').batch('download', [missing, objectOf(stored)]);
  expect(batch.status).toBe(200);
  expect(batch.body.objects[0]).toEqual({
    ...missing,
    error: { code: 404, message: expect.stringMatching(/does not exist/) },
  });
  expect(batch.body.objects[1].actions.download.href).toEqual(expect.any(String));
});

test('storage holding other bytes under an oid fails the verify action (the emulator stores what it is sent)', async () => {
  // s3rver does not check x-amz-checksum-sha256 (real S3 answers BadDigest): the verify action must.
  const bytes = randomBytes(64);
  const answer = (await lfsAs('ana').batch('upload', [objectOf(bytes)])).body.objects[0];
  const result = await send(answer, randomBytes(64));
  expect(result).toMatchObject({ put: 200, verify: 412 });
  expect(result.verifyBody.message).toMatch(/do not have that SHA-256/);
});

test('roles and folder rules: operators may not, a read-only repository downloads but takes no uploads', async () => {
  const boss = server.inGroups('boss', ['admins']);
  expect(
    (await boss.request('PUT', '/rules/lfs/released/', { json: { read: ['*'], write: ['leads'] } })).status,
  ).toBe(200);
  const bytes = randomBytes(10);
  const lead = new LfsClient(server.url, 'released', {
    basic: server.inGroups('lee', ['leads']).token as string,
  });
  await send((await lead.batch('upload', [objectOf(bytes)])).body.objects[0], bytes);
  const programmer = lfsAs('pia', 'released');
  const refused = await programmer.batch('upload', [objectOf(randomBytes(10))]);
  expect(refused).toMatchObject({
    status: 403,
    body: { message: expect.stringMatching(/read it, not change it/) },
  });
  expect(
    (await programmer.batch('download', [objectOf(bytes)])).body.objects[0].actions.download,
  ).toBeDefined();
  const operator = new LfsClient(server.url, 'cam', {
    basic: server.inGroups('opal', ['operators']).token as string,
  });
  expect((await operator.batch('download', [objectOf(bytes)])).status).toBe(403);
});

describe('bad batches: refused whole with an LFS error body, and nothing is signed', () => {
  const good = objectOf(Buffer.from('good'));
  test.each([
    [
      'an oid that is not 64 lowercase hex digits',
      { operation: 'upload', objects: [{ oid: good.oid.toUpperCase(), size: 4 }] },
      422,
      /oid/,
    ],
    ['a short oid', { operation: 'upload', objects: [{ oid: 'abc', size: 4 }] }, 422, /oid/],
    ['a negative size', { operation: 'upload', objects: [{ ...good, size: -1 }] }, 422, /size/],
    ['a fractional size', { operation: 'download', objects: [{ ...good, size: 1.5 }] }, 422, /size/],
    ['a size that is a string', { operation: 'download', objects: [{ ...good, size: '4' }] }, 422, /size/],
    ['an unknown operation', { operation: 'delete', objects: [good] }, 422, /operation/],
    ['no objects array', { operation: 'upload' }, 422, /objects/],
    ['no basic transfer', { operation: 'upload', transfers: ['tus'], objects: [good] }, 422, /basic/],
  ])('%s', async (_, json, status, message) => {
    const response = await lfsAs('ana').request('POST', '/objects/batch', { json });
    expect({ status: response.status, body: response.body }).toEqual({
      status,
      body: { message: expect.stringMatching(message) },
    });
    // Nothing was signed: the good object is still not stored, and gets an upload action when asked.
    expect((await lfsAs('ana').batch('upload', [good])).body.objects[0].actions.upload).toBeDefined();
  });

  test('malformed JSON is 400, a body over 64 KiB 413, another hash algorithm 409 for each object', async () => {
    const ana = lfsAs('ana');
    expect((await ana.request('POST', '/objects/batch', { rawBody: '{"operation":' })).status).toBe(400);
    const many = Array.from({ length: 800 }, () => objectOf(randomBytes(8)));
    const tooLarge = await ana.request('POST', '/objects/batch', {
      json: { operation: 'upload', objects: many },
    });
    expect(tooLarge).toMatchObject({ status: 413, body: { message: expect.stringMatching(/64|65536/) } });
    const other = await ana.request('POST', '/objects/batch', {
      json: { operation: 'upload', objects: [good], hash_algo: 'sha512' },
    });
    expect(other.body.objects).toEqual([
      { ...good, error: { code: 409, message: expect.stringMatching(/sha256/) } },
    ]);
  });

  test('a verify of a bad oid is 422', async () => {
    const response = await lfsAs('ana').request('POST', '/objects/verify', { json: { oid: 'x', size: 1 } });
    expect(response).toMatchObject({ status: 422, body: { message: expect.stringMatching(/oid/) } });
  });
});
