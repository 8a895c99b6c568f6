/**
 * Every route of v1 and v2 called by an operator, a programmer, a lead, an admin and a user of role
 * `none`: each answer asserted, and a refused call changes nothing.
 */
import type { Role } from '#shared/model';
import { type ApiClient, encodeName, sha256Hex, startTestServer, type TestServer } from '../support/http';

let server: TestServer;
/** A user with no group gets CAMVAULT_DEFAULT_ROLE: `none` here, so that it can be tried. */
const groupsOf: Record<Role, string[]> = {
  operators: ['operators'],
  programmers: ['programmers'],
  leads: ['leads'],
  admins: ['admins'],
  none: [],
};
const ROLES = Object.keys(groupsOf) as Role[];
const admin = () => server.inGroups('the-admin', ['admins']);

beforeAll(async () => {
  server = await startTestServer({ CAMVAULT_DEFAULT_ROLE: 'none' });
  const boss = admin();
  // Per role: a released file (v1 released, v2 newer), a draft never released, a file held by someone else.
  for (const role of ROLES) {
    const folder = `m/${role}`;
    await boss.commit(`${folder}/Released.mcam`, Buffer.from('released v1'));
    await boss.checkout(`${folder}/Released.mcam`);
    await boss.commit(`${folder}/Released.mcam`, Buffer.from('newer v2'));
    const release = await boss.request('POST', `/release/${folder}/Released.mcam`, {
      json: { version: 1, message: 'proven' },
    });
    expect(release.status).toBe(200);
    await boss.commit(`${folder}/Draft.mcam`, Buffer.from('draft'));
    await boss.commit(`${folder}/Held.mcam`, Buffer.from('held'));
    await boss.checkout(`${folder}/Held.mcam`, 'the admin holds it');
    await boss.commit(`${folder}/Trashed.mcam`, Buffer.from('trashed'));
    await boss.checkout(`${folder}/Trashed.mcam`);
    await boss.request('DELETE', `/files/${folder}/Trashed.mcam`, { json: {} });
  }
});
afterAll(() => server.close());

interface Step {
  label: string;
  /** The request, as a user of `role` working in the folder `m/<role>/`. */
  run: (
    client: ApiClient,
    folder: string,
    context: Record<string, string>,
  ) => Promise<{ status: number; body: any }>;
  expect: Record<Role, number>;
  /** Whether the call changes the vault when it succeeds. */
  changes: boolean;
}

const all = (status: number, none = 403): Record<Role, number> => ({
  operators: status,
  programmers: status,
  leads: status,
  admins: status,
  none,
});
const from = (role: Role, ok: number, refused = 403): Record<Role, number> => {
  const rank = ['none', 'operators', 'programmers', 'leads', 'admins'];
  return Object.fromEntries(
    ROLES.map((r) => [r, rank.indexOf(r) >= rank.indexOf(role) ? ok : refused]),
  ) as Record<Role, number>;
};

const steps: Step[] = [
  { label: 'GET /me', run: (c) => c.get('/me'), expect: all(200, 200), changes: false },
  { label: 'GET /files', run: (c) => c.get('/files'), expect: all(200), changes: false },
  {
    label: 'GET /files?released=true',
    run: (c) => c.get('/files?released=true'),
    expect: all(200),
    changes: false,
  },
  {
    label: 'GET /files/{released}',
    run: (c, f) => c.get(`/files/${f}/Released.mcam`),
    expect: all(200),
    changes: false,
  },
  {
    label: 'GET /files/{draft}',
    run: (c, f) => c.get(`/files/${f}/Draft.mcam`),
    expect: { ...all(200), operators: 404 },
    changes: false,
  },
  {
    label: 'GET /versions/{released}',
    run: (c, f) => c.get(`/versions/${f}/Released.mcam`),
    expect: all(200),
    changes: false,
  },
  {
    label: 'GET /download/{released}',
    run: (c, f) => c.get(`/download/${f}/Released.mcam`),
    expect: all(200),
    changes: false,
  },
  {
    label: 'GET /download/{released}?version=2',
    run: (c, f) => c.get(`/download/${f}/Released.mcam?version=2`),
    expect: { ...all(200), operators: 403 },
    changes: false,
  },
  {
    label: 'GET /download/{draft}',
    run: (c, f) => c.get(`/download/${f}/Draft.mcam`),
    expect: { ...all(200), operators: 404 },
    changes: false,
  },
  { label: 'GET /locks', run: (c) => c.get('/locks'), expect: all(200), changes: false },
  { label: 'GET /folders', run: (c) => c.get('/folders?prefix=m/'), expect: all(200), changes: false },
  {
    label: 'GET /files?depth=1',
    run: (c, f) => c.get(`/files?depth=1&prefix=${f}/`),
    expect: all(200),
    changes: false,
  },
  { label: 'GET /trash', run: (c) => c.get('/trash'), expect: from('programmers', 200), changes: false },
  { label: 'GET /audit', run: (c) => c.get('/audit'), expect: all(200), changes: false },
  { label: 'GET /rules', run: (c) => c.get('/rules'), expect: from('admins', 200), changes: false },
  {
    label: 'POST /checkout/{released}',
    run: (c, f) => c.checkout(`${f}/Released.mcam`),
    expect: from('programmers', 201),
    changes: true,
  },
  {
    label: 'POST /uploads (new file)',
    run: (c, f) => c.stage(`${f}/New.mcam`, Buffer.from('new')),
    expect: from('programmers', 201),
    changes: false,
  },
  {
    label: 'POST /uploads (the checked-out file)',
    run: async (c, f, context) => {
      const staged = await c.stage(`${f}/Released.mcam`, Buffer.from('v3 bytes'));
      if (staged.status === 201) {
        await fetch(staged.body.url, {
          method: 'PUT',
          headers: staged.body.headers,
          body: Buffer.from('v3 bytes'),
        });
        context.uploadId = staged.body.uploadId;
      }
      return staged;
    },
    expect: from('programmers', 201),
    changes: false,
  },
  {
    label: 'POST /checkin/{released} (v3, keeping the lock)',
    run: (c, f, context) =>
      c.checkin(`${f}/Released.mcam`, { uploadId: context.uploadId ?? 'none', keepLock: true }),
    // An operator could stage nothing: their upload id is unknown, and 404 comes before 403.
    expect: { ...from('programmers', 200), operators: 404 },
    changes: true,
  },
  {
    label: 'POST /checkin/{released} fromVersion 1 (revert, keeping the lock)',
    run: (c, f) => c.checkin(`${f}/Released.mcam`, { fromVersion: 1, keepLock: true } as never),
    expect: from('programmers', 200),
    changes: true,
  },
  {
    label: 'POST /move/{released}',
    run: (c, f) => c.request('POST', `/move/${f}/Released.mcam`, { json: { to: `${f}/Moved.mcam` } }),
    expect: from('programmers', 200),
    changes: true,
  },
  {
    label: 'DELETE /locks/{moved} (undo)',
    run: (c, f) => c.release(`${f}/Moved.mcam`),
    // For those whose move was refused the file is not there: 404.
    expect: { ...from('programmers', 200), operators: 404, none: 403 },
    changes: true,
  },
  {
    label: 'POST /release/{draft}',
    run: (c, f) =>
      c.request('POST', `/release/${f}/Draft.mcam`, { json: { version: 1, message: 'ok for the floor' } }),
    expect: { ...from('leads', 200), operators: 404 },
    changes: true,
  },
  {
    label: 'DELETE /release/{draft}',
    run: (c, f) =>
      c.request('DELETE', `/release/${f}/Draft.mcam`, { json: { message: 'back to the office' } }),
    expect: { ...from('leads', 200), operators: 404 },
    changes: true,
  },
  {
    label: 'DELETE /locks/{held}?force=true (break)',
    run: (c, f) => c.release(`${f}/Held.mcam`, true),
    // An unreleased file does not exist for an operator.
    expect: { ...from('admins', 200), operators: 404 },
    changes: true,
  },
  {
    label: 'POST /checkout then DELETE /files/{draft}',
    run: async (c, f) => {
      await c.checkout(`${f}/Draft.mcam`);
      return c.request('DELETE', `/files/${f}/Draft.mcam`, { json: {} });
    },
    expect: { ...from('programmers', 200), operators: 404 },
    changes: true,
  },
  {
    label: 'POST /restore/{trashed}',
    run: async (c, f, context) => {
      const trashed = (await admin().get(`/trash?prefix=${f}/`)).body.trashed as {
        fileId: string;
        name: string;
      }[];
      context.trashedId =
        trashed.find((item) => item.name.endsWith('Trashed.mcam'))?.fileId ??
        '00000000-0000-4000-8000-000000000000';
      return c.request('POST', `/restore/${context.trashedId}`, { json: {} });
    },
    expect: from('programmers', 200),
    changes: true,
  },
  {
    label: 'PUT /rules/{prefix}',
    run: (c, f) => c.request('PUT', `/rules/${f}/locked-away/`, { json: { read: ['admins'], write: [] } }),
    expect: from('admins', 200),
    changes: true,
  },
  {
    label: 'DELETE /rules/{prefix}',
    run: (c, f) => c.request('DELETE', `/rules/${f}/locked-away/`, { json: {} }),
    expect: from('admins', 200),
    changes: true,
  },
  {
    label: 'POST /watches',
    run: async (c, f, context) => {
      const response = await c.request('POST', '/watches', { json: { prefix: `${f}/` } });
      context.watchId = response.body?.watch?.watchId ?? 'AAAAAAAAAAAAAAAAAAAAAA';
      return response;
    },
    expect: from('programmers', 201),
    changes: false,
  },
  { label: 'GET /watches', run: (c) => c.get('/watches'), expect: from('programmers', 200), changes: false },
  {
    label: 'DELETE /watches/{watchId}',
    run: (c, _f, context) => c.request('DELETE', `/watches/${context.watchId}`),
    expect: from('programmers', 200),
    changes: false,
  },
  {
    label: 'POST /requests/{held}',
    run: (c, f) => c.request('POST', `/requests/${f}/Held.mcam`, { json: { message: 'please' } }),
    // An operator sees no unreleased file: 404, as if it did not exist; the admin broke that lock above.
    expect: { ...from('programmers', 201), operators: 404, admins: 409 },
    changes: true,
  },
  { label: 'GET /notifications', run: (c) => c.get('/notifications'), expect: all(200), changes: false },
  {
    label: 'POST /notifications/read',
    // A well-formed id of a notification nobody has.
    run: (c) =>
      c.request('POST', '/notifications/read', { json: { upTo: Buffer.from('none').toString('base64url') } }),
    expect: all(404),
    changes: false,
  },
];

/** Everything of the vault an admin sees. */
const snapshot = async () => {
  const boss = admin();
  const files = (await boss.get('/files?limit=1000')).body.files;
  const versions = await Promise.all(
    files.map(async (file: { name: string }) => (await boss.get(`/versions/${encodeName(file.name)}`)).body),
  );
  return {
    files,
    versions,
    locks: (await boss.get('/locks')).body,
    trash: (await boss.get('/trash')).body,
    rules: (await boss.get('/rules')).body,
    audit: (await boss.get('/audit?limit=1000')).body.entries.length,
  };
};

test.each(ROLES)('the routes as %s', async (role) => {
  const client = server.inGroups(`user-${role}`, groupsOf[role]);
  const folder = `m/${role}`;
  const context: Record<string, string> = {};
  const answers: { step: string; status: number; code?: string }[] = [];
  for (const step of steps) {
    const before = step.expect[role] >= 400 && step.changes ? await snapshot() : null;
    const response = await step.run(client, folder, context);
    answers.push({ step: step.label, status: response.status, code: response.body?.error?.code });
    if (before)
      expect({ step: step.label, state: await snapshot() }).toEqual({ step: step.label, state: before });
  }
  expect(answers.map(({ step, status }) => ({ step, status }))).toEqual(
    steps.map((step) => ({ step: step.label, status: step.expect[role] })),
  );
  for (const answer of answers.filter((a) => a.status === 403)) expect(answer.code).toBe('FORBIDDEN');
});

test('what each role is shown: me, and an operator sees released files and versions only', async () => {
  for (const role of ROLES) {
    const me = await server.inGroups(`who-${role}`, groupsOf[role]).get('/me');
    expect(me.body).toEqual({ user: `who-${role}`, role, groups: groupsOf[role] });
  }
  const operator = server.inGroups('floor', ['operators']);
  const names = (await operator.get('/files?prefix=m/operators/')).body.files.map(
    (file: { name: string }) => file.name,
  );
  expect(names).toEqual(['m/operators/Released.mcam']);
  const versions = (await operator.get('/versions/m/operators/Released.mcam')).body.versions;
  expect(versions.map((version: { version: number }) => version.version)).toEqual([1]);
  const link = (await operator.get('/download/m/operators/Released.mcam')).body;
  expect(link).toMatchObject({ version: 1, sha256: sha256Hex(Buffer.from('released v1')) });
  // A refusal names what was asked, and what operators may do.
  const watch = await operator.request('POST', '/watches', { json: { prefix: 'm/' } });
  expect(watch.body.error).toEqual({
    code: 'FORBIDDEN',
    message: 'watching needs the programmers role or higher: operators may download released versions only',
  });
  const none = await server.inGroups('nobody', []).get('/files');
  expect(none.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/no role/) });
});
