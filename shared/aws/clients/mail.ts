import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SESv2Client } from '@aws-sdk/client-sesv2';

type Env = Record<string, string | undefined>;

export const createSesClient = (env: Env = process.env): SESv2Client =>
  new SESv2Client({ endpoint: env.AWS_ENDPOINT_URL_SES || undefined });

export const createCognitoClient = (env: Env = process.env): CognitoIdentityProviderClient =>
  new CognitoIdentityProviderClient({
    endpoint: env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER || undefined,
  });
