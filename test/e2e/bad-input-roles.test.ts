/** Malformed or refused rule and release requests: each gets the contract's status and code, and nothing changes. */
import { type ApiClient, encodeName, startTestServer, type TestServer } from '../support/http';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  const pat = server.inGroups('pat', ['programmers']);
  await pat.commit('floor/released.mcam', Buffer.from('v1'));
  await pat.checkout('floor/released.mcam');
  await pat.commit('floor/released.mcam', Buffer.from('v2'));
  await pat.commit('floor/draft.mcam', Buffer.from('draft'));
  await pat.commit('locked-down/part.mcam', Buffer.from('part'));
  await pat.commit('secret/part.mcam', Buffer.from('secret'));
  const lena = server.inGroups('lena', ['leads']);
  expect(
    (await lena.request('POST', '/release/floor/released.mcam', { json: { version: 1, message: 'ok' } }))
      .status,
  ).toBe(200);
  const admin = server.inGroups('ada', ['admins']);
  for (const [prefix, rule] of [
    ['locked-down/', { read: ['*'], write: ['admins'] }],
    ['secret/', { read: ['admins'], write: ['admins'] }],
  ] as const) {
    expect((await admin.request('PUT', `/rules/${prefix}`, { json: rule })).status).toBe(200);
  }
});
afterAll(() => server.close());

type Who = 'admin' | 'lead' | 'programmer' | 'operator';

interface BadRequest {
  label: string;
  who: Who;
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
  status: number;
  code: string;
}

const BAD = 'BAD_REQUEST';
const request = (
  who: Who,
  method: string,
  label: string,
  path: string,
  body: unknown,
  status: number,
  code: string,
): BadRequest => ({ label, who, method, path, body, status, code });
const putRule = (label: string, path: string, body: unknown, status = 400, code = BAD, who: Who = 'admin') =>
  request(who, 'PUT', label, path, body, status, code);
const release = (label: string, path: string, body: unknown, status = 400, code = BAD, who: Who = 'lead') =>
  request(who, 'POST', label, path, body, status, code);
const withdraw = (label: string, path: string, body: unknown, status = 400, code = BAD, who: Who = 'lead') =>
  request(who, 'DELETE', label, path, body, status, code);

const groups = { read: ['*'], write: ['leads'] };
const deep = `${Array.from({ length: 33 }, (_, i) => `f${i}`).join('/')}/`;

const bad = (): BadRequest[] => [
  // Rules
  putRule('rule on a prefix without its slash', '/rules/jobs', groups),
  putRule('rule on an empty segment', '/rules/jobs//', groups),
  // Dot segments are in raw-paths.test.ts: fetch would resolve them before sending.
  putRule('rule on a Windows device folder', '/rules/CON/', groups),
  putRule('rule on a folder with a colon', '/rules/a:b/', groups),
  putRule('rule 33 folders deep', `/rules/${deep}`, groups),
  putRule('rule without write', '/rules/jobs/', { read: ['*'] }),
  putRule('rule with read as a string', '/rules/jobs/', { read: '*', write: ['leads'] }),
  putRule('rule naming a group with a space', '/rules/jobs/', { read: ['cam team'], write: [] }),
  putRule('rule naming an empty group', '/rules/jobs/', { read: [''], write: [] }),
  putRule('rule naming a group twice', '/rules/jobs/', { read: ['leads', 'leads'], write: [] }),
  putRule('rule naming 101 groups', '/rules/jobs/', {
    read: Array.from({ length: 101 }, (_, i) => `g${i}`),
    write: [],
  }),
  putRule('rule with an unknown field', '/rules/jobs/', { ...groups, inherit: true }),
  {
    label: 'rule with a body that is not JSON',
    who: 'admin',
    method: 'PUT',
    path: '/rules/jobs/',
    raw: '{read',
    status: 400,
    code: BAD,
  },
  putRule('rule with a query', '/rules/jobs/?force=true', groups),
  putRule('rule set by a lead', '/rules/jobs/', groups, 403, 'FORBIDDEN', 'lead'),
  request('programmer', 'GET', 'rules listed by a programmer', '/rules', undefined, 403, 'FORBIDDEN'),
  request('lead', 'DELETE', 'rule removed by a lead', '/rules/secret/', undefined, 403, 'FORBIDDEN'),
  request('admin', 'DELETE', 'removal of no rule', '/rules/jobs/', undefined, 404, 'NOT_FOUND'),
  request('admin', 'DELETE', 'removal with a body field', '/rules/secret/', { force: true }, 400, BAD),
  request('admin', 'GET', 'rules with a query', '/rules?prefix=secret%2F', undefined, 400, BAD),
  // Releases
  release('release without a message', '/release/floor/draft.mcam', { version: 1 }),
  release('release with a blank message', '/release/floor/draft.mcam', { version: 1, message: '  ' }),
  release('release with a long message', '/release/floor/draft.mcam', {
    version: 1,
    message: 'm'.repeat(1001),
  }),
  release('release of version 0', '/release/floor/draft.mcam', { version: 0, message: 'go' }),
  release('release of a version as text', '/release/floor/draft.mcam', { version: '1', message: 'go' }),
  release('release of version 1.5', '/release/floor/draft.mcam', { version: 1.5, message: 'go' }),
  release('release with an unknown field', '/release/floor/draft.mcam', {
    version: 1,
    message: 'go',
    force: 1,
  }),
  release('release of a bad name', '/release/floor/draft', { version: 1, message: 'go' }),
  release(
    'release of a version that is not there',
    '/release/floor/draft.mcam',
    { version: 9, message: 'go' },
    404,
    'NOT_FOUND',
  ),
  release('release of no file', '/release/floor/none.mcam', { version: 1, message: 'go' }, 404, 'NOT_FOUND'),
  release(
    'release by a programmer',
    '/release/floor/draft.mcam',
    { version: 1, message: 'go' },
    403,
    'FORBIDDEN',
    'programmer',
  ),
  release(
    'release by an operator',
    '/release/floor/released.mcam',
    { version: 2, message: 'go' },
    403,
    'FORBIDDEN',
    'operator',
  ),
  release(
    'release by an operator of a file it cannot see',
    '/release/floor/draft.mcam',
    { version: 1, message: 'go' },
    404,
    'NOT_FOUND',
    'operator',
  ),
  release(
    'release in a folder leads may not write',
    '/release/locked-down/part.mcam',
    { version: 1, message: 'go' },
    403,
    'FORBIDDEN',
  ),
  release(
    'release in a folder leads may not read',
    '/release/secret/part.mcam',
    { version: 1, message: 'go' },
    404,
    'NOT_FOUND',
  ),
  withdraw('withdrawal of no release', '/release/floor/draft.mcam', { message: 'stop' }, 409, 'NOT_RELEASED'),
  withdraw('withdrawal without a message', '/release/floor/released.mcam', {}),
  withdraw('withdrawal with a version', '/release/floor/released.mcam', { message: 'stop', version: 1 }),
  withdraw(
    'withdrawal by a programmer',
    '/release/floor/released.mcam',
    { message: 'stop' },
    403,
    'FORBIDDEN',
    'programmer',
  ),
  withdraw('withdrawal of no file', '/release/floor/none.mcam', { message: 'stop' }, 404, 'NOT_FOUND'),
  request('lead', 'GET', 'files with released=yes', '/files?released=yes', undefined, 400, BAD),
];

/** Everything an admin can see of files, their releases, the rules and the audit trail. */
const snapshot = async () => {
  const admin = server.inGroups('ada', ['admins']);
  const files = (await admin.get('/files?limit=1000')).body.files;
  const versions = await Promise.all(
    files.map(async (file: { name: string }) => (await admin.get(`/versions/${encodeName(file.name)}`)).body),
  );
  return {
    files,
    versions,
    released: (await admin.get('/files?released=true')).body,
    rules: (await admin.get('/rules')).body,
    audit: (await admin.get('/audit?limit=1000')).body,
  };
};

test('at least 20 malformed or refused rule and release requests get the contract status and code, and change nothing', async () => {
  const requests = bad();
  expect(requests.length).toBeGreaterThanOrEqual(20);
  const clients: Record<Who, ApiClient> = {
    admin: server.inGroups('ada', ['admins']),
    lead: server.inGroups('lena', ['leads']),
    programmer: server.inGroups('pat', ['programmers']),
    operator: server.inGroups('otto', ['operators']),
  };
  const before = await snapshot();
  expect(before.rules.rules).toHaveLength(2);
  expect(before.released.files.map((file: { name: string }) => file.name)).toEqual(['floor/released.mcam']);
  for (const bad of requests) {
    const response = await clients[bad.who].request(bad.method, bad.path, {
      json: bad.body,
      rawBody: bad.raw,
    });
    expect({ label: bad.label, status: response.status, code: response.body?.error?.code }).toEqual({
      label: bad.label,
      status: bad.status,
      code: bad.code,
    });
    expect(response.body.error.message).not.toMatch(/\n\s+at |Exception|node_modules/);
  }
  expect(await snapshot()).toEqual(before);
});
