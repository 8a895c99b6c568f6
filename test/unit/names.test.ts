import {
  ancestorFolders,
  folderOf,
  MAX_FOLDER_DEPTH,
  nameAddressProblem,
  parseFileName,
  parseFolderPrefix,
  parseNamePrefix,
  requirePortable,
} from '#shared/names';

const MCAM = ['.mcam'];
const nameOf = (bytes: number, tail = '.mcam') => `${'a'.repeat(bytes - tail.length)}${tail}`;
/** A name with `folders` folders above the file. */
const deep = (folders: number) => `${'d/'.repeat(folders)}part.mcam`;
const BAD_REQUEST = expect.objectContaining({ code: 'BAD_REQUEST', status: 400 });

describe('accepted names', () => {
  test.each([
    ['plain', 'part.mcam', 'part.mcam', 'part.mcam'],
    ['folders and spaces', 'fixtures/Plate A.mcam', 'fixtures/Plate A.mcam', 'fixtures/plate a.mcam'],
    ['upper-case extension', 'Part.MCAM', 'Part.MCAM', 'part.mcam'],
    ['deep path', 'a/b/c/d/e.mcam', 'a/b/c/d/e.mcam', 'a/b/c/d/e.mcam'],
    ['dots inside segments', 'v1.2/part.v3.mcam', 'v1.2/part.v3.mcam', 'v1.2/part.v3.mcam'],
    ['leading dot segment', '.hidden/part.mcam', '.hidden/part.mcam', '.hidden/part.mcam'],
    ['unicode letters', 'Großteil/Übung.mcam', 'Großteil/Übung.mcam', 'großteil/übung.mcam'],
    ['NFD folded to NFC', 'Cafe\u0301.mcam', 'Caf\u00e9.mcam', 'caf\u00e9.mcam'],
    [
      'Windows-legal punctuation',
      "Plate (A) no.2 [rev-b] & co's; {x}=1, ~y!.mcam",
      "Plate (A) no.2 [rev-b] & co's; {x}=1, ~y!.mcam",
      "plate (a) no.2 [rev-b] & co's; {x}=1, ~y!.mcam",
    ],
    ['percent and plus', '100% fill+drill.mcam', '100% fill+drill.mcam', '100% fill+drill.mcam'],
    ['CJK', '治具/プレート.mcam', '治具/プレート.mcam', '治具/プレート.mcam'],
    ['emoji', 'parts/🔩.mcam', 'parts/🔩.mcam', 'parts/🔩.mcam'],
    ['exactly 512 bytes', nameOf(512), nameOf(512), nameOf(512)],
    ['space inside segment end ok before ext', 'a b/c d.mcam', 'a b/c d.mcam', 'a b/c d.mcam'],
    ['leading space in segment', ' lead/part.mcam', ' lead/part.mcam', ' lead/part.mcam'],
    // Look-alikes of Windows' device names, which Windows accepts.
    ['CONSOLE is no device', 'CONSOLE.mcam', 'CONSOLE.mcam', 'console.mcam'],
    ['con-1 is no device', 'con-1.mcam', 'con-1.mcam', 'con-1.mcam'],
    ['COM10 is no device', 'COM10.mcam', 'COM10.mcam', 'com10.mcam'],
    ['LPT without a digit is no device', 'LPT.mcam', 'LPT.mcam', 'lpt.mcam'],
    ['xcon is no device', 'xcon.mcam', 'xcon.mcam', 'xcon.mcam'],
    ['a folder named conx', 'conx/part.mcam', 'conx/part.mcam', 'conx/part.mcam'],
    ['a device name after the first dot', 'part.con.mcam', 'part.con.mcam', 'part.con.mcam'],
    [
      'a device name inside a segment',
      'my aux/nul part.mcam',
      'my aux/nul part.mcam',
      'my aux/nul part.mcam',
    ],
    ['COM with a superscript digit is not one of them', 'COM¹.mcam', 'COM¹.mcam', 'com¹.mcam'],
    [
      'just below C1 and just above',
      '\u007e\u00a0\u00a1.mcam',
      '\u007e\u00a0\u00a1.mcam',
      '\u007e\u00a0\u00a1.mcam',
    ],
    ['32 folders deep', deep(32), deep(32), deep(32)],
  ])('%s: %j', (_label, raw, name, key) => {
    expect(parseFileName(raw, MCAM)).toEqual({ name, key, portabilityProblem: null });
  });

  test('NFC and NFD spellings, and case variants, share one key', () => {
    const keys = ['Cafe\u0301.mcam', 'Caf\u00e9.mcam', 'CAF\u00c9.MCAM', 'caf\u00e9.Mcam'].map(
      (raw) => parseFileName(raw, MCAM).key,
    );
    expect(new Set(keys).size).toBe(1);
  });

  test('the configured extensions, compared case-insensitively', () => {
    expect(parseFileName('part.EMCAM', ['.mcam', '.emcam']).name).toBe('part.EMCAM');
    expect(parseFileName('post.nc', ['.nc']).key).toBe('post.nc');
  });
});

describe('refused names (v1 rules, the line breaks and the depth limit)', () => {
  test.each([
    ['empty', ''],
    ['513 bytes', nameOf(513)],
    ['513 bytes of multi-byte characters', `${'é'.repeat(254)}x.mcam`],
    ['leading slash', '/part.mcam'],
    ['trailing slash', 'folder/part.mcam/'],
    ['empty segment', 'a//part.mcam'],
    ['dot segment', 'a/./part.mcam'],
    ['leading dot segment', './part.mcam'],
    ['dot-dot segment (traversal)', '../part.mcam'],
    ['dot-dot in the middle', 'a/../../etc/part.mcam'],
    ['backslash', 'a\\part.mcam'],
    ['Windows traversal', '..\\..\\part.mcam'],
    ['NUL', 'part\u0000.mcam'],
    ['newline', 'part\n.mcam'],
    ['carriage return', 'part\r.mcam'],
    ['tab', 'pa\trt.mcam'],
    ['escape', '\u001b[31mred.mcam'],
    ['DEL', 'part\u007f.mcam'],
    ['line separator U+2028', 'a\u2028b.mcam'],
    ['paragraph separator U+2029', 'a\u2029b.mcam'],
    ['next line U+0085 (a C1 control that breaks lines)', 'a\u0085b.mcam'],
    ['segment ending in a space', 'folder /part.mcam'],
    ['segment ending in a dot', 'folder./part.mcam'],
    ['name ending in a space', 'part.mcam '],
    ['name ending in a dot', 'part.mcam.'],
    ['wrong extension', 'part.mcx'],
    ['no extension', 'part'],
    ['extension only as folder', 'x.mcam/readme.txt'],
    ['extension without the dot', 'partmcam'],
    ['lone surrogate', 'part\ud800.mcam'],
    ['only a slash', '/'],
    ['33 folders deep', deep(33)],
    ['a hard rule wins over a portability one', 'a:b/../c.mcam'],
    ['a wrong extension wins over portability', 'CON.txt'],
  ])('%s', (_label, raw) => {
    expect(() => parseFileName(raw, MCAM)).toThrow(BAD_REQUEST);
  });

  test('the messages name the rule', () => {
    const message = (raw: string) => {
      try {
        parseFileName(raw, MCAM);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`${raw} was accepted`);
    };
    expect(message(deep(33))).toBe('name must be at most 32 folders deep, got 33');
    expect(message('a\u2028b.mcam')).toBe('name must not contain a line break');
    expect(message('x/../y.mcam')).toBe('name must not contain a . or .. segment');
    expect(MAX_FOLDER_DEPTH).toBe(32);
  });
});

describe('names Windows cannot hold (v2): parsed, with their portabilityProblem', () => {
  test.each([
    ['less than', 'a<b.mcam', 'name must not contain "<" (Windows cannot hold it)'],
    ['greater than', 'a>b.mcam', 'name must not contain ">" (Windows cannot hold it)'],
    ['colon', 'Plate A: rev 2.mcam', 'name must not contain ":" (Windows cannot hold it)'],
    ['double quote', 'the "good" one.mcam', 'name must not contain """ (Windows cannot hold it)'],
    ['pipe', 'a|b.mcam', 'name must not contain "|" (Windows cannot hold it)'],
    ['question mark', 'why?.mcam', 'name must not contain "?" (Windows cannot hold it)'],
    ['asterisk', 'a*.mcam', 'name must not contain "*" (Windows cannot hold it)'],
    ['hash', 'Plate #2.mcam', 'name must not contain "#" (a URL cannot address it)'],
    [
      "v1's punctuation row, which holds a #",
      "Plate (A) #2 [rev-b] & co's.mcam",
      'name must not contain "#" (a URL cannot address it)',
    ],
    [
      'a forbidden character in a folder',
      'jobs:2024/part.mcam',
      'name must not contain ":" (Windows cannot hold it)',
    ],
    [
      'the first forbidden character is named',
      'a*b?c.mcam',
      'name must not contain "*" (Windows cannot hold it)',
    ],
    ['CON as the stem', 'CON.mcam', 'name segment "CON.mcam" is a device name Windows reserves (CON)'],
    ['con in lower case', 'con.mcam', 'name segment "con.mcam" is a device name Windows reserves (CON)'],
    ['Con in mixed case', 'Con.mcam', 'name segment "Con.mcam" is a device name Windows reserves (CON)'],
    ['CON as a folder', 'CON/part.mcam', 'name segment "CON" is a device name Windows reserves (CON)'],
    ['PRN', 'prn.mcam', 'name segment "prn.mcam" is a device name Windows reserves (PRN)'],
    [
      'AUX before several dots',
      'aux.backup.mcam',
      'name segment "aux.backup.mcam" is a device name Windows reserves (AUX)',
    ],
    ['NUL as a folder', 'nul/x.mcam', 'name segment "nul" is a device name Windows reserves (NUL)'],
    ['COM0', 'COM0.mcam', 'name segment "COM0.mcam" is a device name Windows reserves (COM0)'],
    ['COM0 as a folder', 'jobs/COM0/x.mcam', 'name segment "COM0" is a device name Windows reserves (COM0)'],
    ['com9', 'com9.mcam', 'name segment "com9.mcam" is a device name Windows reserves (COM9)'],
    ['LPT0', 'lpt0.mcam', 'name segment "lpt0.mcam" is a device name Windows reserves (LPT0)'],
    ['LPT5 as a folder', 'LPT5/x.mcam', 'name segment "LPT5" is a device name Windows reserves (LPT5)'],
    ['LPT9', 'Lpt9.mcam', 'name segment "Lpt9.mcam" is a device name Windows reserves (LPT9)'],
    [
      'C1 control U+0080',
      'a\u0080b.mcam',
      'name must not contain C1 control characters (U+0080-U+009F; Windows cannot hold them)',
    ],
    [
      'C1 control U+009F in a folder',
      'a\u009f/b.mcam',
      'name must not contain C1 control characters (U+0080-U+009F; Windows cannot hold them)',
    ],
    [
      'C1 control U+009B (CSI)',
      '\u009b31mred.mcam',
      'name must not contain C1 control characters (U+0080-U+009F; Windows cannot hold them)',
    ],
  ])('%s: %j', (_label, raw, problem) => {
    const parsed = parseFileName(raw, MCAM);
    expect(parsed).toEqual({ name: raw, key: raw.toLowerCase(), portabilityProblem: problem });
    expect(() => requirePortable(parsed)).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', message: problem }),
    );
  });

  test('requirePortable hands a portable name back unchanged', () => {
    const parsed = parseFileName('fixtures/Plate A.mcam', MCAM);
    expect(requirePortable(parsed)).toBe(parsed);
  });
});

describe('what a client checks before a name goes into a URL', () => {
  test.each([
    ['x/../y.mcam', 'name must not contain a . or .. segment'],
    ['./y.mcam', 'name must not contain a . or .. segment'],
    ['a//y.mcam', 'name must not start or end with / nor contain an empty segment'],
    ['a\nb.mcam', 'name must not contain control characters'],
  ])('%j is refused with the server’s message', (raw, problem) => {
    expect(nameAddressProblem(raw)).toBe(problem);
    expect(() => parseFileName(raw, MCAM)).toThrow(expect.objectContaining({ message: problem }));
  });

  test.each(['part.mcam', 'Plate #2.mcam', 'CON.mcam', 'notes.txt'])(
    '%j is addressable (extension and portability are the server’s to judge)',
    (raw) => {
      expect(nameAddressProblem(raw)).toBeNull();
    },
  );
});

describe('folder prefixes', () => {
  test.each([
    ['the root', '', '', ''],
    ['one folder', 'fixtures/', 'fixtures/', 'fixtures/'],
    ['nested, case folded in the key', 'Fixtures/Plates/', 'Fixtures/Plates/', 'fixtures/plates/'],
    ['NFD folded to NFC', 'Cafe\u0301/', 'Caf\u00e9/', 'caf\u00e9/'],
    ['a folder named like a file', 'x.mcam/', 'x.mcam/', 'x.mcam/'],
    ['a device look-alike', 'conx/CONSOLE/', 'conx/CONSOLE/', 'conx/console/'],
    ['32 folders', 'd/'.repeat(32), 'd/'.repeat(32), 'd/'.repeat(32)],
  ])('%s: %j', (_label, raw, prefix, key) => {
    expect(parseFolderPrefix(raw)).toEqual({ prefix, key });
  });

  test.each([
    ['no trailing slash', 'fixtures'],
    ['a file name', 'fixtures/part.mcam'],
    ['only a slash', '/'],
    ['leading slash', '/fixtures/'],
    ['empty segment', 'a//'],
    ['dot segment', './'],
    ['dot-dot segment', 'a/../'],
    ['backslash', 'a\\b/'],
    ['control character', 'a\u0001/'],
    ['line break', 'a\u2028/'],
    ['segment ending in a space', 'a /'],
    ['segment ending in a dot', 'a./'],
    ['a character Windows cannot hold', 'jobs:2024/'],
    ['a hash', 'Plate #2/'],
    ['a device name', 'nul/'],
    ['a device name with an extension', 'aux.old/'],
    ['a C1 control', 'a\u0090b/'],
    ['next line U+0085', 'a\u0085b/'],
    ['33 folders', 'd/'.repeat(33)],
    ['over 512 bytes', `${'a'.repeat(512)}/`],
    ['lone surrogate', 'a\ud800/'],
  ])('%s: %j is BAD_REQUEST', (_label, raw) => {
    expect(() => parseFolderPrefix(raw)).toThrow(BAD_REQUEST);
  });

  test('a prefix without its "/" says that a folder prefix ends in "/"', () => {
    expect(() => parseFolderPrefix('fixtures')).toThrow(
      expect.objectContaining({ message: expect.stringContaining('ends in "/"') }),
    );
  });
});

describe('folders of a name', () => {
  test.each([
    ['a/b/c.mcam', 'a/b/', ['a/', 'a/b/']],
    ['c.mcam', '', []],
    ['Fixtures/Plate A.mcam', 'Fixtures/', ['Fixtures/']],
    ['a/b/', 'a/b/', ['a/', 'a/b/']],
    ['', '', []],
  ])('%j: folderOf %j, ancestorFolders %j', (name, folder, ancestors) => {
    expect(folderOf(name)).toBe(folder);
    expect(ancestorFolders(name)).toEqual(ancestors);
  });

  test('every ancestor of a parsed name is a folder prefix that parses, and the last is its folder', () => {
    const { name, key } = parseFileName('Jobs/2024/Plate A.mcam', MCAM);
    const ancestors = ancestorFolders(name);
    expect(ancestors.map((prefix) => parseFolderPrefix(prefix).key)).toEqual(ancestorFolders(key));
    expect(ancestors.at(-1)).toBe(folderOf(name));
    expect(ancestorFolders(deep(MAX_FOLDER_DEPTH))).toHaveLength(MAX_FOLDER_DEPTH);
  });
});

describe('listing prefixes', () => {
  test('fold like keys so they match case-insensitively', () => {
    expect(parseNamePrefix('Fixtures/Cafe\u0301')).toBe('fixtures/caf\u00e9');
  });

  test('refuse control characters and over-long prefixes', () => {
    expect(() => parseNamePrefix('a\u0000')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => parseNamePrefix('a'.repeat(513))).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  test('stay free text: a half-typed name, a # or a device name is a fine prefix', () => {
    expect(parseNamePrefix('Plate #')).toBe('plate #');
    expect(parseNamePrefix('con')).toBe('con');
  });
});
