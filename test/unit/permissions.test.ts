/** Roles and folder rules as a table: who may read and change what, and which key ranges a listing reads. */
import { RULES_CACHE_MS, RuleCache } from '#shared/core/context';
import { Access, compareKeys, prefixEnd, type RuleBook, roleOf, ruleFor } from '#shared/core/permissions';
import type { Rule } from '#shared/model';

const book = (...rules: Rule[]): RuleBook => ({
  version: 1,
  rules: new Map(rules.map((rule) => [rule.prefix.toLowerCase(), rule])),
});
const rules = book(
  { prefix: 'customers/acme/', read: ['acme'], write: ['acme-leads'] },
  { prefix: 'customers/acme/public/', read: ['*'], write: ['acme'] },
  { prefix: 'posts/', read: ['*'], write: ['leads'] },
  { prefix: 'secret/', read: [], write: [] },
);
const access = (groups: string[], defaultRole: 'programmers' | 'operators' | 'none' = 'programmers') =>
  new Access({ user: 'u', groups }, defaultRole, rules);

test.each([
  [['admins', 'operators'], 'programmers', 'admins'],
  [['operators', 'leads'], 'programmers', 'leads'],
  [['programmers'], 'none', 'programmers'],
  [['operators'], 'programmers', 'operators'],
  [['acme'], 'programmers', 'programmers'],
  [[], 'operators', 'operators'],
  [[], 'none', 'none'],
] as const)('groups %j with default %s: role %s', (groups, defaultRole, role) => {
  expect(roleOf({ user: 'u', groups: [...groups] }, defaultRole)).toBe(role);
});

test('the longest matching rule wins', () => {
  expect(ruleFor(rules, 'customers/acme/public/a.mcam')?.prefix).toBe('customers/acme/public/');
  expect(ruleFor(rules, 'customers/acme/a.mcam')?.prefix).toBe('customers/acme/');
  expect(ruleFor(rules, 'customers/acmex/a.mcam')).toBeNull();
  expect(ruleFor(rules, 'other.mcam')).toBeNull();
  expect(ruleFor(rules, 'customers/acme')).toBeNull();
});

test('a rule on the root governs every key no longer rule covers', () => {
  const withRoot = book({ prefix: '', read: ['staff'], write: ['leads'] }, ...rules.rules.values());
  expect(ruleFor(withRoot, 'other.mcam')?.prefix).toBe('');
  expect(ruleFor(withRoot, 'customers/acmex/a.mcam')?.prefix).toBe('');
  expect(ruleFor(withRoot, 'posts/deep/down/a.mcam')?.prefix).toBe('posts/');
});

test('keys compare as their UTF-8 bytes, whatever characters they hold', () => {
  const characters = ['a', '/', 'z', '\u00e9', '\ud7ff', '\ue000', '\uffff', '\u{1F529}', '\u{10FFFF}', '0'];
  const keys = characters.flatMap((first) => characters.map((second) => `${first}${second}`));
  for (const a of keys)
    for (const b of keys)
      expect({ a, b, order: Math.sign(compareKeys(a, b)) }).toEqual({
        a,
        b,
        order: Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))),
      });
});

test.each([
  // groups, key, may read, may write
  [['programmers'], 'other/a.mcam', true, true],
  [['programmers'], 'customers/acme/a.mcam', false, false],
  [['programmers', 'acme'], 'customers/acme/a.mcam', true, false],
  [['programmers', 'acme-leads'], 'customers/acme/a.mcam', false, true],
  [['programmers'], 'customers/acme/public/a.mcam', true, false],
  [['programmers', 'acme'], 'customers/acme/public/a.mcam', true, true],
  [['programmers'], 'posts/p.mcam', true, false],
  [['leads'], 'posts/p.mcam', true, true],
  [['programmers'], 'secret/s.mcam', false, false],
  [['admins'], 'secret/s.mcam', true, true],
  [['admins'], 'customers/acme/a.mcam', true, true],
  [[], 'posts/p.mcam', true, false],
] as const)('%j on %s: read %s, write %s', (groups, key, read, write) => {
  const who = access([...groups]);
  expect([who.mayRead(key), who.mayWrite(key)]).toEqual([read, write]);
});

test('a user whose role is the default counts as a member of that role’s group; none reads nothing', () => {
  const floorRules = book({ prefix: 'floor/', read: ['operators'], write: [] });
  expect(new Access({ user: 'u', groups: [] }, 'operators', floorRules).mayRead('floor/a.mcam')).toBe(true);
  expect(new Access({ user: 'u', groups: [] }, 'programmers', floorRules).mayRead('floor/a.mcam')).toBe(
    false,
  );
  const nobody = new Access({ user: 'u', groups: [] }, 'none', book());
  expect([nobody.mayRead('a.mcam'), nobody.readableRanges('', null)]).toEqual([false, []]);
});

describe('readable key ranges', () => {
  test('cut out a hidden folder, keep a readable folder inside it', () => {
    const ranges = access(['programmers']).readableRanges('', null);
    expect(ranges).toEqual([
      { from: '', to: 'customers/acme/' },
      { from: 'customers/acme/public/', to: 'customers/acme/public0' },
      { from: 'customers/acme0', to: 'secret/' },
      { from: 'secret0', to: null },
    ]);
  });

  test('within a listing prefix, and for admins the whole range', () => {
    expect(access(['programmers']).readableRanges('customers/', prefixEnd('customers/'))).toEqual([
      { from: 'customers/', to: 'customers/acme/' },
      { from: 'customers/acme/public/', to: 'customers/acme/public0' },
      { from: 'customers/acme0', to: 'customers0' },
    ]);
    expect(access(['admins']).readableRanges('', null)).toEqual([{ from: '', to: null }]);
  });

  test('every key falls in a range exactly when it may be read', () => {
    const who = access(['programmers']);
    const ranges = who.readableRanges('', null);
    const keys = [
      'a.mcam',
      'customers/a.mcam',
      'customers/acme/x.mcam',
      'customers/acme/public/p.mcam',
      'customers/acme0.mcam',
      'posts/p.mcam',
      'secret/s.mcam',
      'secret0.mcam',
      'z/🔩.mcam',
      'customers/acme/public/🔩.mcam',
    ];
    for (const key of keys) {
      const inRange = ranges.some(
        (range) => compareKeys(key, range.from) >= 0 && (range.to === null || compareKeys(key, range.to) < 0),
      );
      expect({ key, inRange }).toEqual({ key, inRange: who.mayRead(key) });
    }
  });

  test('the end of a prefix comes after every key that starts with it, in byte order', () => {
    expect(prefixEnd('a/')).toBe('a0');
    expect(prefixEnd('')).toBeNull();
    expect(compareKeys('a/\u{10FFFF}\u{10FFFF}', prefixEnd('a/') as string)).toBeLessThan(0);
    expect(
      compareKeys(
        `x${String.fromCodePoint(0xd7ff)}\u{1F529}`,
        prefixEnd(`x${String.fromCodePoint(0xd7ff)}`) as string,
      ),
    ).toBeLessThan(0);
  });
});

describe('the listing rules cache', () => {
  test('serves the rules it read for at most RULES_CACHE_MS, then reads them again; a fresher read replaces them', async () => {
    let now = 0;
    let version = 1;
    const reads: number[] = [];
    const cache = new RuleCache(
      async () => {
        reads.push(now);
        return { version, rules: new Map() };
      },
      () => now,
    );
    expect((await cache.current()).version).toBe(1);
    version = 2;
    now = RULES_CACHE_MS;
    expect((await cache.current()).version).toBe(1);
    now = RULES_CACHE_MS + 1;
    expect((await cache.current()).version).toBe(2);
    cache.remember({ version: 3, rules: new Map() });
    expect((await cache.current()).version).toBe(3);
    cache.remember({ version: 2, rules: new Map() });
    expect((await cache.current()).version).toBe(3);
    expect(reads).toEqual([0, RULES_CACHE_MS + 1]);
  });
});
