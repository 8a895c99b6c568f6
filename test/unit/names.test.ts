import { parseFileName, parseNamePrefix } from '#shared/names';

const MCAM = ['.mcam'];
const nameOf = (bytes: number, tail = '.mcam') => `${'a'.repeat(bytes - tail.length)}${tail}`;

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
      "Plate (A) #2 [rev-b] & co's.mcam",
      "Plate (A) #2 [rev-b] & co's.mcam",
      "plate (a) #2 [rev-b] & co's.mcam",
    ],
    ['percent and plus', '100% fill+drill.mcam', '100% fill+drill.mcam', '100% fill+drill.mcam'],
    ['CJK', '治具/プレート.mcam', '治具/プレート.mcam', '治具/プレート.mcam'],
    ['emoji', 'parts/🔩.mcam', 'parts/🔩.mcam', 'parts/🔩.mcam'],
    ['exactly 512 bytes', nameOf(512), nameOf(512), nameOf(512)],
    ['space inside segment end ok before ext', 'a b/c d.mcam', 'a b/c d.mcam', 'a b/c d.mcam'],
    ['leading space in segment', ' lead/part.mcam', ' lead/part.mcam', ' lead/part.mcam'],
  ])('%s: %j', (_label, raw, name, key) => {
    expect(parseFileName(raw, MCAM)).toEqual({ name, key });
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

describe('refused names', () => {
  test.each([
    ['empty', ''],
    ['513 bytes', nameOf(513)],
    ['513 bytes of multi-byte characters', `${'é'.repeat(254)}x.mcam`],
    ['leading slash', '/part.mcam'],
    ['trailing slash', 'folder/part.mcam/'],
    ['empty segment', 'a//part.mcam'],
    ['dot segment', 'a/./part.mcam'],
    ['dot-dot segment (traversal)', '../part.mcam'],
    ['dot-dot in the middle', 'a/../../etc/part.mcam'],
    ['backslash', 'a\\part.mcam'],
    ['Windows traversal', '..\\..\\part.mcam'],
    ['NUL', 'part\u0000.mcam'],
    ['newline', 'part\n.mcam'],
    ['tab', 'pa\trt.mcam'],
    ['escape', '\u001b[31mred.mcam'],
    ['DEL', 'part\u007f.mcam'],
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
  ])('%s', (_label, raw) => {
    expect(() => parseFileName(raw, MCAM)).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', status: 400 }),
    );
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
});
