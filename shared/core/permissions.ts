/**
 * Who may do what: the caller's role from their groups, and the folder rules that narrow it. Pure
 * functions, the same for every route; every capability asks here and nothing reaches around it.
 */
import type { DefaultRole } from '../config';
import type { Caller, Role, Rule } from '../model';

/** Highest first: a caller's role is the first of these among their groups. */
export const ROLES = ['admins', 'leads', 'programmers', 'operators'] as const;
/** A rule's group list entry that every signed-in user matches. */
export const EVERYONE = '*';

export const roleOf = (caller: Caller, defaultRole: DefaultRole): Role =>
  ROLES.find((role) => caller.groups.includes(role)) ?? defaultRole;

/** The groups a rule matches the caller by: their own, and their default role's group when that is their role. */
export const groupsOf = (caller: Caller, defaultRole: DefaultRole): Set<string> => {
  const groups = new Set(caller.groups);
  const role = roleOf(caller, defaultRole);
  if (role !== 'none' && !ROLES.some((candidate) => caller.groups.includes(candidate))) groups.add(role);
  return groups;
};

/** A rule set, keyed by the case-folded prefix, with the longest-prefix lookup. */
export interface RuleBook {
  /** Changes with every rule change: a read of the rules is as fresh as this. */
  version: number;
  rules: Map<string, Rule>;
}

export const EMPTY_RULES: RuleBook = { version: 0, rules: new Map() };

/**
 * The rule that governs a key: the longest rule prefix it starts with. A rule's prefix is the root
 * ("") or a folder's (ending in "/"), so only the key's own folder prefixes are looked up, longest
 * first: a lookup per folder level, whatever the number of rules.
 */
export const ruleFor = (book: RuleBook, key: string): Rule | null => {
  for (let slash = key.lastIndexOf('/'); slash > 0; slash = key.lastIndexOf('/', slash - 1)) {
    const rule = book.rules.get(key.slice(0, slash + 1));
    if (rule) return rule;
  }
  return book.rules.get('') ?? null;
};

const inList = (list: string[], groups: Set<string>): boolean =>
  list.includes(EVERYONE) || list.some((group) => groups.has(group));

/** What the caller is, once per request: their role, and what the rules let them read and change. */
export class Access {
  readonly role: Role;
  private readonly groups: Set<string>;

  constructor(
    readonly caller: Caller,
    defaultRole: DefaultRole,
    readonly book: RuleBook,
  ) {
    this.role = roleOf(caller, defaultRole);
    this.groups = groupsOf(caller, defaultRole);
  }

  get isAdmin(): boolean {
    return this.role === 'admins';
  }

  get isOperator(): boolean {
    return this.role === 'operators';
  }

  /** May see what is under `key` at all (before the role's own limits, such as operators' released-only). */
  mayRead(key: string): boolean {
    if (this.role === 'none') return false;
    if (this.isAdmin) return true;
    const rule = ruleFor(this.book, key);
    return !rule || inList(rule.read, this.groups);
  }

  /** May change what is under `key`, as far as folder rules go (the role is checked apart). */
  mayWrite(key: string): boolean {
    if (this.isAdmin) return true;
    const rule = ruleFor(this.book, key);
    return !rule || inList(rule.write, this.groups);
  }

  /**
   * The parts of the key range `[from, to)` (`to` null: no end) that the caller may read, in key
   * order. Every rule prefix inside it cuts it (where the prefix's keys begin, and where they end),
   * and between two cuts the same rules apply to every key; a listing queries only the readable
   * parts, so a hidden folder costs no read however large it is.
   */
  readableRanges(from: string, to: string | null): KeyRange[] {
    if (this.role === 'none') return [];
    if (this.isAdmin || this.book.rules.size === 0) return [{ from, to }];
    const inside = (key: string) => compareKeys(key, from) > 0 && (to === null || compareKeys(key, to) < 0);
    const cuts = [from, ...cutsOf(this.book).filter(inside)];
    const ranges: KeyRange[] = [];
    cuts.forEach((start, i) => {
      if (!this.mayRead(start)) return;
      const end = cuts[i + 1] ?? to;
      const last = ranges.at(-1);
      if (last && last.to === start) last.to = end;
      else ranges.push({ from: start, to: end });
    });
    return ranges;
  }
}

/** A half-open range of keys: from `from` (included) to `to` (excluded; null: no end). */
export interface KeyRange {
  from: string;
  to: string | null;
}

/** Where JavaScript's order of UTF-16 units and the order of UTF-8 bytes can differ: surrogates against U+E000–U+FFFF. */
const UNITS_AND_BYTES_DISAGREE = /[\uD800-\uFFFF]/;

/** Keys in the order DynamoDB keeps them: by their UTF-8 bytes (JavaScript compares UTF-16 units). */
export const compareKeys = (a: string, b: string): number => {
  if (UNITS_AND_BYTES_DISAGREE.test(a) || UNITS_AND_BYTES_DISAGREE.test(b))
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
};

/**
 * Every place a book's rules cut the key space (where each prefix's keys begin and end), in key
 * order, once per book: a warm function reuses its cached book, so a listing does not sort them again.
 */
const sortedCuts = new WeakMap<RuleBook, string[]>();
const cutsOf = (book: RuleBook): string[] => {
  let cuts = sortedCuts.get(book);
  if (!cuts) {
    const unique = new Set<string>();
    for (const prefix of book.rules.keys()) {
      unique.add(prefix);
      const end = prefixEnd(prefix);
      if (end !== null) unique.add(end);
    }
    cuts = [...unique].sort(compareKeys);
    sortedCuts.set(book, cuts);
  }
  return cuts;
};

/** The first key after every key that starts with `prefix` (its last character, one higher); null for "". */
export const prefixEnd = (prefix: string): string | null => {
  const characters = [...prefix];
  const last = characters.pop();
  if (last === undefined) return null;
  const code = last.codePointAt(0) as number;
  // The highest code point has no next: the first key after it is the one after the shorter prefix.
  if (code === 0x10ffff) return prefixEnd(characters.join(''));
  // Surrogate code points are no characters: after U+D7FF comes U+E000.
  return `${characters.join('')}${String.fromCodePoint(code === 0xd7ff ? 0xe000 : code + 1)}`;
};
