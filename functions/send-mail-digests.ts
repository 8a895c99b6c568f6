/** Scheduled (AWS, with the `mailFrom` setting): each user's notifications since the last run, in one mail. */
import middy from '@middy/core';
import { createDynamoDbClient } from '#shared/aws/clients/dynamodb';
import { createCognitoClient, createSesClient } from '#shared/aws/clients/mail';
import { CognitoDirectory } from '#shared/aws/cognito-directory';
import { DynamoDbNoticeStore } from '#shared/aws/dynamodb/notice-store';
import { SesMailSender } from '#shared/aws/ses-mail-sender';
import { ConfigError } from '#shared/config';
import { Digests } from '#shared/core/digests';
import { logger } from '#shared/logger';

const setting = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new ConfigError(`${name} must be set`);
  return value;
};

const digests = new Digests(
  new DynamoDbNoticeStore(createDynamoDbClient(), setting('CAMVAULT_TABLE')),
  new CognitoDirectory(createCognitoClient(), setting('CAMVAULT_USER_POOL_ID')),
  new SesMailSender(createSesClient(), setting('CAMVAULT_MAIL_FROM')),
);

export const handler = middy().handler(async () => {
  const sent = await digests.sendDue();
  logger.info('digests sent', sent);
  return sent;
});
