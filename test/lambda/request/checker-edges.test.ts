/**
 * Edges of the revocation checker that mutation testing showed no test pinned: which answers
 * read during a change may be kept when several keys changed, what a prefetch reading may still
 * do when it arrives late, which copy of the generation record a container reads, and which keys
 * a check reads. Over the in-memory table.
 */
import { GENERATION_COPIES, MemoryRevocationStore } from '../../../lambda/revocations/table';
import { prefetch } from '../../../lambda/request/prefetch';
import { RevocationChecker, type CheckedToken } from '../../../lambda/request/revocation-checker';
import type { TokenVerifier } from '../../../lambda/request/token-verifier';

const START = 1_800_000_000_000;

function setup(store = new MemoryRevocationStore(() => clock.now)) {
  const checker = new RevocationChecker({
    store,
    notRevokedTtlSeconds: 300,
    generationPollSeconds: 1,
    maxEntries: 1000,
    now: () => clock.now,
  });
  return { store, checker };
}
const clock = { now: START };
beforeEach(() => {
  clock.now = START;
});

function token(key: string, subjectKey?: string): CheckedToken {
  return { revocationKey: key, subjectKey, exp: START / 1000 + 3600, iat: START / 1000 - 60 };
}

/** Holds the store's next key read until `release` is called (it answers what it saw first). */
function holdNextRead(store: MemoryRevocationStore): () => void {
  let release: () => void = () => undefined;
  store.gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  queueMicrotask(() => {
    store.gate = undefined;
  });
  return () => release();
}

describe('an answer read while its key and another key changed', () => {
  it('is not kept: the next check reads the key again and finds it revoked', async () => {
    const { store, checker } = setup();
    await checker.check(token('warm-up'));
    const release = holdNextRead(store);
    const read = checker.check(token('a'));
    store.revokeKey('b');
    store.revokeKey('a');
    clock.now += 1001;
    await checker.check(token('warm-up'));
    release();
    expect((await read).revoked).toBe(false);

    const again = await checker.check(token('a'));

    expect(again).toMatchObject({ revoked: true, source: 'store' });
  });
});

describe('the cold-start prefetch', () => {
  it('counts its read, and keeps nothing when its deadline passed before the answer', async () => {
    const { store, checker } = setup();
    store.delayMs = 20;
    const deadline = new AbortController();
    const prefetch = checker.prefetch(deadline.signal);
    deadline.abort();
    await prefetch;

    await checker.check(token('a'));

    // The first request read the generation record itself: the late reading was not kept.
    expect(checker.counters.generationReads).toBe(2);
    expect(store.generationReads).toBe(2);
  });

  it('keeps nothing when a request read the record first (a late, older reading would clear)', async () => {
    const { store, checker } = setup();
    store.delayMs = 30;
    const prefetch = checker.prefetch(new AbortController().signal);
    store.delayMs = 0;
    store.revokeKey('x');
    await checker.check(token('a'));
    await prefetch;
    const keyReads = store.keyReads;

    const again = await checker.check(token('a'));

    expect(again.source).toBe('cache');
    expect(store.keyReads).toBe(keyReads);
    expect(checker.counters.clears).toBe(0);
  });
});

describe('the prefetch around the checker', () => {
  const verifier = { prefetchKeys: () => Promise.resolve() } as unknown as TokenVerifier;

  it('reports nothing done, and no error, when it is off', async () => {
    const { checker } = setup();

    expect(await prefetch({ verifier, revocations: checker }, 0)).toEqual({
      keys: 'off',
      store: 'off',
      durationMs: 0,
      errors: [],
    });
  });

  it('abandons a reading that outlasts its deadline: it is not kept when it arrives', async () => {
    const { store, checker } = setup();
    store.delayMs = 200;
    const before = performance.now();

    const report = await prefetch({ verifier, revocations: checker }, 20);
    const elapsed = performance.now() - before;
    await new Promise((resolve) => setTimeout(resolve, 300));
    store.delayMs = 0;
    await checker.check(token('a'));

    expect(report).toMatchObject({ keys: 'done', store: 'timed out', errors: [] });
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
    expect(report.durationMs).toBeLessThanOrEqual(elapsed);
    // The abandoned reading arrived before the request, yet the request read the record itself.
    expect(store.generationReads).toBe(2);
  });
});

describe('the copy of the generation record', () => {
  it('is chosen at random: 64 containers read more than one copy', async () => {
    const copies = new Set<number>();
    for (let container = 0; container < 64; container += 1) {
      const store = new MemoryRevocationStore(() => clock.now);
      const readGeneration = store.readGeneration.bind(store);
      store.readGeneration = (copy = 0) => {
        copies.add(copy);
        return readGeneration(copy);
      };
      await setup(store).checker.check(token('a'));
    }

    expect(copies.size).toBeGreaterThan(1);
    expect(Math.max(...copies)).toBeLessThan(GENERATION_COPIES);
  });
});

describe('the keys a check reads', () => {
  it('are the token key and the subject key, and nothing else', async () => {
    const store = new MemoryRevocationStore(() => clock.now);
    const read = store.read.bind(store);
    const asked: string[][] = [];
    store.read = (keys) => {
      asked.push([...keys]);
      return read(keys);
    };

    await setup(store).checker.check(token('t#1', 's#1'));

    expect(asked).toEqual([['t#1', 's#1']]);
  });
});
