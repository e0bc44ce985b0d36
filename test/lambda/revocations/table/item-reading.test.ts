/**
 * How the table's items are read back at their edges: subject items and their `notBefore`, the
 * generation record's ring (exactly its 32 slots, nothing else), and the counter a writer moves.
 */
import { StoreUnavailableError } from '../../../../lambda/shared/errors';
import {
  changeEntry,
  generationCounter,
  hasEnded,
  readGenerationItem,
  revocationInForce,
  revocationUntil,
  LATEST_STORED_SECONDS,
  MAX_LEEWAY_SECONDS,
} from '../../../../lambda/revocations/table/items';
import { GENERATION_SLOTS, subjectKey, tokenKey } from '../../../../lambda/revocations/table/keys';

const NOW = 1_800_000_000;
const SUBJECT = subjectKey('https://issuer.example', 'alice');
const TOKEN = tokenKey('https://issuer.example', 'j');

describe('subject items', () => {
  it('reads the time before which tokens are revoked', () => {
    const item = { pk: { S: SUBJECT }, notBefore: { N: String(NOW - 10) }, ttl: { N: '9e9' } };

    expect(revocationInForce(item, NOW)).toEqual({ until: 9e9, notBefore: NOW - 10 });
  });

  it('revokes every token of the subject when notBefore cannot be read', () => {
    for (const notBefore of [undefined, { S: '1' }, { N: 'soon' }]) {
      const item = { pk: { S: SUBJECT }, ...(notBefore ? { notBefore } : {}) };

      expect(revocationInForce(item, NOW)).toEqual({ until: undefined, notBefore: Infinity });
    }
  });

  it('reads a token item as a token revocation, whatever attributes it carries', () => {
    const item = { pk: { S: TOKEN }, notBefore: { N: String(NOW) }, ttl: { N: String(NOW + 1) } };

    expect(revocationInForce(item, NOW)).toEqual({ until: NOW + 1 });
  });

  it('reads an item without a key as a token revocation', () => {
    expect(revocationInForce({ notBefore: { N: String(NOW) } }, NOW)).toEqual({
      until: undefined,
    });
  });
});

describe('when a revocation ends', () => {
  it('has ended at its until instant, not a moment before', () => {
    expect(hasEnded(NOW, NOW - 0.001)).toBe(false);
    expect(hasEnded(NOW, NOW)).toBe(true);
  });

  it('holds until exp plus the largest leeway, rounded up, and never past what DynamoDB stores', () => {
    expect(revocationUntil(NOW + 0.2)).toBe(NOW + 1 + MAX_LEEWAY_SECONDS);
    expect(revocationUntil(1e200)).toBe(LATEST_STORED_SECONDS);
  });
});

describe('the generation record', () => {
  const record = (slots: Record<string, unknown>, gen = '100') =>
    ({ pk: { S: 'g#generation' }, gen: { N: gen }, ...slots }) as Parameters<
      typeof readGenerationItem
    >[0];

  it('reads every one of its slots, from the first to the last', () => {
    const slots: Record<string, unknown> = {};
    for (let slot = 0; slot < GENERATION_SLOTS; slot += 1) {
      slots[`c${slot}`] = { M: { g: { N: String(100 - slot) }, k: { S: `key-${slot}` } } };
    }

    const state = readGenerationItem(record(slots));

    expect(state.generation).toBe(100);
    expect(state.changes).toHaveLength(GENERATION_SLOTS);
    expect(state.changes[0]).toEqual({ generation: 100, key: 'key-0' });
    expect(state.changes[GENERATION_SLOTS - 1]).toEqual({
      generation: 100 - GENERATION_SLOTS + 1,
      key: `key-${GENERATION_SLOTS - 1}`,
    });
  });

  it('reads nothing beyond the ring', () => {
    const state = readGenerationItem(
      record({ [`c${GENERATION_SLOTS}`]: { M: { g: { N: '99' }, k: { S: 'outside' } } } }),
    );

    expect(state.changes).toEqual([]);
  });

  it('leaves out a slot without a readable generation or key', () => {
    const state = readGenerationItem(
      record({
        c0: { M: { k: { S: 'no generation' } } },
        c1: { M: { g: { N: '97' } } },
        c2: { M: { g: { N: '98' }, k: { N: '5' } } },
        c3: { M: { g: { N: '99' }, k: { S: 'good' } } },
        c4: { L: [] },
      }),
    );

    expect(state.changes).toEqual([{ generation: 99, key: 'good' }]);
  });

  it('refuses a counter that is not a whole number, and reads a missing one as 0', () => {
    expect(() => readGenerationItem(record({}, '2.5'))).toThrow(StoreUnavailableError);
    expect(() => readGenerationItem(record({}, 'Infinity'))).toThrow(
      'the revocation-generation record is malformed',
    );
    expect(readGenerationItem({ pk: { S: 'g#generation' } }).generation).toBe(0);
  });

  it('gives the counter a writer moves on from: 0 without a record', () => {
    expect(generationCounter(undefined)).toBe(0);
    expect(generationCounter({ pk: { S: 'g#generation' } })).toBe(0);
    expect(generationCounter(record({}, '41'))).toBe(41);
  });

  it('puts change n in slot n modulo the ring size, with its generation and key', () => {
    expect(changeEntry(GENERATION_SLOTS + 3, 'k')).toEqual({
      slot: 'c3',
      entry: { M: { g: { N: String(GENERATION_SLOTS + 3) }, k: { S: 'k' } } },
    });
    expect(changeEntry(GENERATION_SLOTS, 'k').slot).toBe('c0');
  });
});
