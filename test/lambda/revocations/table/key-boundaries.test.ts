/**
 * The key encoding at its limits: the subject key's byte limit, and reading a stored key back
 * (the length prefix must be exactly a decimal count, or the key is not one of ours).
 */
import {
  decodeSubjectKey,
  decodeTokenKey,
  isSubjectKey,
  MAX_PARTITION_KEY_BYTES,
  subjectKey,
  subjectKeyProblem,
  tokenKey,
  tokenKeyProblem,
  utf8Bytes,
} from '../../../../lambda/revocations/table/keys';

const ISS = 'https://issuer.example';

describe('subjectKeyProblem', () => {
  const room = MAX_PARTITION_KEY_BYTES - utf8Bytes(subjectKey(ISS, ''));

  it('accepts a subject whose key takes exactly the 2048 bytes DynamoDB allows', () => {
    const sub = 'a'.repeat(room);

    expect(utf8Bytes(subjectKey(ISS, sub))).toBe(MAX_PARTITION_KEY_BYTES);
    expect(subjectKeyProblem(ISS, sub)).toBeUndefined();
  });

  it('refuses a subject one byte longer, counting UTF-8 bytes', () => {
    expect(subjectKeyProblem(ISS, 'a'.repeat(room + 1))).toBe(
      'sub is longer than the table key allows',
    );
    expect(subjectKeyProblem(ISS, `${'a'.repeat(room - 1)}\u00e9`)).toBe(
      'sub is longer than the table key allows',
    );
  });

  it('refuses an empty subject and one that is not well-formed Unicode', () => {
    expect(subjectKeyProblem(ISS, '')).toBe('sub is empty');
    expect(subjectKeyProblem(ISS, 'alice\ud800')).toBe('sub is not well-formed Unicode');
  });
});

describe('tokenKeyProblem', () => {
  it('names the room left for this issuer when a jti is too long', () => {
    const room = MAX_PARTITION_KEY_BYTES - utf8Bytes(tokenKey(ISS, ''));

    expect(tokenKeyProblem(ISS, 'j'.repeat(room + 1))).toBe(
      `jti is longer than the ${room} UTF-8 bytes the table key leaves for this issuer`,
    );
    expect(tokenKeyProblem(ISS, 'j\ud800')).toBe('jti is not well-formed Unicode');
  });
});

describe('reading a stored key back', () => {
  it('decodes an issuer whose length has several digits', () => {
    const iss = `https://${'i'.repeat(120)}.example`;

    expect(decodeTokenKey(tokenKey(iss, 'j'))).toEqual({ iss, jti: 'j' });
    expect(decodeSubjectKey(subjectKey(iss, 'alice'))).toEqual({ iss, sub: 'alice' });
  });

  it('decodes an empty issuer and an empty value', () => {
    expect(decodeTokenKey('t#0##j')).toEqual({ iss: '', jti: 'j' });
    expect(decodeSubjectKey('s#3#iss#')).toEqual({ iss: 'iss', sub: '' });
  });

  it.each([
    ['a negative length', 't#-1#abc'],
    ['a length with a fraction', 't#1.0#a#b'],
    ['a length in exponent form', 't#1e0#a#b'],
    ['a length with a sign', 't#+1#a#b'],
    ['a length with a space', 't# 1#a#b'],
    ['a length in hexadecimal', 't#0x1#a#b'],
    ['a length with letters after it', 't#1a#a#b'],
    ['an empty length', 't##a#b'],
    ['no separator after the length', 't#1'],
    ['no separator at all, only digits', 't#12'],
    ['an issuer reaching the end of the key', 't#3#abc'],
    ['an issuer longer than the key', 't#9#abc'],
    ['a length that does not end at a separator', 't#2#abc#j'],
  ])('reads a key with %s as no token key', (_name, key) => {
    expect(decodeTokenKey(key)).toBeUndefined();
  });

  it('tells the kinds of keys apart by their prefix', () => {
    expect(decodeSubjectKey(tokenKey(ISS, 'j'))).toBeUndefined();
    expect(decodeTokenKey(subjectKey(ISS, 'alice'))).toBeUndefined();
    expect(isSubjectKey(subjectKey(ISS, 'alice'))).toBe(true);
    expect(isSubjectKey(tokenKey(ISS, 's#1#a#b'))).toBe(false);
    expect(isSubjectKey('g#generation')).toBe(false);
  });
});
