/**
 * Who may use the vault: a Cognito user pool where an administrator creates every account, one public
 * app client for the CLI (password or SRP sign-in) and the web page (authorization code with PKCE),
 * and one group per role: `admins`, `leads`, `programmers`, `operators`.
 */
import { createHash } from 'node:crypto';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolUser,
  CfnUserPoolUserToGroupAttachment,
  FeaturePlan,
  Mfa,
  OAuthScope,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  type UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES } from '#shared/core/permissions';

const ROLE_DESCRIPTIONS: Record<(typeof ROLES)[number], string> = {
  admins: 'Everything: break any lock, manage folder rules, read the whole audit trail.',
  leads: 'What programmers may, and release or withdraw versions for the machines.',
  programmers: 'List, download, add, check out and in, move, delete and restore files.',
  operators: 'See released files only, and download their released version.',
};

export interface VaultIdentityProps {
  callbackUrls: string[];
  logoutUrls: string[];
  adminEmails: string[];
  authDomainPrefix: string | null;
  /** How long a sign-in lasts before the password is asked again. */
  refreshTokenValidityDays: number;
}

export class VaultIdentity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly admins: UserPoolGroup;
  /** The role groups, by role. */
  readonly groups = new Map<(typeof ROLES)[number], UserPoolGroup>();
  readonly domain: UserPoolDomain | null;

  constructor(scope: Construct, id: string, props: VaultIdentityProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      // The user name is who a lock names; e-mail is for invitations and password resets only.
      signInAliases: { username: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      autoVerify: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: FeaturePlan.ESSENTIALS,
      userInvitation: {
        emailSubject: 'Your camvault account',
        emailBody:
          'Your camvault user name is {username} and your temporary password is {####}. ' +
          'You will choose your own password when you first sign in.',
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason: 'MFA is optional (TOTP) because the CLI password sign-in does not answer MFA challenges yet.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Essentials plan: admin-created users only, and Plus bills every active user with no free tier.',
      },
    );

    this.client = this.userPool.addClient('Client', {
      // A public client: a CLI and a browser page cannot keep a secret.
      generateSecret: false,
      // The CLI signs in with USER_PASSWORD_AUTH (the password goes to Cognito over TLS, never to the
      // vault); SRP stays allowed for clients that speak it.
      authFlows: { userPassword: true, userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: props.callbackUrls,
        logoutUrls: props.logoutUrls,
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // The CLI renews the hour-long access token by itself; the refresh token is the sign-in's length.
      refreshTokenValidity: Duration.days(props.refreshTokenValidityDays),
    });

    // One group per role (the highest of a user's groups is their role); the construct ids keep v1's Admins.
    for (const role of ROLES) {
      this.groups.set(
        role,
        this.userPool.addGroup(`${role[0]?.toUpperCase()}${role.slice(1)}`, {
          groupName: role,
          description: ROLE_DESCRIPTIONS[role],
        }),
      );
    }
    this.admins = this.groups.get('admins') as UserPoolGroup;

    for (const email of props.adminEmails) this.addAdmin(email);

    this.domain = props.authDomainPrefix
      ? this.userPool.addDomain('HostedLogin', { cognitoDomain: { domainPrefix: props.authDomainPrefix } })
      : null;
  }

  /** An admin whose user name is the address; Cognito e-mails it a temporary password. */
  private addAdmin(email: string): void {
    // Named by the address, not its position: reordering the list replaces nobody.
    const id = `Admin${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 12)}`;
    const user = new CfnUserPoolUser(this, id, {
      userPoolId: this.userPool.userPoolId,
      username: email,
      userAttributes: [
        { name: 'email', value: email },
        { name: 'email_verified', value: 'true' },
      ],
      desiredDeliveryMediums: ['EMAIL'],
    });
    new CfnUserPoolUserToGroupAttachment(this, `${id}InGroup`, {
      userPoolId: this.userPool.userPoolId,
      groupName: this.admins.groupName,
      username: user.ref,
    });
  }
}
