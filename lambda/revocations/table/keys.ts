/**
 * The one encoding of revocation keys, shared by every writer (CLI, revocation endpoint) and
 * reader (authorizer cache and table lookups).
 *
 * A token is named by (iss, jti), never by the token string or a hash of it: a re-encoded or
 * malleated signature gives a different string for the same claims. The encoding must be
 * injective: two different pairs never share a key. A separator alone cannot promise that
 * (an issuer may contain the separator), so the issuer is length-prefixed:
 *
 *   t#<length of iss>#<iss>#<jti>     one token
 *   s#<length of iss>#<iss>#<sub>     every token of a subject issued before a time
 *   g#generation                      the revocation-generation record
 *
 * where the length counts UTF-16 code units, so `decodeTokenKey` can split it back exactly.
 * The prefixes keep the three kinds apart. The values are opaque and case-sensitive: nothing
 * is trimmed, folded or normalised.
 */

/** DynamoDB limits a string partition key to 2048 bytes of UTF-8. */
export const MAX_PARTITION_KEY_BYTES = 2048;

const TOKEN_PREFIX = 't#';
const SUBJECT_PREFIX = 's#';

/**
 * Key of the generation record: a counter writers bump after every change, with a short log of
 * the keys that changed, so warm caches learn of each change and drop just that key.
 */
export const GENERATION_KEY = 'g#generation';

/** How many changes the generation record remembers (a ring of slots). */
export const GENERATION_SLOTS = 32;

/**
 * Identical copies of the generation record, each its own partition: every writer writes all of
 * them in the transaction that makes its change, and each authorizer container reads one, chosen
 * at random when it starts. One partition serves at most 3 000 read units a second; 16 copies
 * keep 20 000 containers polling once a second at about 1 250 reads a second per copy.
 */
export const GENERATION_COPIES = 16;

/**
 * Key of copy `copy` of the generation record (copy 0 is `GENERATION_KEY`, as before copies).
 * Any other number is refused: a container reading a copy no writer writes would never learn of
 * a change.
 */
export function generationCopyKey(copy: number): string {
  if (!Number.isInteger(copy) || copy < 0 || copy >= GENERATION_COPIES) {
    throw new RangeError(`generation copy ${copy} is not one of 0..${GENERATION_COPIES - 1}`);
  }
  return copy === 0 ? GENERATION_KEY : `${GENERATION_KEY}#${copy}`;
}

export interface TokenId {
  readonly iss: string;
  readonly jti: string;
}

/** The table and cache key of a token. */
export function tokenKey(iss: string, jti: string): string {
  return `${TOKEN_PREFIX}${iss.length}#${iss}#${jti}`;
}

/** The table and cache key of a subject's "every token issued before T" revocation. */
export function subjectKey(iss: string, sub: string): string {
  return `${SUBJECT_PREFIX}${iss.length}#${iss}#${sub}`;
}

/** True for a subject key (`s#...`), whose item revokes every token issued before a time. */
export function isSubjectKey(key: string): boolean {
  return key.startsWith(SUBJECT_PREFIX);
}

/** Splits a token key back into (iss, jti); `undefined` for anything that is not one. */
export function decodeTokenKey(key: string): TokenId | undefined {
  const pair = decodePair(key, TOKEN_PREFIX);
  return pair && { iss: pair[0], jti: pair[1] };
}

/** Splits a subject key back into (iss, sub); `undefined` for anything that is not one. */
export function decodeSubjectKey(key: string): { iss: string; sub: string } | undefined {
  const pair = decodePair(key, SUBJECT_PREFIX);
  return pair && { iss: pair[0], sub: pair[1] };
}

function decodePair(key: string, prefix: string): [string, string] | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const lengthEnd = key.indexOf('#', prefix.length);
  if (lengthEnd < 0) return undefined;
  const lengthText = key.slice(prefix.length, lengthEnd);
  if (!/^(0|[1-9][0-9]*)$/.test(lengthText)) return undefined;
  const issStart = lengthEnd + 1;
  const issEnd = issStart + Number(lengthText);
  // The issuer ends at a separator inside the key (past the key's end there is no character).
  if (key[issEnd] !== '#') return undefined;
  return [key.slice(issStart, issEnd), key.slice(issEnd + 1)];
}

/** UTF-8 bytes of a string, as DynamoDB counts them. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * True when the string is well-formed UTF-16 (no lone surrogates). A lone surrogate cannot be
 * stored as UTF-8: it would be replaced by U+FFFD, so two different values would share a key.
 */
export function isWellFormedText(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** Why a token id cannot be used as a key, or `undefined` when it can. */
export function tokenKeyProblem(iss: string, jti: string): string | undefined {
  if (jti.length === 0) return 'jti is empty';
  if (!isWellFormedText(jti)) return 'jti is not well-formed Unicode';
  if (utf8Bytes(tokenKey(iss, jti)) > MAX_PARTITION_KEY_BYTES) {
    return `jti is longer than the ${maxJtiBytes(iss)} UTF-8 bytes the table key leaves for this issuer`;
  }
  return undefined;
}

/** Why a subject cannot be used as a key, or `undefined` when it can. */
export function subjectKeyProblem(iss: string, sub: string): string | undefined {
  if (sub.length === 0) return 'sub is empty';
  if (!isWellFormedText(sub)) return 'sub is not well-formed Unicode';
  if (utf8Bytes(subjectKey(iss, sub)) > MAX_PARTITION_KEY_BYTES) {
    return 'sub is longer than the table key allows';
  }
  return undefined;
}

/** The longest `jti`, in UTF-8 bytes, that still fits the table key for this issuer. */
export function maxJtiBytes(iss: string): number {
  return MAX_PARTITION_KEY_BYTES - utf8Bytes(tokenKey(iss, ''));
}
