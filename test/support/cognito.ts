/**
 * An emulated Cognito user pool for the tests: cognito-local (npm) in a child process on a free
 * loopback port, its state in a temporary working directory, gone when the test file stops it (or
 * dies: the child lives exactly as long as our stdin pipe to it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { freePort, LOOPBACK } from '#infra/local/emulators';

export const ROLE_GROUPS = ['admins', 'leads', 'programmers', 'operators'] as const;
export const TEST_REGION = 'eu-west-1';

/** Exits when our end of its stdin closes, then runs cognito-local's own start script. */
const CHILD = `process.stdin.on('data', () => {}).on('end', () => process.exit(0));
require(${JSON.stringify(require.resolve('cognito-local/lib/bin/start.js'))});`;

const waitForHealth = async (endpoint: string, child: ChildProcess, output: () => string) => {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      if ((await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(500) })).ok) return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.stdin?.end();
  throw new Error(`cognito-local did not start within 20 s\n${output()}`);
};

const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.stdin?.end();
  });

/** cognito-local on a free port; a few tries, since another process may take the port first. */
const startCognitoLocal = async (directory: string) => {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, ['-e', CHILD], {
      cwd: directory,
      // PORT and HOST also make the issuer: http://127.0.0.1:PORT/<poolId>.
      env: {
        ...process.env,
        PORT: String(port),
        HOST: LOOPBACK,
        AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const endpoint = `http://${LOOPBACK}:${port}`;
    if (await waitForHealth(endpoint, child, () => output)) return { endpoint, child };
    if (attempt >= 3) throw new Error(`cognito-local exited with code ${child.exitCode}\n${output}`);
  }
};

export interface PoolUser {
  username: string;
  temporaryPassword: string;
}

/**
 * A user pool like the stack's: user names that are not e-mail addresses, the four role groups, and
 * app clients created on demand. `admin` is an SDK client for what an administrator does.
 */
export const startUserPool = async () => {
  const directory = await mkdtemp(join(tmpdir(), 'camvault-cognito-'));
  // cognito-local's pools want e-mail user names unless told otherwise; the stack's pool takes plain
  // user names (the name a lock shows), so take them here too.
  await mkdir(join(directory, '.cognito'));
  await writeFile(
    join(directory, '.cognito', 'config.json'),
    JSON.stringify({ UserPoolDefaults: { UsernameAttributes: [] } }),
  );
  let running: Awaited<ReturnType<typeof startCognitoLocal>>;
  try {
    running = await startCognitoLocal(directory);
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const { endpoint, child } = running;
  const admin = new CognitoIdentityProviderClient({
    endpoint,
    region: TEST_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { UserPool } = await admin.send(new CreateUserPoolCommand({ PoolName: 'camvault-test' }));
  const userPoolId = UserPool?.Id as string;
  for (const group of ROLE_GROUPS)
    await admin.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));

  return {
    endpoint,
    region: TEST_REGION,
    userPoolId,
    /** What its tokens name as `iss`, and where its keys are: `<issuer>/.well-known/jwks.json`. */
    issuer: `${endpoint}/${userPoolId}`,
    admin,

    /** A public app client (no secret) for password sign-in; access tokens valid `accessTokenSeconds`. */
    async createAppClient(name: string, options: { accessTokenSeconds?: number } = {}): Promise<string> {
      const { UserPoolClient } = await admin.send(
        new CreateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientName: name,
          GenerateSecret: false,
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          EnableTokenRevocation: true,
          AccessTokenValidity: options.accessTokenSeconds ?? 3600,
          TokenValidityUnits: { AccessToken: 'seconds' },
        }),
      );
      return UserPoolClient?.ClientId as string;
    },

    /** What an admin does for a new programmer: the account with a temporary password, in its groups. */
    async createUser(username: string, groups: string[], temporaryPassword: string): Promise<PoolUser> {
      await admin.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: username,
          TemporaryPassword: temporaryPassword,
          UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }],
          MessageAction: 'SUPPRESS',
        }),
      );
      for (const group of groups)
        await admin.send(
          new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName: group }),
        );
      return { username, temporaryPassword };
    },

    async stop(): Promise<void> {
      admin.destroy();
      await stopChild(child);
      await rm(directory, { recursive: true, force: true });
    },
  };
};

export type UserPool = Awaited<ReturnType<typeof startUserPool>>;
