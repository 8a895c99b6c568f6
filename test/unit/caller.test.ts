import { callerFromEvent } from '#shared/http/caller';
import type { HttpEvent } from '#shared/http/route';

const eventWith = (claims: Record<string, unknown> | undefined) =>
  ({
    requestContext: { authorizer: claims ? { jwt: { claims, scopes: [] } } : undefined },
  }) as unknown as HttpEvent;

test.each([
  ['username first', { username: 'u', 'cognito:username': 'c', sub: 's' }, 'u'],
  ['then cognito:username', { 'cognito:username': 'c', sub: 's' }, 'c'],
  ['then sub', { sub: 's' }, 's'],
  ['blank username skipped', { username: ' ', sub: 's' }, 's'],
])('the user name: %s', (_label, claims, user) => {
  expect(callerFromEvent(eventWith(claims)).user).toBe(user);
});

test.each([
  ['an array', ['planners', 'admins'], ['planners', 'admins']],
  ['API Gateway flattened string', '[planners admins]', ['planners', 'admins']],
  ['a single group string', 'admins', ['admins']],
  ['a similar name', '[admins-readonly]', ['admins-readonly']],
  ['absent', undefined, []],
])('the groups from cognito:groups as %s', (_label, claim, groups) => {
  expect(callerFromEvent(eventWith({ sub: 'x', 'cognito:groups': claim })).groups).toEqual(groups);
});

test('no claims, or none naming a user, is 401', () => {
  for (const claims of [undefined, {}, { email: 'a@b' }]) {
    expect(() => callerFromEvent(eventWith(claims))).toThrow(
      expect.objectContaining({ code: 'UNAUTHORIZED', status: 401 }),
    );
  }
});
