/**
 * The one place names are parsed: the handlers, the local server, the CLI and the web page all use
 * these rules (contract v2, "Names"). Runs in Node and in the browser alike.
 */
import { badRequest } from './errors';

/** A file name that passed the contract's rules: `name` as shown, `key` as stored and compared. */
export interface FileName {
  readonly name: string;
  readonly key: string;
  /**
   * Why the name is not portable to Windows (a v2 rule), or null. v1 accepted such names, so a file
   * may already have one and stays reachable under it (to be renamed); no new file may take it:
   * see `requirePortable`.
   */
  readonly portabilityProblem: string | null;
}

/** A folder prefix: `""` (the root) or a path ending in `/`; `prefix` NFC as given, `key` folded like names. */
export interface FolderPrefix {
  readonly prefix: string;
  readonly key: string;
}

export const MAX_NAME_BYTES = 512;
/**
 * At most this many folders above a file. A server limit the contract is silent about: a change
 * updates one counter per folder level in its transaction.
 */
export const MAX_FOLDER_DEPTH = 32;

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
/**
 * Line breaks beyond the C0 ones (LF, VT, FF, CR are control characters already): NEL, LS, PS.
 * The contract makes a line break in the path 400, so these are refused outright, not as a
 * portability problem only.
 */
const LINE_BREAK = /[\u0085\u2028\u2029]/;
const C1_CONTROL = /[\u0080-\u009f]/;
/** With the `u` flag a surrogate pair is one code point, so this finds only unpaired halves. */
const LONE_SURROGATE = /\p{Surrogate}/u;
/** `? #` also cannot be addressed through API Gateway; Windows holds `#` but not the others. */
const NOT_PORTABLE_CHARACTER = /[<>:"|?*#]/;
/** Windows' device names, exactly these (not COM10, not LPT, not CONSOLE). */
const RESERVED_DEVICE = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** The contract's case-folding: locale-independent lowercasing of the NFC form. */
export const nameKey = (normalizedName: string): string => normalizedName.toLowerCase();

const encoder = /* @__PURE__ */ new TextEncoder();
const utf8Length = (text: string): number => encoder.encode(text).length;
const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

type Subject = 'name' | 'prefix';

/**
 * The rules no name or folder prefix may break (v1's, the line breaks and the depth); null when
 * all hold. `text` is NFC already; `segments` are its `/`-separated parts, the file's too.
 */
const hardProblem = (text: string, what: Subject, segments: string[], folders: number): string | null => {
  if (CONTROL_CHARACTER.test(text)) return `${what} must not contain control characters`;
  if (LINE_BREAK.test(text)) return `${what} must not contain a line break`;
  if (text.includes('\\')) return `${what} must not contain a backslash; separate folders with /`;
  for (const segment of segments) {
    if (segment === '') {
      return what === 'name'
        ? 'name must not start or end with / nor contain an empty segment'
        : 'prefix must not start with / nor contain an empty segment';
    }
    if (segment === '.' || segment === '..') return `${what} must not contain a . or .. segment`;
    if (segment.endsWith(' ') || segment.endsWith('.')) {
      return `${what} segment "${segment}" must not end in a space or a dot`;
    }
  }
  if (folders > MAX_FOLDER_DEPTH) {
    return `${what} must be at most ${MAX_FOLDER_DEPTH} folders deep, got ${folders}`;
  }
  return null;
};

/** The v2 rules that keep a name portable to Windows; null when it is. */
const portabilityProblemOf = (text: string, what: Subject, segments: string[]): string | null => {
  const character = NOT_PORTABLE_CHARACTER.exec(text)?.[0];
  if (character !== undefined) {
    return character === '#'
      ? `${what} must not contain "#" (a URL cannot address it)`
      : `${what} must not contain "${character}" (Windows cannot hold it)`;
  }
  if (C1_CONTROL.test(text)) {
    return `${what} must not contain C1 control characters (U+0080-U+009F; Windows cannot hold them)`;
  }
  for (const segment of segments) {
    const stem = segment.split('.', 1)[0] ?? '';
    if (RESERVED_DEVICE.test(stem)) {
      return `${what} segment "${segment}" is a device name Windows reserves (${stem.toUpperCase()})`;
    }
  }
  return null;
};

/** The NFC form of a name and its segments, or the first rule it breaks that needs no configuration. */
const nameSyntax = (raw: string): { name: string; segments: string[] } | { problem: string } => {
  if (!isWellFormed(raw)) return { problem: 'name is not valid Unicode' };
  const name = raw.normalize('NFC');
  const bytes = utf8Length(name);
  if (bytes < 1 || bytes > MAX_NAME_BYTES) {
    return { problem: `name must be 1-${MAX_NAME_BYTES} UTF-8 bytes, got ${bytes}` };
  }
  const segments = name.split('/');
  const problem = hardProblem(name, 'name', segments, segments.length - 1);
  return problem === null ? { name, segments } : { problem };
};

/**
 * Checks a raw name against the contract's rules and returns it NFC-normalised with its key.
 * Throws BAD_REQUEST naming the first rule broken, except for the v2 portability rules, which a v1
 * file's name may break: those are returned as `portabilityProblem` (see `requirePortable`).
 */
export const parseFileName = (raw: string, allowedExtensions: readonly string[]): FileName => {
  const syntax = nameSyntax(raw);
  if ('problem' in syntax) throw badRequest(syntax.problem);
  const { name, segments } = syntax;
  const key = nameKey(name);
  if (!allowedExtensions.some((extension) => key.endsWith(extension))) {
    throw badRequest(`name must end in one of: ${allowedExtensions.join(', ')}`);
  }
  return { name, key, portabilityProblem: portabilityProblemOf(name, 'name', segments) };
};

/** The name, if it is portable to Windows; BAD_REQUEST otherwise. For every name a new file would take. */
export const requirePortable = (name: FileName): FileName => {
  if (name.portabilityProblem !== null) throw badRequest(name.portabilityProblem);
  return name;
};

/**
 * What a client must check before it puts a name into a URL path, or null: every rule but the
 * extension (the server's configuration) and portability (a v1 file may hold such a name). A URL
 * parser resolves `.` and `..` segments, plain or `%2E`-encoded, before anything is sent, so the
 * server cannot refuse them for the client: `x/../y.mcam` would act on `y.mcam`.
 */
export const nameAddressProblem = (raw: string): string | null => {
  const syntax = nameSyntax(raw);
  return 'problem' in syntax ? syntax.problem : null;
};

/**
 * A folder prefix (`GET /folders?prefix=`, `GET /files?prefix=P&depth=1`): `""` for the root, or
 * folders each followed by `/`. Each folder passes the name rules for segments, portability included
 * (no folder can exist under a name a new file may not take). BAD_REQUEST otherwise.
 */
export const parseFolderPrefix = (raw: string): FolderPrefix => {
  if (raw === '') return { prefix: '', key: '' };
  if (!isWellFormed(raw)) throw badRequest('prefix is not valid Unicode');
  const prefix = raw.normalize('NFC');
  if (!prefix.endsWith('/')) {
    throw badRequest('prefix must be "" (the root) or a folder prefix, which ends in "/"');
  }
  const bytes = utf8Length(prefix);
  if (bytes > MAX_NAME_BYTES) throw badRequest(`prefix must be at most ${MAX_NAME_BYTES} UTF-8 bytes`);
  const segments = prefix.slice(0, -1).split('/');
  const problem =
    hardProblem(prefix, 'prefix', segments, segments.length) ??
    portabilityProblemOf(prefix, 'prefix', segments);
  if (problem !== null) throw badRequest(problem);
  return { prefix, key: nameKey(prefix) };
};

/** A listing prefix, folded the same way as keys so that it matches case-insensitively. */
export const parseNamePrefix = (raw: string): string => {
  if (!isWellFormed(raw) || CONTROL_CHARACTER.test(raw)) throw badRequest('prefix must be printable text');
  const prefix = nameKey(raw.normalize('NFC'));
  if (utf8Length(prefix) > MAX_NAME_BYTES) throw badRequest(`prefix must be at most ${MAX_NAME_BYTES} bytes`);
  return prefix;
};

/** The folder prefix of a name or key: `"a/b/"` for `"a/b/c.mcam"`, `""` at the root. */
export const folderOf = (name: string): string => name.slice(0, name.lastIndexOf('/') + 1);

/** Every folder prefix of a name (or of a folder prefix), from the top: `["a/", "a/b/"]` for `"a/b/c.mcam"`. */
export const ancestorFolders = (name: string): string[] => {
  const folders: string[] = [];
  for (let slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', slash + 1)) {
    folders.push(name.slice(0, slash + 1));
  }
  return folders;
};

/** The last segment of a name: what a download saves the file as. */
export const baseName = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

/** What a watch names: a folder prefix (`""` for the whole vault, else ending in `/`) or one file's name. */
export const parseWatchedPrefix = (
  raw: string,
  allowedExtensions: readonly string[],
): { prefix: string; key: string } => {
  if (raw === '' || raw.endsWith('/')) return parseFolderPrefix(raw);
  const name = parseFileName(raw, allowedExtensions);
  return { prefix: name.name, key: name.key };
};
