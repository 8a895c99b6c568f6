/**
 * `camvault git-credential` as Git's credential helper: the real `git credential fill` gets the
 * signed-in user's token for the vault's host, and nothing for any other host.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/http';
import { CLI, type CliUser, loggedInUser, removeUsers } from './support';

let server: TestServer;
let ana: CliUser;
let host: string;

beforeAll(async () => {
  server = await startTestServer();
  ana = await loggedInUser(server, 'ana');
  host = new URL(server.url).host;
});
afterAll(async () => {
  await removeUsers([ana]);
  await server.close();
});

/** `git credential fill` with only the camvault helper configured (and no prompt to fall back on). */
const fill = (request: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      'git',
      ['-c', `credential.helper=!"${process.execPath}" "${CLI}" git-credential`, 'credential', 'fill'],
      {
        cwd: ana.workDir,
        env: {
          PATH: process.env.PATH,
          HOME: ana.workDir,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_TERMINAL_PROMPT: '0',
          CAMVAULT_CONFIG_DIR: ana.configDir,
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(request);
  });

test("git credential fill gets the user and token of the login, for the vault's protocol and host", async () => {
  const result = await fill(`protocol=http\nhost=${host}\npath=lfs/cam/objects/batch\n\n`);
  expect(result.code).toBe(0);
  // Git drops the path unless credential.useHttpPath is set: one answer for the whole vault.
  expect(result.stdout).toBe(`protocol=http\nhost=${host}\nusername=ana\npassword=${ana.token}\n`);
});

test.each([
  ['another host', () => 'protocol=http\nhost=github.com\n\n'],
  ['another port', () => `protocol=http\nhost=${host.replace(/:\d+$/, ':1')}\n\n`],
  ['another protocol', () => `protocol=https\nhost=${host}\n\n`],
])('%s gets nothing from it (Git then has no credentials)', async (_, request) => {
  const result = await fill(request());
  expect(result.code).not.toBe(0);
  expect(result.stdout).not.toContain(ana.token);
  expect(result.stderr).toMatch(/could not read Username/);
});

test('store and erase change nothing; another operation is a usage error', async () => {
  const before = await readFile(join(ana.configDir, 'config.json'), 'utf8');
  for (const operation of ['store', 'erase']) {
    const result = await ana.run(['git-credential', operation], {
      input: `protocol=http\nhost=${host}\nusername=ana\npassword=${ana.token}\n\n`,
    });
    expect(result).toMatchObject({ code: 0, stdout: '' });
  }
  expect(await readFile(join(ana.configDir, 'config.json'), 'utf8')).toBe(before);
  expect((await ana.run(['git-credential', 'approve'])).code).toBe(2);
});
