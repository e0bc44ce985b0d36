import fc from 'fast-check';
import {
  decodeTokenKey,
  GENERATION_COPIES,
  GENERATION_KEY,
  generationCopyKey,
  isWellFormedText,
  MAX_PARTITION_KEY_BYTES,
  maxJtiBytes,
  tokenKey,
  tokenKeyProblem,
  utf8Bytes,
} from '../../../../lambda/revocations/table/keys';

describe('tokenKey', () => {
  it('never maps two different (iss, jti) pairs to one key', () => {
    // Separators, digits and prefixes in both parts are the interesting cases.
    const part = fc.string({ unit: fc.constantFrom('#', '1', '2', 't', 'a', 'é', '/', ':', ' ') });
    fc.assert(
      fc.property(part, part, part, part, (iss1, jti1, iss2, jti2) => {
        fc.pre(iss1 !== iss2 || jti1 !== jti2);
        expect(tokenKey(iss1, jti1)).not.toBe(tokenKey(iss2, jti2));
      }),
      { numRuns: 20_000 },
    );
  });

  it('decodes back to exactly the pair it encodes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (iss, jti) => {
        expect(decodeTokenKey(tokenKey(iss, jti))).toEqual({ iss, jti });
      }),
      { numRuns: 5_000 },
    );
  });

  it('keeps case, spaces and Unicode form as they are', () => {
    expect(tokenKey('https://i', 'abc')).not.toBe(tokenKey('https://i', 'ABC'));
    expect(tokenKey('https://i', '\u00e9')).not.toBe(tokenKey('https://i', 'e\u0301'));
    expect(tokenKey('https://i', ' a')).toBe('t#9#https://i# a');
  });

  it.each(['', 'x#y', 't#', 't#x#', 't#05#abcde#j', 't#9#short#j', 's#1#a#b'])(
    'decodes %p to nothing',
    (key) => {
      expect(decodeTokenKey(key)).toBeUndefined();
    },
  );
});

describe('key size', () => {
  const iss = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI';

  it('counts UTF-8 bytes of the whole key, as DynamoDB does', () => {
    const room = maxJtiBytes(iss);
    expect(utf8Bytes(tokenKey(iss, 'a'.repeat(room)))).toBe(MAX_PARTITION_KEY_BYTES);
    expect(tokenKeyProblem(iss, 'a'.repeat(room))).toBeUndefined();
    expect(tokenKeyProblem(iss, 'a'.repeat(room + 1))).toMatch(/longer than/);
    // Two bytes a character: half as many fit.
    expect(tokenKeyProblem(iss, '\u00e9'.repeat(Math.floor(room / 2)))).toBeUndefined();
    expect(tokenKeyProblem(iss, '\u00e9'.repeat(Math.floor(room / 2) + 1))).toMatch(/longer than/);
  });

  it('refuses an empty jti and one that is not well-formed Unicode', () => {
    expect(tokenKeyProblem(iss, '')).toBe('jti is empty');
    expect(tokenKeyProblem(iss, 'a\udc00b')).toMatch(/well-formed/);
  });

  it('tells well-formed text from lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(isWellFormedText(text)).toBe(true);
      }),
    );
    expect(isWellFormedText('\ud83d\ude00')).toBe(true);
    expect(isWellFormedText('\ud83d')).toBe(false);
    expect(isWellFormedText('\ude00\ud83d')).toBe(false);
  });
});

describe('generationCopyKey', () => {
  it('names copy 0 as the record before copies, and refuses copies no writer writes', () => {
    expect(generationCopyKey(0)).toBe(GENERATION_KEY);
    expect(generationCopyKey(GENERATION_COPIES - 1)).toBe(
      `${GENERATION_KEY}#${GENERATION_COPIES - 1}`,
    );
    for (const copy of [-1, GENERATION_COPIES, 1.5, NaN]) {
      expect(() => generationCopyKey(copy)).toThrow(RangeError);
    }
    expect(() => generationCopyKey(GENERATION_COPIES)).toThrow(
      `generation copy ${GENERATION_COPIES} is not one of 0..${GENERATION_COPIES - 1}`,
    );
  });
});
