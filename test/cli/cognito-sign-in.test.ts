/**
 * Signing in with a Cognito user pool, as on AWS, against cognito-local and the local server set to
 * take that pool's tokens: the real CLI as a child process, as a programmer on their first day.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InitiateAuthCommand, RevokeTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { startUserPool, type UserPool } from '../support/cognito';
import { startTestServer, type TestServer } from '../support/http';
import {
  CLI,
  type CliResult,
  CliUser,
  loggedInUser,
  oneErrorLine,
  removeUsers,
  temporaryDirectory,
} from './support';

let pool: UserPool;
let server: TestServer;
let cliClient: string;
/** An app client whose access tokens last 5 seconds: every command finds its token about to expire. */
let shortClient: string;
const users: CliUser[] = [];
/** Every password typed in this file, and everything the CLI printed: the one must not be in the other. */
const passwords: string[] = [];
const printed: string[] = [];

const password = () => {
  const value = `Pw-${randomBytes(9).toString('base64url')}!7a`;
  passwords.push(value);
  return value;
};

beforeAll(async () => {
  pool = await startUserPool();
  cliClient = await pool.createAppClient('camvault-cli');
  shortClient = await pool.createAppClient('camvault-short', { accessTokenSeconds: 5 });
  server = await startTestServer({
    CAMVAULT_COGNITO_ISSUER: pool.issuer,
    CAMVAULT_COGNITO_CLIENT_IDS: `${cliClient},${shortClient}`,
  });
}, 60_000);
afterAll(async () => {
  await removeUsers(users);
  await server?.close();
  await pool?.stop();
});

const newCliUser = async (name: string) => {
  const user = new CliUser(
    name,
    '',
    await temporaryDirectory(`${name}-config`),
    await temporaryDirectory(name),
  );
  users.push(user);
  return user;
};

const run = async (user: CliUser, args: string[], input?: string): Promise<CliResult> => {
  const result = await user.run(args, { input });
  printed.push(result.stdout, result.stderr);
  return result;
};

const loginArgs = (clientId: string) => [
  'login',
  '--url',
  server.url,
  '--user-pool-client-id',
  clientId,
  '--region',
  pool.region,
  '--cognito-endpoint',
  pool.endpoint,
];

const configOf = async (user: CliUser) => {
  const text = await readFile(join(user.configDir, 'config.json'), 'utf8');
  return { text, config: JSON.parse(text) };
};

/** A new account with a temporary password, and its first sign-in through the CLI (answers on stdin). */
const firstSignIn = async (name: string, groups: string[], clientId = cliClient) => {
  const temporary = password();
  const chosen = password();
  await pool.createUser(name, groups, temporary);
  const user = await newCliUser(name);
  const login = await run(
    user,
    [...loginArgs(clientId), '--json'],
    `${name}\n${temporary}\n${chosen}\n${chosen}\n`,
  );
  if (login.code !== 0) throw new Error(`first sign-in of ${name} failed: ${login.stderr}`);
  return { user, login, chosen };
};

const decode = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());

test("a programmer's first day: a temporary password, a new one, then the vault knows who they are", async () => {
  const { user, login } = await firstSignIn('ana', ['programmers']);
  expect(JSON.parse(login.stdout)).toEqual({
    url: server.url,
    user: 'ana',
    groups: ['programmers'],
    configFile: join(user.configDir, 'config.json'),
  });

  // Kept owner-only: the pool, the tokens, never a password.
  expect((await stat(user.configDir)).mode & 0o777).toBe(0o700);
  expect((await stat(join(user.configDir, 'config.json'))).mode & 0o777).toBe(0o600);
  const { config } = await configOf(user);
  expect(config).toEqual({
    url: server.url,
    cognito: {
      region: pool.region,
      clientId: cliClient,
      endpoint: pool.endpoint,
      session: {
        username: 'ana',
        accessToken: expect.any(String),
        accessTokenExpiresAt: expect.any(String),
        refreshToken: expect.any(String),
        signedInAt: expect.any(String),
      },
    },
  });
  expect(decode(config.cognito.session.accessToken)).toMatchObject({ iss: pool.issuer, token_use: 'access' });

  // The vault takes the pool's token and names the user from it.
  await writeFile(user.path('plate.mcam'), randomBytes(2048));
  expect((await run(user, ['add', 'plate.mcam', 'fixtures/plate.mcam', '--keep'])).code).toBe(0);
  const locks = await user.json(['locks']);
  expect(locks).toEqual([expect.objectContaining({ name: 'fixtures/plate.mcam', user: 'ana' })]);
  expect((await run(user, ['ls'])).stdout).toContain('fixtures/plate.mcam');

  // An access token good for an hour is not renewed.
  expect((await configOf(user)).config.cognito.session.accessToken).toBe(config.cognito.session.accessToken);

  const whoami = await user.json(['whoami']);
  expect(whoami).toEqual({
    user: 'ana',
    groups: ['programmers'],
    url: server.url,
    signIn: 'cognito',
    tokenExpiresAt: expect.any(String),
    signedInAt: config.cognito.session.signedInAt,
    signInExpiresAt: new Date(Date.parse(config.cognito.session.signedInAt) + 30 * 86_400_000).toISOString(),
  });
  const text = await run(user, ['whoami']);
  expect(text.stdout).toMatch(/^user: +ana$/m);
  expect(text.stdout).toMatch(/^groups: +programmers$/m);
  expect(text.stdout).toContain(`app client ${cliClient}`);
});

test('an expired access token is renewed silently before the command, and the renewal is kept', async () => {
  const { user } = await firstSignIn('cy', ['leads'], shortClient);
  const before = (await configOf(user)).config.cognito.session;
  const expiresAt = decode(before.accessToken).exp * 1000;
  while (Date.now() < expiresAt + 1000) await new Promise((resolve) => setTimeout(resolve, 200));
  // The vault no longer takes the stored token...
  const stale = await fetch(`${server.url}/files`, {
    headers: { authorization: `Bearer ${before.accessToken}` },
  });
  expect(stale.status).toBe(401);

  // ...but the command renews it first, and keeps the new one.
  const listed = await run(user, ['ls']);
  expect(listed).toMatchObject({ code: 0 });
  const after = (await configOf(user)).config.cognito.session;
  expect(after.accessToken).not.toBe(before.accessToken);
  expect(after.refreshToken).toBe(before.refreshToken);
  expect(after.signedInAt).toBe(before.signedInAt);
  expect(decode(after.accessToken)).toMatchObject({ username: 'cy', 'cognito:groups': ['leads'] });
  expect(Date.parse(after.accessTokenExpiresAt)).toBe(decode(after.accessToken).exp * 1000);

  // A sign-in revoked elsewhere cannot be renewed: exit 5, one line, a hint.
  await pool.admin.send(new RevokeTokenCommand({ ClientId: shortClient, Token: after.refreshToken }));
  const refused = await run(user, ['ls']);
  expect(refused.code).toBe(5);
  expect(oneErrorLine(refused)).toBe(
    'camvault: your sign-in has expired or was revoked: run camvault login to sign in again',
  );
});

test('logout revokes the sign-in and forgets the tokens; plain camvault login signs in again', async () => {
  const { user, chosen } = await firstSignIn('bo', ['operators', 'programmers']);
  const { session } = (await configOf(user)).config.cognito;

  const logout = await run(user, ['logout']);
  expect(logout.code).toBe(0);
  expect(logout.stdout).toContain(`signed out of ${server.url}: Cognito revoked the sign-in`);
  expect((await configOf(user)).config).toEqual({
    url: server.url,
    cognito: { region: pool.region, clientId: cliClient, endpoint: pool.endpoint },
  });
  // Revoked at Cognito, not just forgotten here.
  await expect(
    pool.admin.send(
      new InitiateAuthCommand({
        ClientId: cliClient,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: session.refreshToken },
      }),
    ),
  ).rejects.toThrow(expect.objectContaining({ name: 'NotAuthorizedException' }));

  const refused = await run(user, ['ls']);
  expect(refused.code).toBe(5);
  expect(oneErrorLine(refused)).toBe('camvault: signed out: run camvault login to sign in again');
  expect((await run(user, ['logout'])).stdout).toContain('not logged in; nothing to do');

  // The user pool is remembered: only the user name and the password are asked.
  const again = await run(user, ['login', '--json'], `bo\n${chosen}\n`);
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ user: 'bo', groups: ['operators', 'programmers'] });
  expect((await run(user, ['ls'])).code).toBe(0);
});

test('a wrong password or an unknown user is exit 5 and nothing is stored', async () => {
  // (cognito-local takes any password of an account still on its temporary one: a signed-in account.)
  await firstSignIn('dee', ['programmers']);
  const user = await newCliUser('dee-elsewhere');
  for (const [name, typed] of [
    ['dee', password()],
    ['nobody', password()],
  ] as const) {
    const refused = await run(user, loginArgs(cliClient), `${name}\n${typed}\n`);
    expect(refused.code).toBe(5);
    expect(oneErrorLine(refused)).toMatch(/^camvault: sign-in refused: /);
  }
  await expect(stat(join(user.configDir, 'config.json'))).rejects.toThrow('ENOENT');

  const unknownClient = await run(user, loginArgs('no-such-client'), `dee\n${password()}\n`);
  expect(unknownClient.code).toBe(2);
  expect(oneErrorLine(unknownClient)).toContain('check --user-pool-client-id (the stack output AppClientId)');

  const halfFlags = await run(user, ['login', '--url', server.url, '--user-pool-client-id', cliClient]);
  expect(halfFlags.code).toBe(2);
  expect(oneErrorLine(halfFlags)).toContain('needs both --user-pool-client-id and --region');
});

test('new passwords that differ are refused before Cognito hears of them', async () => {
  const temporary = password();
  await pool.createUser('eli', ['programmers'], temporary);
  const user = await newCliUser('eli');
  const refused = await run(user, loginArgs(cliClient), `eli\n${temporary}\n${password()}\n${password()}\n`);
  expect(refused.code).toBe(2);
  expect(oneErrorLine(refused)).toContain('the two new passwords differ');
  // The temporary password still works.
  const chosen = password();
  const login = await run(user, loginArgs(cliClient), `eli\n${temporary}\n${chosen}\n${chosen}\n`);
  expect(login.code).toBe(0);
  expect(login.stdout).toContain(`signed in to ${server.url} as eli`);
});

test('dev tokens keep working beside the pool, and their logout is exit 5 at the next command', async () => {
  const dev = await loggedInUser(server, 'fay', true);
  users.push(dev);
  expect(await dev.json(['whoami'])).toEqual({
    user: 'fay',
    groups: ['admins'],
    url: server.url,
    signIn: 'token',
    tokenExpiresAt: expect.any(String),
    signedInAt: null,
    signInExpiresAt: expect.any(String),
  });
  expect((await run(dev, ['logout'])).stdout).toContain(`logged out of ${server.url}: removed the token`);
  expect((await configOf(dev)).config).toEqual({ url: server.url });
  const refused = await run(dev, ['ls']);
  expect(refused.code).toBe(5);
  expect(oneErrorLine(refused)).toContain(`run camvault login --url ${server.url}`);
});

/** Runs the CLI on a pseudo-terminal (util-linux `script`), answering each prompt when it shows. */
const onTerminal = (user: CliUser, args: string[], answers: [prompt: string, answer: string][]) =>
  new Promise<{ code: number | null; screen: string }>((resolve, reject) => {
    const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, CLI, ...args].map(quote).join(' ');
    const child = spawn('script', ['-q', '-e', '-f', '-c', command, '/dev/null'], {
      cwd: user.workDir,
      env: { ...process.env, CAMVAULT_CONFIG_DIR: user.configDir, TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let answered = 0;
    /** Where the screen was when the last answer went out: the next prompt shows after it. */
    let seen = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      for (let next = answers[answered]; next; next = answers[answered]) {
        const at = screen.indexOf(next[0], seen);
        if (at < 0) break;
        seen = at + next[0].length;
        answered += 1;
        child.stdin.write(`${next[1]}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });

test('at a terminal the passwords are asked without being shown', async () => {
  const temporary = password();
  const chosen = password();
  await pool.createUser('gus', ['programmers'], temporary);
  const user = await newCliUser('gus');
  const { code, screen } = await onTerminal(user, loginArgs(cliClient), [
    ['user name: ', 'gus'],
    ['password: ', temporary],
    ['new password: ', chosen],
    ['new password again: ', chosen],
  ]);
  printed.push(screen);
  expect(screen).toContain('Your password is temporary');
  expect(screen).toContain(`signed in to ${server.url} as gus`);
  expect(code).toBe(0);
  // The user name is echoed as typed; the passwords are not.
  expect(screen).toContain('user name: gus');
  expect(screen).not.toContain(temporary);
  expect(screen).not.toContain(chosen);
});

test('no password is in any config file or anything the CLI printed', async () => {
  expect(passwords.length).toBeGreaterThan(5);
  const configs = await Promise.all(
    users.map((user) => readFile(join(user.configDir, 'config.json'), 'utf8').catch(() => '')),
  );
  for (const secret of passwords) {
    for (const text of [...printed, ...configs]) expect(text).not.toContain(secret);
  }
});
