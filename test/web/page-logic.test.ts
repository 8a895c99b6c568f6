/** The page's pure parts, in Node: error wording, PKCE and token claims, config.json's checks. */
import type { Lock } from '#shared/model';
import {
  clockTime,
  crumbsOf,
  describeFailure,
  describeLock,
  humanBytes,
  storageMessage,
} from '../../web/src/format';
import { abilitiesOf } from '../../web/src/roles';
import { base64Url, codeChallenge, decodeClaims, isAdmin, randomToken, userOf } from '../../web/src/tokens';
import { parseWebConfig } from '../../web/src/web-config';

const at = (hours: number, minutes: number, dayOffset = 0) => {
  const date = new Date(2025, 2, 4 + dayOffset, hours, minutes);
  return date.toISOString();
};
const NOW = new Date(2025, 2, 4, 15, 0);

const lock = (overrides: Partial<Lock> = {}): Lock => ({
  name: 'fixtures/Plate A.mcam',
  user: 'prog2',
  lockId: 'l1',
  acquiredAt: at(9, 12),
  message: 'fixing post',
  expiresAt: null,
  ...overrides,
});

describe('errors in plain words', () => {
  test('LOCKED names the holder, since when, and their message', () => {
    expect(
      describeFailure(
        { status: 409, code: 'LOCKED', message: 'x is checked out by prog2', lock: lock() },
        NOW,
      ),
    ).toBe("Locked by prog2 since 09:12 — 'fixing post'");
  });

  test('a lock taken on another day shows the date; an empty message is left out', () => {
    expect(describeLock(lock({ acquiredAt: at(17, 5, -1), message: '' }), NOW)).toBe(
      'Locked by prog2 since 2025-03-03 17:05',
    );
  });

  test.each([
    [
      { status: 409, code: 'NOT_LOCKED', message: 'fixtures/a.mcam is not checked out to you' },
      'Fixtures/a.mcam is not checked out to you.',
    ],
    [
      {
        status: 409,
        code: 'ALREADY_EXISTS',
        message: 'a file named A.mcam already exists (names are case-insensitive)',
      },
      'A file named A.mcam already exists (names are case-insensitive).',
    ],
    [
      { status: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' },
      'Your sign-in has expired or was refused. Sign in again.',
    ],
    [
      { status: 500, code: 'INTERNAL', message: 'internal error', requestId: 'r-42' },
      'The vault failed unexpectedly (request r-42). Try again; if it keeps failing, tell an administrator.',
    ],
    [
      { status: 0, code: 'NETWORK', message: 'Failed to fetch' },
      'Cannot reach the vault (Failed to fetch). Check the connection and try again.',
    ],
    [{ status: 502, code: 'HTTP_502', message: '' }, 'The vault answered 502.'],
  ])('%o reads "%s"', (failure, words) => {
    expect(describeFailure(failure, NOW)).toBe(words);
  });

  test('storage’s XML error becomes one line', () => {
    expect(
      storageMessage(
        403,
        '<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature…</Message></Error>',
      ),
    ).toBe('storage refused the upload (HTTP 403 SignatureDoesNotMatch: The request signature…)');
  });

  test('sizes and times', () => {
    expect([humanBytes(33), humanBytes(6 * 1024 * 1024 + 123), humanBytes(1536)]).toEqual([
      '33 B',
      '6.0 MiB',
      '1.5 KiB',
    ]);
    expect(clockTime(at(8, 5), NOW)).toBe('08:05');
  });
});

describe('sign-in helpers', () => {
  test('the PKCE S256 challenge of RFC 7636’s example verifier', async () => {
    await expect(codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).resolves.toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  test('random tokens are URL-safe and long enough for a PKCE verifier (43–128 characters)', () => {
    const verifier = randomToken(48);
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(randomToken(48)).not.toBe(verifier);
    expect(base64Url(Uint8Array.from([251, 255]))).toBe('-_8');
  });

  test('claims: the user as the contract picks it, and admins by group in either form', () => {
    const token = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    const access = decodeClaims(token({ sub: 'uuid-1', username: 'prog1', 'cognito:groups': ['admins'] }));
    expect(access && [userOf(access), isAdmin(access)]).toEqual(['prog1', true]);
    const id = decodeClaims(
      token({ sub: 'uuid-2', 'cognito:username': 'prog2', 'cognito:groups': '[crew admins]' }),
    );
    expect(id && [userOf(id), isAdmin(id)]).toEqual(['prog2', true]);
    const plain = decodeClaims(token({ sub: 'uuid-3', 'cognito:groups': ['administrators'] }));
    expect(plain && [userOf(plain), isAdmin(plain)]).toEqual(['uuid-3', false]);
    expect(decodeClaims('not-a-token')).toBeNull();
  });
});

describe('config.json', () => {
  test('local and Cognito modes', () => {
    expect(parseWebConfig({ mode: 'local', apiUrl: '' })).toEqual({
      mode: 'local',
      apiUrl: '',
      pollSeconds: 5,
      notificationsPollSeconds: 30,
      partsInParallel: 4,
    });
    expect(
      parseWebConfig({
        mode: 'cognito',
        apiUrl: 'https://abc.execute-api.eu-central-1.amazonaws.com/',
        pollSeconds: 10,
        notificationsPollSeconds: 60,
        partsInParallel: 8,
        cognito: {
          domain: 'https://acme.auth.eu-central-1.amazoncognito.com',
          clientId: 'c1',
          region: 'eu-central-1',
        },
      }),
    ).toEqual({
      mode: 'cognito',
      apiUrl: 'https://abc.execute-api.eu-central-1.amazonaws.com',
      pollSeconds: 10,
      notificationsPollSeconds: 60,
      partsInParallel: 8,
      cognito: {
        domain: 'https://acme.auth.eu-central-1.amazoncognito.com',
        clientId: 'c1',
        region: 'eu-central-1',
      },
    });
  });

  test('an interval outside 1–300 s is the default: 5 s for the files, 30 s for the notifications', () => {
    expect(
      parseWebConfig({ mode: 'local', apiUrl: '', pollSeconds: 0, notificationsPollSeconds: 3600 }),
    ).toMatchObject({ pollSeconds: 5, notificationsPollSeconds: 30 });
    expect(parseWebConfig({ mode: 'local', apiUrl: '', notificationsPollSeconds: 1 })).toMatchObject({
      notificationsPollSeconds: 1,
    });
  });

  test.each([0, 17, 2.5, '4', null])('parts in parallel %p is the default, 4', (partsInParallel) => {
    expect(parseWebConfig({ mode: 'local', apiUrl: '', partsInParallel })).toMatchObject({
      partsInParallel: 4,
    });
  });

  test.each([
    [null, /not a JSON object/],
    [{ mode: 'local' }, /no apiUrl/],
    [{ mode: 'saml', apiUrl: '' }, /unknown mode/],
    [{ mode: 'cognito', apiUrl: '' }, /no Cognito app client/],
  ])('refuses %p', (value, problem) => {
    const parsed = parseWebConfig(value);
    expect('error' in parsed && parsed.error).toMatch(problem);
  });
});

describe('roles and folders', () => {
  test.each([
    ['operators', { edit: false, release: false, breakLocks: false, releasedOnly: true }],
    ['programmers', { edit: true, release: false, breakLocks: false, releasedOnly: false }],
    ['leads', { edit: true, release: true, breakLocks: false, releasedOnly: false }],
    ['admins', { edit: true, release: true, breakLocks: true, releasedOnly: false }],
    ['none', { edit: false, release: false, breakLocks: false, releasedOnly: false }],
  ] as const)('%s are offered %o', (role, abilities) => {
    expect(abilitiesOf(role)).toEqual(abilities);
  });

  test('breadcrumbs lead from the top of the vault down to the folder', () => {
    expect(crumbsOf('')).toEqual([{ label: 'Vault', prefix: '' }]);
    expect(crumbsOf('fixtures/Plates 2024/')).toEqual([
      { label: 'Vault', prefix: '' },
      { label: 'fixtures', prefix: 'fixtures/' },
      { label: 'Plates 2024', prefix: 'fixtures/Plates 2024/' },
    ]);
  });
});
