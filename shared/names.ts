import { badRequest } from './errors';

/** A file name that passed the contract's rules: `name` as shown, `key` as stored and compared. */
export interface FileName {
  readonly name: string;
  readonly key: string;
}

export const MAX_NAME_BYTES = 512;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** The contract's case-folding: locale-independent lowercasing of the NFC form. */
export const nameKey = (normalizedName: string): string => normalizedName.toLowerCase();

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Checks a raw name against the contract's rules and returns it NFC-normalised with its key.
 * Throws BAD_REQUEST naming the first rule broken.
 */
export const parseFileName = (raw: string, allowedExtensions: readonly string[]): FileName => {
  if (!raw.isWellFormed()) throw badRequest('name is not valid Unicode');
  const name = raw.normalize('NFC');
  const bytes = utf8Length(name);
  if (bytes < 1 || bytes > MAX_NAME_BYTES) {
    throw badRequest(`name must be 1-${MAX_NAME_BYTES} UTF-8 bytes, got ${bytes}`);
  }
  if (CONTROL_CHARACTER.test(name)) throw badRequest('name must not contain control characters');
  if (name.includes('\\')) throw badRequest('name must not contain a backslash; separate folders with /');
  for (const segment of name.split('/')) {
    if (segment === '') throw badRequest('name must not start or end with / nor contain an empty segment');
    if (segment === '.' || segment === '..') throw badRequest('name must not contain a . or .. segment');
    if (segment.endsWith(' ') || segment.endsWith('.')) {
      throw badRequest(`name segment "${segment}" must not end in a space or a dot`);
    }
  }
  const key = nameKey(name);
  if (!allowedExtensions.some((extension) => key.endsWith(extension))) {
    throw badRequest(`name must end in one of: ${allowedExtensions.join(', ')}`);
  }
  return { name, key };
};

/** A listing prefix, folded the same way as keys so that it matches case-insensitively. */
export const parseNamePrefix = (raw: string): string => {
  if (!raw.isWellFormed() || CONTROL_CHARACTER.test(raw)) throw badRequest('prefix must be printable text');
  const prefix = nameKey(raw.normalize('NFC'));
  if (utf8Length(prefix) > MAX_NAME_BYTES) throw badRequest(`prefix must be at most ${MAX_NAME_BYTES} bytes`);
  return prefix;
};

/** The last segment of a name: what a download saves the file as. */
export const baseName = (name: string): string => name.slice(name.lastIndexOf('/') + 1);
