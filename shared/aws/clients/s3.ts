import { S3Client } from '@aws-sdk/client-s3';

type Env = Record<string, string | undefined>;

const STRIP_BUCKET_SLASH = 'stripBucketSlash';

/**
 * s3rver signs bucket-level paths (a listing, a multi-object delete) without the trailing slash the
 * SDK sends with path-style addressing: for the emulator only, the slash goes before signing.
 */
export const signBucketPathsLikeTheEmulator = (s3: S3Client): void => {
  if (s3.middlewareStack.identify().some((entry) => entry.startsWith(STRIP_BUCKET_SLASH))) return;
  s3.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: string };
      if (request.path && /^\/[^/]+\/$/.test(request.path)) request.path = request.path.slice(0, -1);
      return next(args);
    },
    { step: 'build', name: STRIP_BUCKET_SLASH },
  );
};

export const createS3Client = (env: Env = process.env): S3Client => {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || undefined;
  const s3 = new S3Client({
    endpoint,
    // Emulators serve buckets by path, not by host name.
    forcePathStyle: endpoint !== undefined,
    // Checksums only where the request asks for one: the presigned PUT signs its own.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  if (endpoint !== undefined) signBucketPathsLikeTheEmulator(s3);
  return s3;
};
