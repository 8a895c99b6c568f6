/** Users' e-mail addresses from the Cognito user pool: only an address the user verified is used. */
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Directory } from '../core/ports';

export class CognitoDirectory implements Directory {
  constructor(
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async verifiedEmailOf(user: string): Promise<string | null> {
    try {
      const { UserAttributes } = await this.cognito.send(
        new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: user }),
      );
      const attribute = (name: string) => UserAttributes?.find((candidate) => candidate.Name === name)?.Value;
      const email = attribute('email');
      return email && attribute('email_verified') === 'true' ? email : null;
    } catch (error) {
      if (error instanceof UserNotFoundException) return null;
      throw error;
    }
  }
}
