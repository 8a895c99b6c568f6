import type { startEmulators } from '../../infra/local/local-vault';

export default async function globalTeardown(): Promise<void> {
  const emulators = (globalThis as { camvaultEmulators?: Awaited<ReturnType<typeof startEmulators>> })
    .camvaultEmulators;
  await emulators?.stop();
}
