import { badRequest } from '../../errors';

type StartKey = Record<string, unknown>;

/**
 * Opaque page cursors: DynamoDB's LastEvaluatedKey, tagged with the listing it belongs to.
 * A cursor is accepted only with exactly the key attributes that listing produces, as strings.
 */
export const encodeCursor = (listing: string, lastEvaluatedKey: StartKey | undefined): string | null =>
  lastEvaluatedKey ? Buffer.from(JSON.stringify([listing, lastEvaluatedKey])).toString('base64url') : null;

export const decodeCursor = (
  listing: string,
  cursor: string | null,
  isValidKey: (key: Record<string, string>) => boolean,
): StartKey | undefined => {
  if (cursor === null) return undefined;
  const invalid = () => badRequest('cursor is not one this server issued for this listing');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || decoded[0] !== listing) throw invalid();
  const key: unknown = decoded[1];
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw invalid();
  if (!Object.values(key).every((value) => typeof value === 'string')) throw invalid();
  if (!isValidKey(key as Record<string, string>)) throw invalid();
  return key as StartKey;
};

export const hasExactly = (key: Record<string, string>, attributes: readonly string[]): boolean => {
  const present = Object.keys(key).sort();
  return (
    present.length === attributes.length && [...attributes].sort().every((name, i) => present[i] === name)
  );
};
