import { SNSClient } from '@aws-sdk/client-sns';

export const createSnsClient = (env: Record<string, string | undefined> = process.env): SNSClient =>
  new SNSClient({ endpoint: env.AWS_ENDPOINT_URL_SNS || undefined });
