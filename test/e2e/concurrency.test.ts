import { type ApiClient, encodeName, sha256Hex, startTestServer, type TestServer } from '../support/http';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

test('200 users checking out one file at once: exactly one wins, the others are told who', async () => {
  const name = 'race/one-winner.mcam';
  expect((await server.as('owner').commit(name, Buffer.from('v1'))).status).toBe(200);

  const users = Array.from({ length: 200 }, (_, i) => `racer${i}`);
  const results = await Promise.all(
    users.map((user) => server.as(user).checkout(name, `mine, says ${user}`)),
  );

  const winners = results.filter((result) => result.status === 201);
  expect(winners).toHaveLength(1);
  const winner = winners[0]?.body.lock.user;
  const losers = results.filter((result) => result.status !== 201);
  expect(losers).toHaveLength(199);
  for (const loser of losers) {
    expect(loser.status).toBe(409);
    expect(loser.body.error.code).toBe('LOCKED');
    expect(loser.body.error.lock.user).toBe(winner);
  }
  const file = await server.as('observer').get(`/files/${encodeName(name)}`);
  expect(file.body.lock.user).toBe(winner);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Check out (waiting while others hold the lock), upload, check in: one version. */
const commitOneVersion = async (client: ApiClient, name: string, bytes: Buffer): Promise<number> => {
  for (;;) {
    const checkout = await client.checkout(name, 'loop');
    if (checkout.status === 201) break;
    expect(checkout.status).toBe(409);
    // Back off so that twenty pollers do not starve the one holder of the lock on two cores.
    await sleep(10 + Math.random() * 40);
  }
  const checkin = await client.commit(name, bytes, sha256Hex(bytes));
  // A refusal says why.
  if (checkin.status !== 200) throw new Error(`check-in: ${checkin.status} ${JSON.stringify(checkin.body)}`);
  expect(checkin.body.file.lock).toBeNull();
  return checkin.body.version.version;
};

test('20 users looping checkout, upload, check-in on one file: versions 1..N, no gap, no duplicate, bytes intact', async () => {
  const name = 'race/many-versions.mcam';
  const rounds = 2;
  const initial = Buffer.from('version one');
  expect((await server.as('seed').commit(name, initial)).status).toBe(200);

  const committed = new Map<number, Buffer>([[1, initial]]);
  await Promise.all(
    Array.from({ length: 20 }, async (_, userIndex) => {
      const client = server.as(`looper${userIndex}`);
      for (let round = 0; round < rounds; round++) {
        const bytes = Buffer.from(`looper${userIndex} round ${round} ${'x'.repeat(userIndex * 100)}`);
        const version = await commitOneVersion(client, name, bytes);
        expect(committed.has(version)).toBe(false);
        committed.set(version, bytes);
      }
    }),
  );

  const total = 1 + 20 * rounds;
  const reader = server.as('auditor');
  const history = await reader.get(`/versions/${encodeName(name)}?limit=1000`);
  expect(history.body.versions.map((v: { version: number }) => v.version)).toEqual(
    Array.from({ length: total }, (_, i) => total - i),
  );
  for (const version of history.body.versions) {
    const expected = committed.get(version.version) as Buffer;
    expect(version.sha256).toBe(sha256Hex(expected));
    expect(await reader.downloadBytes(name, version.version)).toEqual(expected);
  }
  const file = await reader.get(`/files/${encodeName(name)}`);
  expect(file.body).toMatchObject({ version: total, status: 'available' });
}, 240_000);
