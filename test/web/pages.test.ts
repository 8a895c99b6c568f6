/**
 * What the local server adds for the web page (outside the contract): the page and its assets at `/`,
 * config.json in local mode, dev tokens for pages on this machine only; and the emulator's bucket CORS
 * that lets such a page PUT and GET blobs straight from storage.
 */
import { request as httpRequest } from 'node:http';
import { isLocalRequest, webPages } from '#infra/local/web-pages';
import { ApiClient, startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/http';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({}, { extraPages: webPages({ jwtSecret: TEST_JWT_SECRET }) });
});

afterAll(async () => {
  await server?.close();
});

/** A GET with any Host header (fetch will not send a forged one). */
const rawGet = (url: string, headers: Record<string, string>) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest(url, { headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });

describe('the page under npm start', () => {
  test('/ is the page, with its script and style from this origin only', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('<script type="module" src="app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="app.css">');
    for (const [path, type] of [
      ['/app.js', 'text/javascript; charset=utf-8'],
      ['/app.css', 'text/css; charset=utf-8'],
      // A module worker's script must be JavaScript by its content type.
      ['/hash-worker.js', 'text/javascript; charset=utf-8'],
      ['/index.html', 'text/html; charset=utf-8'],
    ]) {
      const asset = await fetch(`${server.url}${path}`);
      expect({ path, status: asset.status, type: asset.headers.get('content-type') }).toEqual({
        path,
        status: 200,
        type,
      });
    }
  });

  test('config.json tells the page it is local: the API is this origin, sign-in is the dev token', async () => {
    const response = await fetch(`${server.url}/config.json`);
    expect(await response.json()).toEqual({
      mode: 'local',
      apiUrl: '',
      pollSeconds: 5,
      notificationsPollSeconds: 30,
    });
  });

  test('the contract is untouched: an unknown path is still the gateway’s 404', async () => {
    const response = await server.anonymous().get('/app.mjs');
    expect(response.status).toBe(404);
  });
});

describe('GET /dev/token', () => {
  test('hands a page on this machine a token the API accepts, as an admin when asked', async () => {
    const response = await fetch(`${server.url}/dev/token?user=prog1`);
    expect(response.status).toBe(200);
    const { token, user, admin, groups } = (await response.json()) as any;
    expect({ user, admin, groups }).toEqual({ user: 'prog1', admin: false, groups: [] });
    expect((await new ApiClient(server.url, token).get('/locks')).status).toBe(200);

    const lead = (await (await fetch(`${server.url}/dev/token?user=lead&admin=true`)).json()) as any;
    const claims = JSON.parse(Buffer.from(lead.token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ username: 'lead', 'cognito:groups': ['admins'] });
    expect(claims.exp - claims.iat).toBe(12 * 3600);
  });

  test('gives the token the groups asked for, so that one can try a lead or an operator locally', async () => {
    const response = await fetch(
      `${server.url}/dev/token?user=floor1&groups=${encodeURIComponent('operators, acme')}`,
    );
    const { token, groups } = (await response.json()) as any;
    expect(groups).toEqual(['operators', 'acme']);
    const me = await new ApiClient(server.url, token).get('/me');
    expect(me.body).toEqual({ user: 'floor1', role: 'operators', groups: ['operators', 'acme'] });
  });

  test('refuses a group that is not a group name', async () => {
    const response = await rawGet(
      `${server.url}/dev/token?user=prog1&groups=${encodeURIComponent('leads,a b')}`,
      {},
    );
    expect(response.status).toBe(400);
    expect(response.body).toContain('not a group name');
  });

  test.each([
    ['a foreign Host (DNS rebinding)', { host: 'attacker.example:3000' }],
    ['a loopback name under another domain', { host: '127.0.0.1.nip.io' }],
    ['a foreign Origin', { origin: 'https://attacker.example' }],
  ])('refuses a request with %s, and hands out no token', async (_, headers) => {
    const response = await rawGet(`${server.url}/dev/token?user=prog1`, headers);
    expect(response.status).toBe(403);
    expect(response.body).not.toMatch(/eyJ/);
  });

  test('refuses a name that is not a user name', async () => {
    const response = await rawGet(`${server.url}/dev/token?user=${encodeURIComponent('a b<script>')}`, {});
    expect(response.status).toBe(400);
    expect(response.body).not.toMatch(/eyJ/);
  });

  test.each([
    ['127.0.0.1', 'localhost:3000', undefined, true],
    ['::1', '127.0.0.1:3000', undefined, true],
    ['::ffff:127.0.0.1', '[::1]:3000', 'http://[::1]:3000', true],
    ['127.0.0.1', 'LOCALHOST:3000', undefined, true],
    ['192.168.1.20', 'localhost:3000', undefined, false],
    ['::ffff:10.0.0.5', '127.0.0.1:3000', undefined, false],
    ['127.0.0.1', 'vault.example.com', undefined, false],
    ['127.0.0.1', undefined, undefined, false],
    ['127.0.0.1', 'localhost:3000', 'http://localhost.attacker.example', false],
  ])('from %s with Host %s and Origin %s: local is %s', (remoteAddress, host, origin, expected) => {
    const headers: Record<string, string> = {};
    if (host) headers.host = host;
    if (origin) headers.origin = origin;
    expect(isLocalRequest({ socket: { remoteAddress }, headers } as any)).toBe(expected);
  });
});

describe('the S3 emulator’s bucket CORS', () => {
  const preflight = async (origin: string) => {
    const client = server.as('prog1');
    const staged = await client.stage('cors/probe.mcam', Buffer.from('probe'));
    expect(staged.status).toBe(201);
    return fetch(staged.body.url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'x-amz-checksum-sha256',
      },
    });
  };

  test('lets a page on this machine PUT with the checksum header', async () => {
    const response = await preflight(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(response.headers.get('access-control-allow-headers')).toBe('x-amz-checksum-sha256');
  });

  test('refuses a page of another site', async () => {
    const response = await preflight('https://attacker.example');
    expect(response.status).toBe(403);
  });

  test('a presigned GET answers a local page with its origin and exposes ETag', async () => {
    const client = server.as('prog1');
    await client.commit('cors/get.mcam', Buffer.from('bytes'));
    const link = await client.get('/download/cors/get.mcam');
    const response = await fetch(link.body.url, { headers: { origin: server.url } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(server.url);
    expect(response.headers.get('access-control-expose-headers')).toContain('ETag');
  });
});
