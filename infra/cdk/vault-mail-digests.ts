/**
 * E-mail digests (setting `mailFrom`): every few minutes `SendMailDigests` mails each user, by SES,
 * one digest of the notifications the feeds' notifier marked due since the last run, to their
 * verified Cognito address. SES, not SNS: SNS can neither gather many events into one mail nor
 * reach a user without a subscription they confirm first.
 */
import { join } from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { LogLevel } from '#shared/logger';
import { backgroundFunctions } from '../routes';
import { VaultFunction } from './vault-function';

export interface VaultMailDigestsProps {
  table: Table;
  userPool: IUserPool;
  /** Absolute path of the repository root; background function entries are relative to it. */
  root: string;
  /** The sender, an address (or an address of a domain) SES has verified. */
  mailFrom: string;
  digestMinutes: number;
  logLevel: LogLevel;
  logRetention: RetentionDays;
}

export class VaultMailDigests extends Construct {
  readonly send: VaultFunction;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: VaultMailDigestsProps) {
    super(scope, id);
    const { sendMailDigests } = backgroundFunctions;
    this.send = new VaultFunction(this, sendMailDigests.id, {
      entry: join(props.root, sendMailDigests.entry),
      description: "mails each user a digest of their feed's new notifications",
      environment: {
        CAMVAULT_TABLE: props.table.tableName,
        CAMVAULT_USER_POOL_ID: props.userPool.userPoolId,
        CAMVAULT_MAIL_FROM: props.mailFrom,
      },
      // Shorter than the rate, so no two runs overlap (and mail one digest twice).
      timeout: Duration.seconds(Math.min(300, props.digestMinutes * 60 - 10)),
      sdk: 'runtime',
      logLevel: props.logLevel,
      logRetention: props.logRetention,
    });
    // Due mail is found on the byGroup index; each sent notification is marked in place.
    this.send.bindTable(props.table, ['dynamodb:UpdateItem'], ['byGroup']);
    this.send.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['cognito-idp:AdminGetUser'], resources: [props.userPool.userPoolArn] }),
    );
    const { account, region } = Stack.of(this);
    this.send.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        // SES authorizes against the sender's identity and, in the sandbox, each recipient's: which
        // identities those are depends on the addresses, so the sender is pinned by condition instead.
        resources: [`arn:aws:ses:${region}:${account}:identity/*`],
        conditions: { StringEquals: { 'ses:FromAddress': props.mailFrom } },
      }),
    );
    Validations.of(this.send.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:aws:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
      reason:
        'ses:SendEmail is checked against the identities of sender and recipients; the sender is fixed by the ses:FromAddress condition.',
    });
    // A failed run is not retried: the next one takes up what it left, and a retry could overlap it.
    this.send.function.configureAsyncInvoke({ retryAttempts: 0 });
    this.schedule = new Rule(this, 'Schedule', {
      description: 'camvault: mail the notification digests',
      schedule: Schedule.rate(Duration.minutes(props.digestMinutes)),
      targets: [new LambdaFunction(this.send.function, { retryAttempts: 0 })],
    });
  }
}
