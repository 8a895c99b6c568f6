import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured JSON logger per process. What it must never receive: tokens, presigned URLs,
 * request bodies or file contents — log names, codes and ids only.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'camvault' });
