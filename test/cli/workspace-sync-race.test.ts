/**
 * `camvault sync` asks for each file's latest version, not the one its listing named: a version
 * checked in between the listing and the download is the one placed, verified, and recorded, so the
 * workspace is up to date afterwards rather than holding bytes it believes are older.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeName, startTestServer, type TestServer } from '../support/http';
import { type CliUser, isReadOnly, loggedInUser, removeUsers } from './support';

const NAME = 'race/Plate A.mcam';
let server: TestServer;
let erin: CliUser;
let front: Server;

afterAll(async () => {
  front?.close();
  await removeUsers([erin]);
  await server.close();
});

/** The vault, but the first download link of NAME is answered only after carol checked in version 2. */
const frontCheckingInFirst = async (checkIn: () => Promise<void>) => {
  let checkedIn = false;
  front = createServer((request, response) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const path = request.url ?? '/';
      if (!checkedIn && path.split('?')[0] === `/download/${encodeName(NAME)}`) {
        checkedIn = true;
        await checkIn();
      }
      const answer = await fetch(`${server.url}${path}`, {
        method: request.method,
        headers: { authorization: request.headers.authorization ?? '', 'content-type': 'application/json' },
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(await answer.text());
    })().catch((error: Error) => {
      response.writeHead(502);
      response.end(error.message);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
};

test('a version checked in between the listing and the download is the one sync places and records', async () => {
  server = await startTestServer();
  erin = await loggedInUser(server, 'erin');
  const carol = server.as('carol');
  expect((await carol.commit(NAME, randomBytes(3000))).status).toBe(200);
  expect((await erin.run(['init'])).code).toBe(0);

  const second = randomBytes(4000);
  const url = await frontCheckingInFirst(async () => {
    expect((await carol.checkout(NAME, 'quick fix')).status).toBe(201);
    expect((await carol.commit(NAME, second)).status).toBe(200);
  });
  const synced = await erin.run(['sync', '--json'], { env: { CAMVAULT_URL: url } });
  expect({ code: synced.code, stderr: synced.stderr }).toEqual({ code: 0, stderr: '' });
  expect(JSON.parse(synced.stdout).downloaded).toEqual([NAME]);

  expect((await readFile(erin.path(NAME))).equals(second)).toBe(true);
  expect(await isReadOnly(erin.path(NAME))).toBe(true);
  // Recorded as version 2 with its digest: nothing to do, nothing taken for a local change.
  expect((await erin.json<{ entries: unknown[] }>(['status'])).entries).toEqual([]);
  expect((await erin.json<{ downloaded: string[] }>(['sync'])).downloaded).toEqual([]);
});
