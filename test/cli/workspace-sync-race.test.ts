/**
 * `camvault sync` asks for each file's latest version, not the one its listing named: a version
 * checked in between the listing and the download is the one placed, verified, and recorded, so the
 * workspace is up to date afterwards rather than holding bytes it believes are older.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { encodeName, startTestServer, type TestServer } from '../support/http';
import { type CliUser, isReadOnly, loggedInUser, removeUsers, startStallingProxy } from './support';

const NAME = 'race/Plate A.mcam';
let server: TestServer;
let erin: CliUser;

afterAll(async () => {
  await removeUsers([erin]);
  await server.close();
});

test('a version checked in between the listing and the download is the one sync places and records', async () => {
  server = await startTestServer();
  erin = await loggedInUser(server, 'erin');
  const carol = server.as('carol');
  expect((await carol.commit(NAME, randomBytes(3000))).status).toBe(200);
  expect((await erin.run(['init'])).code).toBe(0);

  // Every download goes through; the first link of NAME is asked only after carol checked in version 2.
  const second = randomBytes(4000);
  let checkedIn = false;
  const front = await startStallingProxy(server.url, {
    passes: () => true,
    beforeForwarding: async (path) => {
      if (checkedIn || path.split('?')[0] !== `/download/${encodeName(NAME)}`) return;
      checkedIn = true;
      expect((await carol.checkout(NAME, 'quick fix')).status).toBe(201);
      expect((await carol.commit(NAME, second)).status).toBe(200);
    },
  });
  try {
    const synced = await erin.run(['sync', '--json'], { env: { CAMVAULT_URL: front.url } });
    expect({ code: synced.code, stderr: synced.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(synced.stdout).downloaded).toEqual([NAME]);
  } finally {
    await front.close();
  }
  expect(checkedIn).toBe(true);

  expect((await readFile(erin.path(NAME))).equals(second)).toBe(true);
  expect(await isReadOnly(erin.path(NAME))).toBe(true);
  // Recorded as version 2 with its digest: nothing to do, nothing taken for a local change.
  expect((await erin.json<{ entries: unknown[] }>(['status'])).entries).toEqual([]);
  expect((await erin.json<{ downloaded: string[] }>(['sync'])).downloaded).toEqual([]);
});
