/**
 * The revocation cache's rules at their edges, over the in-memory table: how far behind the
 * ring of changes a container may fall, which answers read during a change may be kept, how
 * long each kind of entry lives, and when an answer may come from the cache alone.
 */
import {
  GENERATION_SLOTS,
  MemoryRevocationStore,
  type GenerationState,
  type Revocation,
  type RevocationStore,
} from '../../../lambda/revocations/table';
import { RevocationChecker, type CheckedToken } from '../../../lambda/request/revocation-checker';

const START = 1_800_000_000_000;
const START_SECONDS = START / 1000;

function setup(options: { notRevokedTtlSeconds?: number; generationPollSeconds?: number } = {}) {
  const clock = { now: START };
  const store = new MemoryRevocationStore(() => clock.now);
  const checker = new RevocationChecker({
    store,
    notRevokedTtlSeconds: options.notRevokedTtlSeconds ?? 300,
    generationPollSeconds: options.generationPollSeconds ?? 1,
    maxEntries: 1000,
    now: () => clock.now,
  });
  return { store, clock, checker };
}

function token(key: string | undefined, overrides: Partial<CheckedToken> = {}): CheckedToken {
  return {
    revocationKey: key,
    subjectKey: undefined,
    exp: START_SECONDS + 3600,
    iat: START_SECONDS - 60,
    ...overrides,
  };
}

/** Holds the store's next key read until `release` is called (it answers what it saw first). */
function holdNextRead(store: MemoryRevocationStore): () => void {
  let release: () => void = () => undefined;
  store.gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held = release;
  // Only the read started next waits: later reads go through.
  queueMicrotask(() => {
    store.gate = undefined;
  });
  return () => held();
}

const SUBJECT = 's#1#i#alice';

describe('falling behind the ring of changes', () => {
  it('keeps its cache when it missed exactly as many changes as the ring holds', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('a'));
    for (let i = 0; i < GENERATION_SLOTS; i += 1) store.revokeKey(`elsewhere-${i}`);
    clock.now += 1001;

    const answer = await checker.check(token('a'));

    expect(answer.revoked).toBe(false);
    expect(checker.counters.clears).toBe(0);
    expect(store.keyReads).toBe(1);
  });

  it('drops every cached answer when it missed one change more than the ring holds', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('a'));
    await checker.check(token('b'));
    for (let i = 0; i < GENERATION_SLOTS + 1; i += 1) store.revokeKey(`elsewhere-${i}`);
    // Written without announcing: only a container that forgot its cache reads it again.
    store.putWithoutAnnouncing('b', { until: undefined });
    clock.now += 1001;

    const a = await checker.check(token('a'));
    const b = await checker.check(token('b'));

    expect(a.revoked).toBe(false);
    expect(b).toMatchObject({ revoked: true, source: 'store' });
    expect(checker.counters.clears).toBe(1);
    expect(store.keyReads).toBe(2 + 2);
  });

  it('drops every cached answer when the generation counter went back (the table was recreated)', async () => {
    const first = new MemoryRevocationStore(() => START);
    const second = new MemoryRevocationStore(() => START);
    let current = first;
    const store: RevocationStore = {
      read: (keys) => current.read(keys),
      readGeneration: () => current.readGeneration(),
    };
    let now = START;
    const checker = new RevocationChecker({
      store,
      notRevokedTtlSeconds: 300,
      generationPollSeconds: 1,
      maxEntries: 100,
      now: () => now,
    });
    for (let i = 0; i < 5; i += 1) first.revokeKey(`elsewhere-${i}`);
    await checker.check(token('a'));
    // The new table holds a revocation of "a" and fewer changes than the old one had.
    second.putWithoutAnnouncing('a', { until: undefined });
    second.revokeKey('other');
    current = second;
    now += 1001;

    const answer = await checker.check(token('a'));

    expect(answer).toMatchObject({ revoked: true, source: 'store' });
    expect(checker.counters.clears).toBe(1);
  });

  it('does not keep an answer read before a change that has since left its memory of changes', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('warm-up'));
    const release = holdNextRead(store);
    // The read of "a" starts, sees no revocation, and stalls.
    const stale = checker.check(token('a'));
    // Meanwhile "a" is revoked, then hundreds of other changes follow; the container learns of
    // every one (never more than the ring behind), so its memory of changes moves past "a".
    store.revokeKey('a');
    for (let round = 0; round < 10; round += 1) {
      for (let i = 0; i < GENERATION_SLOTS - 1; i += 1) store.revokeKey(`elsewhere-${round}-${i}`);
      clock.now += 1001;
      await checker.check(token('warm-up'));
    }
    release();

    expect((await stale).revoked).toBe(false);
    expect(await checker.check(token('a'))).toMatchObject({ revoked: true, source: 'store' });
  });
});

describe('answers read while the generation moved', () => {
  it('does not keep an answer read while the container fell behind the ring', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('warm-up'));
    const release = holdNextRead(store);
    const stale = checker.check(token('a'));
    // "a" is revoked among more changes than the ring holds: which keys changed is unknown.
    store.revokeKey('a');
    for (let i = 0; i < GENERATION_SLOTS + 1; i += 1) store.revokeKey(`elsewhere-${i}`);
    clock.now += 1001;
    await checker.check(token('warm-up'));
    release();

    expect((await stale).revoked).toBe(false);
    expect(checker.counters.clears).toBe(1);
    expect(await checker.check(token('a'))).toMatchObject({ revoked: true, source: 'store' });
  });

  it('keeps an answer when only other keys changed during the read, after hundreds of changes', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('warm-up'));
    for (let round = 0; round < 10; round += 1) {
      for (let i = 0; i < GENERATION_SLOTS; i += 1) store.revokeKey(`elsewhere-${round}-${i}`);
      clock.now += 1001;
      await checker.check(token('warm-up'));
    }
    const release = holdNextRead(store);
    const read = checker.check(token('a'));
    store.revokeKey('b');
    clock.now += 1001;
    await checker.check(token('warm-up'));
    release();
    await read;
    const keyReads = store.keyReads;

    const again = await checker.check(token('a'));

    expect(again).toMatchObject({ revoked: false, source: 'cache' });
    expect(store.keyReads).toBe(keyReads);
  });

  it('reads the generation record again when a key read outlasted the poll interval', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('a'));
    clock.now += 1001;
    const release = holdNextRead(store);
    // The poll goes out with the read of the subject, and answers at once; the read stalls.
    const answer = checker.check(token('a', { subjectKey: SUBJECT }));
    store.revokeKey('a');
    clock.now += 1001;
    release();

    expect(await answer).toMatchObject({ revoked: true, revokedBy: 'token', source: 'store' });
    expect(store.generationReads).toBe(3);
  });

  it('reports the time it waited for the store', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('warm-up'));
    const release = holdNextRead(store);
    const answer = checker.check(token('a'));
    clock.now += 25;
    release();

    expect(await answer).toEqual({ revoked: false, source: 'store', storeLatencyMs: 25 });
  });

  it('keeps an answer when only other keys changed during the read', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('warm-up'));
    const release = holdNextRead(store);
    const read = checker.check(token('a'));
    store.revokeKey('b');
    clock.now += 1001;
    await checker.check(token('warm-up'));
    release();
    await read;
    const keyReads = store.keyReads;

    const again = await checker.check(token('a'));

    expect(again).toMatchObject({ revoked: false, source: 'cache' });
    expect(store.keyReads).toBe(keyReads);
  });

  it('keeps an answer read after the last change of its key, though others changed meanwhile', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('warm-up'));
    store.revokeKey('a');
    clock.now += 1001;
    await checker.check(token('warm-up'));
    // The container knows of the revocation of "a" when this read starts.
    const release = holdNextRead(store);
    const read = checker.check(token('a'));
    store.revokeKey('b');
    clock.now += 1001;
    await checker.check(token('warm-up'));
    release();
    expect((await read).revoked).toBe(true);
    const keyReads = store.keyReads;

    const again = await checker.check(token('a'));

    expect(again).toMatchObject({ revoked: true, source: 'cache' });
    expect(store.keyReads).toBe(keyReads);
  });
});

describe('a check that waits while another one reads', () => {
  it('takes the revocation another check cached meanwhile', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('a'));
    store.revokeKey('a');
    clock.now += 1001;
    const release = holdNextRead(store);
    // Its subject's read is held; the poll that goes out with it drops "a" from the cache.
    const waiting = checker.check(token('a', { subjectKey: SUBJECT }));
    await new Promise((resolve) => setImmediate(resolve));
    // Meanwhile another check reads "a" again and caches its revocation.
    const other = await checker.check(token('a'));
    release();

    expect(other).toMatchObject({ revoked: true, source: 'store' });
    expect(await waiting).toMatchObject({ revoked: true, revokedBy: 'token' });
  });
});

describe('how long cached entries live', () => {
  it('keeps a token revocation until it ends, then asks the store again', async () => {
    const { store, clock, checker } = setup({ notRevokedTtlSeconds: 5 });
    store.revokeKey('a', { until: START_SECONDS + 60 });
    await checker.check(token('a'));

    clock.now = START + 59_999;
    const before = await checker.check(token('a'));
    const keyReadsBefore = store.keyReads;
    // lru-cache still serves an entry at exactly its lifetime: one millisecond past it.
    clock.now = START + 60_001;
    const after = await checker.check(token('a'));

    expect(before).toMatchObject({ revoked: true, source: 'cache' });
    expect(keyReadsBefore).toBe(1);
    expect(after).toMatchObject({ revoked: false, source: 'store' });
    expect(store.keyReads).toBe(2);
  });

  it('keeps a token revocation without an end for a day, without reading it again', async () => {
    const { store, clock, checker } = setup({ notRevokedTtlSeconds: 5 });
    store.revokeKey('a', { until: undefined });
    await checker.check(token('a'));

    clock.now = START + 24 * 3600_000 - 1;
    const withinDay = await checker.check(token('a'));
    const keyReadsWithinDay = store.keyReads;
    clock.now = START + 24 * 3600_000 + 1;
    await checker.check(token('a'));

    expect(withinDay).toMatchObject({ revoked: true, source: 'cache' });
    expect(keyReadsWithinDay).toBe(1);
    expect(store.keyReads).toBe(2);
  });

  it('caches a token revocation that ends one millisecond from now, for that millisecond', async () => {
    const { store, clock, checker } = setup();
    clock.now = START - 1;
    store.revokeKey('a', { until: START_SECONDS });
    await checker.check(token('a'));

    const again = await checker.check(token('a'));

    expect(again).toMatchObject({ revoked: true, source: 'cache' });
    expect(store.keyReads).toBe(1);
  });

  it('keeps "not revoked" for NOT_REVOKED_TTL_SECONDS though every poll confirms it', async () => {
    const { store, clock, checker } = setup({ notRevokedTtlSeconds: 10 });
    await checker.check(token('a'));

    clock.now = START + 9_999;
    await checker.check(token('a'));
    const keyReadsWithinTtl = store.keyReads;
    clock.now = START + 10_001;
    await checker.check(token('a'));

    expect(keyReadsWithinTtl).toBe(1);
    expect(store.keyReads).toBe(2);
  });

  it('keeps a subject revocation no longer than NOT_REVOKED_TTL_SECONDS, though it lasts longer', async () => {
    const { store, clock, checker } = setup({ notRevokedTtlSeconds: 10 });
    store.revokeKey(SUBJECT, { until: START_SECONDS + 86_400, notBefore: START_SECONDS });
    const checked = token(undefined, { subjectKey: SUBJECT, iat: START_SECONDS - 60 });
    await checker.check(checked);

    clock.now = START + 9_999;
    const withinTtl = await checker.check(checked);
    const keyReadsWithinTtl = store.keyReads;
    clock.now = START + 10_001;
    const afterTtl = await checker.check(checked);

    expect(withinTtl).toMatchObject({ revoked: true, revokedBy: 'subject', source: 'cache' });
    expect(keyReadsWithinTtl).toBe(1);
    expect(afterTtl).toMatchObject({ revoked: true, revokedBy: 'subject', source: 'store' });
    expect(store.keyReads).toBe(2);
  });

  it('keeps a subject revocation that ends within NOT_REVOKED_TTL_SECONDS only until it ends', async () => {
    const { store, clock, checker } = setup({ notRevokedTtlSeconds: 300 });
    store.revokeKey(SUBJECT, { until: START_SECONDS + 10, notBefore: START_SECONDS });
    const checked = token(undefined, { subjectKey: SUBJECT, iat: START_SECONDS - 60 });
    await checker.check(checked);

    clock.now = START + 9_999;
    const before = await checker.check(checked);
    clock.now = START + 10_001;
    const after = await checker.check(checked);

    expect(before).toMatchObject({ revoked: true, source: 'cache' });
    expect(after).toMatchObject({ revoked: false, source: 'store' });
    expect(store.keyReads).toBe(2);
  });
});

describe('when the generation record is read', () => {
  it('answers a cached revocation within the poll interval without reading it', async () => {
    const { store, clock, checker } = setup();
    store.revokeKey('a');
    await checker.check(token('a'));

    clock.now += 999;
    const answer = await checker.check(token('a'));
    await new Promise((resolve) => setImmediate(resolve));

    expect(answer).toMatchObject({ revoked: true, source: 'cache' });
    expect(store.generationReads).toBe(1);
  });

  it('reads it again exactly one poll interval after the last reading', async () => {
    const { store, clock, checker } = setup({ generationPollSeconds: 1 });
    await checker.check(token('a'));

    clock.now += 1000;
    await checker.check(token('a'));

    expect(store.generationReads).toBe(2);
  });

  it('reads only the keys on a miss within the poll interval', async () => {
    const { store, checker } = setup();
    await checker.check(token('a'));

    await checker.check(token('b'));

    expect({ generationReads: store.generationReads, keyReads: store.keyReads }).toEqual({
      generationReads: 1,
      keyReads: 2,
    });
  });

  it('reads it together with the missing keys, in one round trip', async () => {
    const memory = new MemoryRevocationStore(() => START);
    let inFlight = 0;
    let mostInFlight = 0;
    const track = async <T>(read: () => Promise<T>): Promise<T> => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      try {
        return await read();
      } finally {
        inFlight -= 1;
      }
    };
    memory.delayMs = 5;
    const store: RevocationStore = {
      read: (keys) => track(() => memory.read(keys)),
      readGeneration: () => track(() => memory.readGeneration()),
    };
    let now = START;
    const checker = new RevocationChecker({
      store,
      notRevokedTtlSeconds: 300,
      generationPollSeconds: 1,
      maxEntries: 100,
      now: () => now,
    });
    await checker.check(token('a'));
    mostInFlight = 0;
    now += 1001;

    await checker.check(token('b'));

    expect(mostInFlight).toBe(2);
  });

  it('counts the reads it made and the times it emptied its cache', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('a'));
    await checker.check(token('b'));
    for (let i = 0; i < GENERATION_SLOTS + 1; i += 1) store.revokeKey(`elsewhere-${i}`);
    clock.now += 1001;
    await checker.check(token('a'));

    expect(checker.counters).toEqual({
      keyReads: store.keyReads,
      generationReads: store.generationReads,
      clears: 1,
    });
    expect(store.keyReads).toBe(3);
  });
});

describe('answering from the cache alone', () => {
  it('never keeps "not revoked" when NOT_REVOKED_TTL_SECONDS is 0', async () => {
    const { store, checker } = setup({ notRevokedTtlSeconds: 0 });

    await checker.check(token('a'));
    await checker.check(token('a'));

    expect(store.keyReads).toBe(2);
    expect(checker.size).toBe(0);
  });

  it('reads the token key when only its subject is cached', async () => {
    const { store, checker } = setup();
    store.revokeKey('t1');
    await checker.check(token('t0', { subjectKey: SUBJECT }));

    const answer = await checker.check(token('t1', { subjectKey: SUBJECT }));

    expect(answer).toMatchObject({ revoked: true, revokedBy: 'token', source: 'store' });
  });

  it('reads the subject key when only the token is cached', async () => {
    const { store, checker } = setup();
    store.revokeKey(SUBJECT, { until: undefined, notBefore: START_SECONDS });
    await checker.check(token('t1'));

    const answer = await checker.check(token('t1', { subjectKey: SUBJECT }));

    expect(answer).toMatchObject({ revoked: true, revokedBy: 'subject', source: 'store' });
  });

  it('with polling off, reads the key that is missing though the other one is cached', async () => {
    const { store, checker } = setup({ generationPollSeconds: 0 });
    store.revokeKey('t1');
    await checker.check(token('t0', { subjectKey: SUBJECT }));

    const answer = await checker.check(token('t1', { subjectKey: SUBJECT }));

    expect(answer).toMatchObject({ revoked: true, revokedBy: 'token', source: 'store' });
  });

  it('with polling off, answers from the cache when both keys are cached, never reading the generation', async () => {
    const { store, checker } = setup({ generationPollSeconds: 0 });
    await checker.check(token('t1', { subjectKey: SUBJECT }));

    const answer = await checker.check(token('t1', { subjectKey: SUBJECT }));

    expect(answer).toEqual({ revoked: false, source: 'cache', storeLatencyMs: 0 });
    expect({ keyReads: store.keyReads, generationReads: store.generationReads }).toEqual({
      keyReads: 1,
      generationReads: 0,
    });
  });

  it('answers a cold container only after reading the generation record', async () => {
    const reads: string[] = [];
    const memory = new MemoryRevocationStore(() => START);
    const store: RevocationStore = {
      read: (keys): Promise<ReadonlyMap<string, Revocation>> => {
        reads.push('keys');
        return memory.read(keys);
      },
      readGeneration: (): Promise<GenerationState> => {
        reads.push('generation');
        return memory.readGeneration();
      },
    };
    const checker = new RevocationChecker({
      store,
      notRevokedTtlSeconds: 300,
      generationPollSeconds: 1,
      maxEntries: 100,
      now: () => START,
    });

    await checker.check(token('a', { subjectKey: SUBJECT }));

    expect(reads).toEqual(['generation', 'keys']);
  });
});
