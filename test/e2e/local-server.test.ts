/** `npm start` as a user runs it: a child process with its own data directory. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '#infra/local/emulators';
import { ApiClient } from '../support/http';

const MAIN = join(__dirname, '..', '..', 'infra', 'local', 'main.ts');

const startServer = (env: Record<string, string>) => {
  // As `npm start` runs it: one process, TypeScript loaded by tsx in place.
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, CAMVAULT_LOG_LEVEL: 'SILENT', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const ready = new Promise<{ url: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    child.stdout?.on('data', () => {
      const url = /running at (http:\/\/\S+)/.exec(output)?.[1];
      const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(output)?.[1];
      if (url && token) {
        clearTimeout(timer);
        resolve({ url, token });
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`server exited:\n${output}`));
    });
  });
  // Tests that expect a refusal never await `ready`; its rejection is not an unhandled error.
  ready.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited, output: () => output };
};

/** DynamoDB Local processes still running on this data directory. */
const javaProcessesOn = (dataDir: string): string[] =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.startsWith('java') && line.includes(dataDir));

const stop = async (child: ChildProcess, exited: Promise<number | null>, signal: NodeJS.Signals) => {
  child.kill(signal);
  return exited;
};

test('data survives a restart; SIGTERM and even SIGKILL leave no DynamoDB Local behind', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'camvault-start-'));
  const env = { PORT: String(await freePort()), CAMVAULT_DATA_DIR: dataDir };

  const first = startServer(env);
  const { url, token } = await first.ready;
  const api = new ApiClient(url, token);
  expect((await api.get('/health')).body).toEqual({ ok: true });
  expect((await api.commit('kept/across-restarts.mcam', Buffer.from('persisted bytes'))).status).toBe(200);
  expect(javaProcessesOn(dataDir)).toHaveLength(1);
  expect(await stop(first.child, first.exited, 'SIGTERM')).toBe(0);
  expect(javaProcessesOn(dataDir)).toEqual([]);

  const second = startServer(env);
  const again = await second.ready;
  const client = new ApiClient(again.url, again.token);
  expect((await client.get('/files/kept/across-restarts.mcam')).body).toMatchObject({ version: 1 });
  expect(await client.downloadBytes('kept/across-restarts.mcam')).toEqual(Buffer.from('persisted bytes'));
  const openApi = await fetch(`${again.url}/openapi.json`);
  expect(openApi.status).toBe(200);

  await stop(second.child, second.exited, 'SIGKILL');
  // The JVM notices its lifeline closed and stops on its own.
  for (let i = 0; i < 50 && javaProcessesOn(dataDir).length > 0; i++)
    await new Promise((r) => setTimeout(r, 200));
  expect(javaProcessesOn(dataDir)).toEqual([]);
});

test('refuses a non-loopback HOST while the JWT secret is the default', async () => {
  const server = startServer({ HOST: '0.0.0.0', PORT: String(await freePort()), CAMVAULT_JWT_SECRET: '' });
  expect(await server.exited).toBe(1);
  expect(server.output()).toMatch(/refusing to listen on 0\.0\.0\.0 with the default CAMVAULT_JWT_SECRET/);
});

test('a bad setting stops it at once, in one line naming the variable, before any emulator starts', async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'camvault-start-')), 'data');
  const server = startServer({
    PORT: String(await freePort()),
    CAMVAULT_DATA_DIR: dataDir,
    CAMVAULT_URL_TTL_SECONDS: 'abc',
  });
  expect(await server.exited).toBe(1);
  expect(server.output().trim()).toBe(
    'camvault: CAMVAULT_URL_TTL_SECONDS must be an integer from 1 to 604800, got "abc"',
  );
  expect(existsSync(dataDir)).toBe(false);
});

test('without Java it says so in one line, with the install command', async () => {
  // A PATH holding node alone: /usr/bin, where node lives, usually holds java too.
  const nodeOnly = mkdtempSync(join(tmpdir(), 'camvault-path-'));
  symlinkSync(process.execPath, join(nodeOnly, 'node'));
  const server = startServer({ PATH: nodeOnly, PORT: String(await freePort()) });
  expect(await server.exited).toBe(1);
  expect(server.output().trim()).toMatch(
    /^camvault: Java 17\+ is needed .* apt-get install -y default-jre-headless`$/,
  );
});
