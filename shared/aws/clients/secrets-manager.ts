import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const createSecretsManagerClient = (
  env: Record<string, string | undefined> = process.env,
): SecretsManagerClient =>
  new SecretsManagerClient({ endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER || undefined });
