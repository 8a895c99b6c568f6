/** Running the real `camvault` command as a child process, one config directory and working directory per user. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from '../support/http';

export const CLI = join(__dirname, '..', '..', 'cli', 'bin.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child: this one's, without any camvault settings a developer may have exported. */
const childEnvironment = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const name of ['CAMVAULT_URL', 'CAMVAULT_TOKEN', 'CAMVAULT_CONFIG_DIR', 'XDG_CONFIG_HOME'])
    delete env[name];
  return { ...env, ...extra };
};

export const spawnCli = (
  args: string[],
  options: { cwd: string; env: Record<string, string>; input?: string },
): { child: ChildProcess; done: Promise<CliResult> } => {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: childEnvironment(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdin?.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
};

export const temporaryDirectory = (prefix: string) => mkdtemp(join(tmpdir(), `camvault-cli-${prefix}-`));

/** A programmer: their own config directory (so their own login) and working directory. */
export class CliUser {
  constructor(
    readonly name: string,
    readonly token: string,
    readonly configDir: string,
    readonly workDir: string,
  ) {}

  /** Runs `camvault ARGS` in the working directory; `env` adds to (or overrides) the user's environment. */
  run(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
    return this.spawn(args, options).done;
  }

  spawn(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
    return spawnCli(args, {
      cwd: this.workDir,
      env: { CAMVAULT_CONFIG_DIR: this.configDir, ...options.env },
      input: options.input,
    });
  }

  /** `--json`, with stdout parsed; fails the test with the CLI's stderr when it did not exit 0. */
  async json<T = any>(args: string[]): Promise<T> {
    const result = await this.run([...args, '--json']);
    if (result.code !== 0)
      throw new Error(`camvault ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  path(file: string): string {
    return join(this.workDir, file);
  }

  entries(): Promise<string[]> {
    return readdir(this.workDir);
  }
}

/** A user logged in to the test server through `camvault login`, as a new user would. */
export const loggedInUser = async (server: TestServer, name: string, admin = false): Promise<CliUser> => {
  const token = server.tokenFor(name, admin);
  const user = new CliUser(
    name,
    token,
    await temporaryDirectory(`${name}-config`),
    await temporaryDirectory(name),
  );
  const login = await user.run(['login', '--url', server.url, '--token', token]);
  if (login.code !== 0) throw new Error(`login of ${name} failed: ${login.stderr}`);
  return user;
};

export const removeUsers = (users: CliUser[]) =>
  Promise.all(
    users.flatMap((user) => [
      rm(user.configDir, { recursive: true, force: true }),
      rm(user.workDir, { recursive: true, force: true }),
    ]),
  );

export const isReadOnly = async (path: string): Promise<boolean> => ((await stat(path)).mode & 0o222) === 0;
export const isOwnerWritable = async (path: string): Promise<boolean> =>
  ((await stat(path)).mode & 0o200) !== 0;

/** One line of `camvault: …` on stderr: the CLI's error format. */
export const oneErrorLine = (result: CliResult): string => {
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^camvault: /);
  return lines[0] as string;
};

export const waitFor = async (what: string, condition: () => Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const readAll = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );

/**
 * A front for the vault that records every API request and points transfers at a storage that stalls
 * halfway: a download gets half its bytes and then nothing, an upload is read and never answered.
 * `stalled` resolves when a transfer is stuck there, the moment a test presses Ctrl-C. The download
 * links of the requests `passes` (given the request's path) are left as the vault gave them (real
 * storage, complete), so a test can stop a many-file sync in the middle; `() => true` makes it a
 * plain request counter.
 *
 * Parts of multipart uploads go through it to real storage (their signed Host kept), counted: the
 * first `failParts` PUTs are answered 503 without reaching storage, the next `passParts` go through,
 * and the rest stall like a single upload; with `sinkParts` every part is read, counted and dropped.
 */
export const startStallingProxy = async (
  vaultUrl: string,
  options: {
    passes?: (path: string) => boolean;
    passParts?: number;
    failParts?: number;
    sinkParts?: boolean;
    /** Awaited before an API request is passed on to the vault (to change the vault in between). */
    beforeForwarding?: (path: string) => Promise<void>;
  } = {},
) => {
  const passing = options.passes ?? (() => false);
  let passingParts = options.passParts ?? Number.POSITIVE_INFINITY;
  let failing = options.failParts ?? 0;
  const requests: string[] = [];
  const held: ServerResponse[] = [];
  /** Parts storage took through this proxy (part numbers, in the order they completed), and their bytes. */
  const storedParts: number[] = [];
  let storedPartBytes = 0;
  let stalledParts = 0;
  let failedParts = 0;
  let reached: () => void = () => undefined;
  const stalled = new Promise<void>((resolve) => {
    reached = resolve;
  });

  const forwardPart = (request: IncomingMessage, response: ServerResponse, target: URL) => {
    const partNumber = Number(target.pathname.slice(target.pathname.lastIndexOf('/') + 1));
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    const onward = httpRequest(
      target,
      { method: 'PUT', headers: { ...request.headers, host: target.host } },
      (answer) => {
        if (answer.statusCode === 200) {
          storedParts.push(partNumber);
          storedPartBytes += bytes;
        }
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    onward.on('error', () => response.destroy());
    request.pipe(onward);
  };

  const storage = createServer((request, response) => {
    const path = request.url ?? '/';
    if (path.startsWith('/part/')) {
      const target = new URL(decodeURIComponent(path.slice('/part/'.length)));
      if (failing > 0) {
        failing -= 1;
        failedParts += 1;
        request.resume();
        response.writeHead(503);
        response.end('<Error><Code>SlowDown</Code><Message>try again</Message></Error>');
        return;
      }
      if (options.sinkParts) {
        // Read and dropped, as storage would take them (a measure of the client alone, no disk behind).
        let bytes = 0;
        request.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        request.on('end', () => {
          storedPartBytes += bytes;
          response.writeHead(200, { etag: '"sink"' });
          response.end();
        });
        return;
      }
      if (passingParts > 0) {
        passingParts -= 1;
        forwardPart(request, response, target);
        return;
      }
      stalledParts += 1;
    }
    held.push(response);
    if (request.method === 'PUT') {
      request.once('data', () => reached());
      request.resume();
      return;
    }
    const size = Number(new URL(path, 'http://storage').searchParams.get('size'));
    response.writeHead(200, { 'content-length': String(size) });
    response.write(Buffer.alloc(Math.floor(size / 2), 1), () => reached());
  });
  const storageUrl = await listen(storage);

  const api = createServer((request, response) => {
    void (async () => {
      const body = await readAll(request);
      const path = request.url ?? '/';
      requests.push(`${request.method} ${path}`);
      await options.beforeForwarding?.(path);
      const answer = await fetch(`${vaultUrl}${path}`, {
        method: request.method,
        headers: {
          authorization: request.headers.authorization ?? '',
          'content-type': request.headers['content-type'] ?? 'application/json',
        },
        body: body.length > 0 ? body : undefined,
      });
      let text = await answer.text();
      const isTransfer = (request.method === 'POST' && path === '/uploads') || path.startsWith('/download/');
      const passes = answer.ok && path.startsWith('/download/') && passing(path);
      if (answer.ok && isTransfer && !passes) {
        const link = JSON.parse(text);
        if (link.url !== null)
          text = JSON.stringify({ ...link, url: `${storageUrl}/stall?size=${link.sizeBytes}` });
      }
      if (answer.ok && request.method === 'POST' && /^\/uploads\/[^/]+\/parts$/.test(path)) {
        const { parts } = JSON.parse(text) as { parts: { url: string }[] };
        text = JSON.stringify({
          parts: parts.map((part) => ({
            ...part,
            url: `${storageUrl}/part/${encodeURIComponent(part.url)}`,
          })),
        });
      }
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(text);
    })().catch((error: Error) => {
      response.writeHead(502);
      response.end(error.message);
    });
  });
  const url = await listen(api);

  return {
    url,
    requests,
    stalled,
    parts: () => ({
      stored: [...storedParts],
      storedBytes: storedPartBytes,
      stalled: stalledParts,
      failed: failedParts,
    }),
    /** From now on every part goes through to storage, counted afresh (the same front: the same vault URL). */
    passAllParts: () => {
      passingParts = Number.POSITIVE_INFINITY;
      storedParts.length = 0;
      storedPartBytes = 0;
      stalledParts = 0;
    },
    close: async () => {
      for (const response of held) response.destroy();
      for (const server of [api, storage]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
};
