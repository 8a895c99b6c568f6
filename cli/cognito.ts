/**
 * Cognito's user-pool API as the CLI needs it: password sign-in (USER_PASSWORD_AUTH, answering the
 * NEW_PASSWORD_REQUIRED challenge of a first sign-in), renewal with the refresh token, revocation.
 * All are unauthenticated calls of a public app client: no AWS credentials are read or sent.
 * Loaded only when one of them is needed: the SDK is the heaviest thing the CLI ever loads.
 */
import {
  type AuthenticationResultType,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { CognitoSession, CognitoSignIn } from './config';
import { authError, CliError, otherError, usageError } from './errors';
import type { Prompter } from './prompt';

const TIMEOUT_MS = 30_000;
/** Times a person may retype a new password that did not match. */
const NEW_PASSWORD_TRIES = 3;

const client = (pool: CognitoSignIn) =>
  new CognitoIdentityProviderClient({
    region: pool.region,
    ...(pool.endpoint ? { endpoint: pool.endpoint } : {}),
    maxAttempts: 2,
    requestHandler: { requestTimeout: TIMEOUT_MS, connectionTimeout: TIMEOUT_MS },
  });

const where = (pool: CognitoSignIn) => pool.endpoint ?? `Cognito in ${pool.region}`;

/** What went wrong talking to Cognito, as a CliError: 5 for a refused sign-in, else 1. */
const failure = (error: unknown, pool: CognitoSignIn, doing: string): CliError => {
  if (error instanceof CliError) return error;
  const name = (error as { name?: string }).name ?? '';
  const message = (error as Error).message ?? String(error);
  if (name === 'NotAuthorizedException' || name === 'UserNotFoundException')
    return authError(`${doing} refused: ${message}`, 'SIGN_IN_REFUSED');
  if (name === 'PasswordResetRequiredException')
    return authError(
      `${doing} refused: your password must be reset; ask an admin`,
      'PASSWORD_RESET_REQUIRED',
    );
  if (name === 'UserNotConfirmedException')
    return authError(`${doing} refused: your account is not confirmed yet; ask an admin`, 'SIGN_IN_REFUSED');
  if (name === 'ResourceNotFoundException')
    return usageError(
      `${where(pool)} has no app client ${pool.clientId}: check --user-pool-client-id (the stack output AppClientId) and --region`,
    );
  if (
    name === 'InvalidParameterException' ||
    name === 'TooManyRequestsException' ||
    name === 'LimitExceededException'
  )
    return otherError(`${doing} failed: ${message}`, 'COGNITO');
  if (name.endsWith('Exception')) return otherError(`${doing} failed: ${name}: ${message}`, 'COGNITO');
  // No answer at all: refused, timed out, no such host.
  const cause = (error as { code?: string }).code ?? message;
  return otherError(`cannot reach ${where(pool)}: ${cause}`, 'NETWORK');
};

/** The session the tokens of a sign-in make; the access token's expiry from ExpiresIn, else its `exp`. */
const sessionOf = (
  username: string,
  result: AuthenticationResultType | undefined,
  refreshToken: string | undefined,
  signedInAt: Date,
): CognitoSession => {
  const accessToken = result?.AccessToken;
  if (!accessToken || !refreshToken)
    throw otherError('Cognito answered the sign-in without tokens', 'COGNITO');
  return {
    username,
    accessToken,
    accessTokenExpiresAt: accessTokenExpiry(accessToken, result?.ExpiresIn).toISOString(),
    refreshToken,
    signedInAt: signedInAt.toISOString(),
  };
};

/** cognito-local leaves ExpiresIn out; its tokens carry `exp` like Cognito's. */
const accessTokenExpiry = (accessToken: string, expiresIn: number | undefined): Date => {
  if (typeof expiresIn === 'number' && expiresIn > 0) return new Date(Date.now() + expiresIn * 1000);
  try {
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
    if (typeof claims.exp === 'number') return new Date(claims.exp * 1000);
  } catch {
    // fall through
  }
  throw otherError('Cognito answered with an access token that has no expiry', 'COGNITO');
};

const passwordSignIn = (
  cognito: CognitoIdentityProviderClient,
  pool: CognitoSignIn,
  username: string,
  password: string,
) =>
  cognito.send(
    new InitiateAuthCommand({
      ClientId: pool.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );

/** A new password, typed twice; asked again (at a terminal) when the two differ. */
const askNewPassword = async (prompter: Prompter): Promise<string> => {
  for (let attempt = 1; ; attempt++) {
    const first = await prompter.askSecret('new password: ');
    const second = await prompter.askSecret('new password again: ');
    if (first !== '' && first === second) return first;
    const problem = first === '' ? 'the new password is empty' : 'the two new passwords differ';
    if (!prompter.interactive || attempt >= NEW_PASSWORD_TRIES)
      throw usageError(`${problem}; run camvault login again (your temporary password still works)`);
    process.stderr.write(`${problem}; try again\n`);
  }
};

/**
 * Signs in with a user name and password; a first sign-in with a temporary password sets a new one.
 * The passwords live in this function's variables only: never stored, never printed.
 */
export const signIn = async (
  pool: CognitoSignIn,
  prompter: Prompter,
  username: string,
  notice: (line: string) => void,
): Promise<CognitoSession> => {
  const cognito = client(pool);
  try {
    const password = await prompter.askSecret('password: ');
    if (password === '') throw usageError('no password given');
    const signedInAt = new Date();
    let answer = await passwordSignIn(cognito, pool, username, password).catch((error: unknown) => {
      // cognito-local answers a wrong password with InvalidPasswordException; Cognito with NotAuthorized.
      if ((error as Error).name === 'InvalidPasswordException')
        throw authError('sign-in refused: Incorrect username or password.', 'SIGN_IN_REFUSED');
      throw error;
    });
    if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED') {
      notice('Your password is temporary: choose your own now.');
      const newPassword = await askNewPassword(prompter);
      await cognito
        .send(
          new RespondToAuthChallengeCommand({
            ClientId: pool.clientId,
            ChallengeName: 'NEW_PASSWORD_REQUIRED',
            Session: answer.Session,
            ChallengeResponses: {
              USERNAME: answer.ChallengeParameters?.USER_ID_FOR_SRP ?? username,
              NEW_PASSWORD: newPassword,
            },
          }),
        )
        .catch((error: unknown) => {
          if ((error as Error).name === 'InvalidPasswordException')
            throw usageError(
              `the new password was refused: ${(error as Error).message} Run camvault login again (your temporary password still works).`,
            );
          throw error;
        });
      // Sign in once more with the new password rather than keep the challenge's tokens: cognito-local
      // does not accept the refresh token RespondToAuthChallenge returns, and on Cognito this is just
      // one more sign-in, with tokens as good as the first.
      answer = await passwordSignIn(cognito, pool, username, newPassword);
    }
    if (answer.ChallengeName)
      throw authError(
        `Cognito asks for ${answer.ChallengeName}, which camvault login does not answer yet; ask an admin`,
        'SIGN_IN_CHALLENGE',
      );
    return sessionOf(
      username,
      answer.AuthenticationResult,
      answer.AuthenticationResult?.RefreshToken,
      signedInAt,
    );
  } catch (error) {
    throw failure(error, pool, 'sign-in');
  } finally {
    cognito.destroy();
  }
};

/** A new access token from the refresh token (and a new refresh token, where the pool rotates them). */
export const renew = async (pool: CognitoSignIn, session: CognitoSession): Promise<CognitoSession> => {
  const cognito = client(pool);
  try {
    const answer = await cognito.send(
      new InitiateAuthCommand({
        ClientId: pool.clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: session.refreshToken },
      }),
    );
    const renewed = sessionOf(
      session.username,
      answer.AuthenticationResult,
      answer.AuthenticationResult?.RefreshToken ?? session.refreshToken,
      new Date(session.signedInAt),
    );
    return renewed;
  } catch (error) {
    throw failure(error, pool, 'renewing your sign-in');
  } finally {
    cognito.destroy();
  }
};

/** Revokes the refresh token (and so the tokens it gave); false when Cognito no longer knew it. */
export const revoke = async (pool: CognitoSignIn, session: CognitoSession): Promise<boolean> => {
  const cognito = client(pool);
  try {
    await cognito.send(new RevokeTokenCommand({ ClientId: pool.clientId, Token: session.refreshToken }));
    return true;
  } catch (error) {
    // Already revoked or expired: what logout wants.
    if ((error as Error).name === 'NotAuthorizedException') return false;
    throw failure(error, pool, 'revoking your sign-in');
  } finally {
    cognito.destroy();
  }
};
