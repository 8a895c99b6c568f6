import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeName, sha256Hex, startTestServer, type TestServer } from '../support/http';
import { subscribeQueue } from '../support/queues';

const checkpointFile = () => join(mkdtempSync(join(tmpdir(), 'camvault-stream-')), 'checkpoint.json');

describe('events of committed changes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { notifications: { checkpointFile: checkpointFile() } });
  });
  afterAll(() => server.close());

  test('a queue on the topic hears every change of a file, in order, with the contract fields', async () => {
    const queue = await subscribeQueue(server.topicArn as string);
    const name = 'events/Plate A.mcam';
    const alice = server.as('alice');
    const v1 = Buffer.from('v1');
    const v2 = Buffer.from('v2 bytes');
    await alice.commit(name, v1, 'first');
    const lock = (await alice.checkout(name, 'new roughing toolpath')).body.lock;
    await alice.commit(name, v2, 'roughing done');
    const undoLock = (await alice.checkout(name, 'second thoughts')).body.lock;
    await alice.release(name);
    const bobLock = (await server.as('bob').checkout(name, 'urgent')).body.lock;
    await server.as('boss', { admin: true }).release(name, true);
    const lastLock = (await alice.checkout(name)).body.lock;
    await alice.checkin(name, { message: 'nothing to change' });
    const { fileId } = (await alice.get(`/files/${encodeName(name)}`)).body;

    const events = await queue.receive(9);
    expect(events.map(({ body }) => body.type)).toEqual([
      'FileCheckedIn',
      'FileCheckedOut',
      'FileCheckedIn',
      'FileCheckedOut',
      'LockReleased',
      'FileCheckedOut',
      'LockBroken',
      'FileCheckedOut',
      'FileCheckedIn',
    ]);
    const bodies = events.map(({ body }) => body);
    expect(bodies[0]).toEqual({
      type: 'FileCheckedIn',
      eventId: expect.any(String),
      at: expect.any(String),
      name,
      user: 'alice',
      lockId: null,
      version: 1,
      sha256: sha256Hex(v1),
      sizeBytes: v1.length,
      message: 'first',
      fileId,
    });
    expect(bodies[1]).toEqual({
      type: 'FileCheckedOut',
      eventId: expect.any(String),
      at: lock.acquiredAt,
      name,
      user: 'alice',
      lockId: lock.lockId,
      message: 'new roughing toolpath',
      fileId,
    });
    expect(bodies[2]).toMatchObject({
      version: 2,
      lockId: lock.lockId,
      sha256: sha256Hex(v2),
      sizeBytes: v2.length,
      message: 'roughing done',
    });
    expect(bodies[4]).toEqual({
      type: 'LockReleased',
      eventId: expect.any(String),
      at: expect.any(String),
      name,
      user: 'alice',
      lockId: undoLock.lockId,
      fileId,
    });
    expect(bodies[6]).toEqual({
      type: 'LockBroken',
      eventId: expect.any(String),
      at: expect.any(String),
      name,
      user: 'boss',
      previousOwner: 'bob',
      lockId: bobLock.lockId,
      fileId,
    });
    expect(bodies[8]).toMatchObject({
      version: null,
      lockId: lastLock.lockId,
      sha256: sha256Hex(v2),
      message: 'nothing to change',
    });
    expect(new Set(bodies.map((body) => body.eventId)).size).toBe(9);
    for (const { body, attributes } of events) {
      expect(attributes).toEqual({
        type: body.type,
        name: body.name,
        user: body.user,
        fileId,
        folder: 'events/',
      });
      expect(Number.isNaN(Date.parse(body.at))).toBe(false);
    }
    // Each event is its audit entry, read back: same id, same time, same body.
    const { entries } = (await alice.get(`/audit?name=${encodeURIComponent(name)}`)).body;
    expect(
      [...entries]
        .reverse()
        .map(({ entryId, type, at, details }: any) => ({ type, eventId: entryId, at, ...details })),
    ).toEqual(bodies);
  });

  test('moves, deletes and restores are told too, with their bodies; a root file has no folder attribute', async () => {
    const queue = await subscribeQueue(server.topicArn as string, {
      fileId: [{ exists: true }],
      user: ['erin'],
    });
    const erin = server.as('erin');
    await erin.commit('life/Old.mcam', Buffer.from('life'));
    await erin.checkout('life/Old.mcam');
    const moved = await erin.request('POST', '/move/life/Old.mcam', {
      json: { to: 'Top.mcam', message: 'to the top' },
    });
    expect(moved.status).toBe(200);
    const fileId = moved.body.file.fileId;
    expect(
      (await erin.request('DELETE', '/files/Top.mcam', { json: { message: 'done with it' } })).status,
    ).toBe(200);
    expect(
      (await erin.request('POST', `/restore/${fileId}`, { json: { as: 'life/Back.mcam' } })).status,
    ).toBe(200);

    const events = await queue.receive(5);
    const at = expect.any(String);
    const eventId = expect.any(String);
    expect(events.map(({ body }) => body)).toEqual([
      expect.objectContaining({ type: 'FileCheckedIn', fileId }),
      expect.objectContaining({ type: 'FileCheckedOut', fileId }),
      {
        type: 'FileMoved',
        eventId,
        at,
        name: 'Top.mcam',
        from: 'life/Old.mcam',
        user: 'erin',
        message: 'to the top',
        fileId,
      },
      {
        type: 'FileDeleted',
        eventId,
        at,
        name: 'Top.mcam',
        user: 'erin',
        version: 1,
        message: 'done with it',
        fileId,
      },
      { type: 'FileRestored', eventId, at, name: 'life/Back.mcam', user: 'erin', version: 1, fileId },
    ]);
    expect(events.map(({ attributes }) => attributes.folder)).toEqual([
      'life/',
      'life/',
      undefined,
      undefined,
      'life/',
    ]);
  });

  test('filter policies on name prefix and on user receive only their events', async () => {
    const byPrefix = await subscribeQueue(server.topicArn as string, { name: [{ prefix: 'watched/' }] });
    const byUser = await subscribeQueue(server.topicArn as string, { user: ['carol'] });
    const dave = server.as('dave');
    const carol = server.as('carol');
    await dave.commit('watched/a.mcam', Buffer.from('a'));
    await dave.commit('elsewhere/b.mcam', Buffer.from('b'));
    await carol.checkout('elsewhere/b.mcam');

    const watched = await byPrefix.receive(1);
    expect(watched.map(({ body }) => [body.type, body.name])).toEqual([['FileCheckedIn', 'watched/a.mcam']]);
    const carols = await byUser.receive(1);
    expect(carols.map(({ body }) => [body.type, body.user])).toEqual([['FileCheckedOut', 'carol']]);
  });

  test('a check-in whose commit failed publishes nothing', async () => {
    const name = 'events/refused.mcam';
    const queue = await subscribeQueue(server.topicArn as string, { name: [name] });
    const alice = server.as('alice');
    await alice.commit(name, Buffer.from('v1'));
    await alice.checkout(name);
    const wrongBytes = await alice.upload(name, Buffer.from('declared'), Buffer.from('DECLARED'));
    expect((await alice.checkin(name, { uploadId: wrongBytes })).status).toBe(412);
    const stale = await alice.upload(name, Buffer.from('stale'));
    await server.as('boss', { admin: true }).release(name, true);
    expect((await alice.checkin(name, { uploadId: stale })).status).toBe(409);

    const events = await queue.receive(3);
    expect(events.map(({ body }) => [body.type, body.version])).toEqual([
      ['FileCheckedIn', 1],
      ['FileCheckedOut', undefined],
      ['LockBroken', undefined],
    ]);
  });

  test('removing the last folder rule is told, and so is every change after it', async () => {
    // The rule book is then an empty map, which DynamoDB Local's stream writes as `{}`, not {"M":{}}.
    const queue = await subscribeQueue(server.topicArn as string, { user: ['rosa'] });
    const rosa = server.as('rosa', { admin: true });
    const rule = { read: ['leads'], write: ['leads'] };
    expect((await rosa.request('PUT', '/rules/events-rules/', { json: rule })).status).toBe(200);
    expect((await rosa.request('DELETE', '/rules/events-rules/')).status).toBe(200);
    await rosa.commit('events-rules/after.mcam', Buffer.from('after'));

    const events = await queue.receive(3);
    expect(events.map(({ body }) => body)).toEqual([
      expect.objectContaining({ type: 'RuleChanged', prefix: 'events-rules/', ...rule }),
      expect.objectContaining({ type: 'RuleChanged', prefix: 'events-rules/', read: null, write: null }),
      expect.objectContaining({ type: 'FileCheckedIn', name: 'events-rules/after.mcam', version: 1 }),
    ]);
  });
});
