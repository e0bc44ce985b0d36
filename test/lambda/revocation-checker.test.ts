/**
 * The cache and propagation logic alone, over a store kept in memory that behaves like the
 * table (items plus the generation record). The same checker against dynalite and faulty
 * DynamoDB endpoints is covered in authorizer.test.ts and store-faults.test.ts.
 */
import { StoreUnavailableError } from '../../lambda/errors';
import { RevocationChecker, type CheckedToken } from '../../lambda/revocation-checker';
import type {
  Generation,
  Revocation,
  RevocationStore,
  StoreSnapshot,
} from '../../lambda/revocation-store';

class MemoryStore implements RevocationStore {
  readonly items = new Map<string, Revocation>();
  generation: Generation = { revocations: 0, unrevocations: 0 };
  /** Reads of keys (misses) and reads of the generation alone (polls). */
  keyReads = 0;
  polls = 0;
  failNext = 0;
  delayMs = 0;

  revoke(key: string, revocation: Revocation = { until: undefined }): void {
    this.items.set(key, revocation);
    this.generation = { ...this.generation, revocations: this.generation.revocations + 1 };
  }

  unrevoke(key: string): void {
    this.items.delete(key);
    this.generation = {
      revocations: this.generation.revocations + 1,
      unrevocations: this.generation.unrevocations + 1,
    };
  }

  async read(keys: readonly string[]): Promise<StoreSnapshot> {
    if (keys.length === 0) this.polls += 1;
    else this.keyReads += 1;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new StoreUnavailableError('store down');
    }
    const revocations = new Map<string, Revocation>();
    for (const key of keys) {
      const item = this.items.get(key);
      if (item) revocations.set(key, item);
    }
    return { revocations, generation: this.generation };
  }

  get reads(): number {
    return this.keyReads + this.polls;
  }
}

const START = 1_800_000_000_000;

function setup(
  options: {
    notRevokedTtlSeconds?: number;
    generationPollSeconds?: number;
    maxEntries?: number;
    maxBytes?: number;
  } = {},
) {
  const store = new MemoryStore();
  const clock = { now: START };
  const checker = new RevocationChecker({
    store,
    notRevokedTtlSeconds: options.notRevokedTtlSeconds ?? 300,
    generationPollSeconds: options.generationPollSeconds ?? 1,
    maxEntries: options.maxEntries ?? 1000,
    maxBytes: options.maxBytes,
    now: () => clock.now,
  });
  return { store, clock, checker };
}

function token(key: string, overrides: Partial<CheckedToken> = {}): CheckedToken {
  return {
    revocationKey: key,
    subjectKey: undefined,
    exp: START / 1000 + 3600,
    iat: START / 1000 - 60,
    ...overrides,
  };
}

/** Warms a token: the first sight reads it, and (the generation being new) so does the second. */
async function warm(checker: RevocationChecker, checked: CheckedToken): Promise<void> {
  await checker.check(checked);
  await checker.check(checked);
}

describe('RevocationChecker: cache', () => {
  it('reads a token once, then answers from the cache without any read', async () => {
    const { store, checker } = setup();
    await warm(checker, token('a'));
    const readsAfterWarmUp = store.reads;

    const answers = [];
    for (let i = 0; i < 10; i += 1) answers.push(await checker.check(token('a')));

    expect(readsAfterWarmUp).toBe(2);
    expect(store.reads).toBe(2);
    expect(answers.every((answer) => answer.source === 'cache' && !answer.revoked)).toBe(true);
  });

  it('reads a cold container once more on the second sight of its very first token only', async () => {
    const { store, checker } = setup();
    await warm(checker, token('a'));

    await checker.check(token('b'));
    await checker.check(token('b'));

    // The first read also learnt the generation; entries read before it was known are re-read
    // once. Later tokens need a single read.
    expect(store.keyReads).toBe(3);
  });

  it('keeps a cached "revoked" when the store fails later, without reading it', async () => {
    const { store, clock, checker } = setup();
    store.revoke('a');
    await checker.check(token('a'));
    store.failNext = 100;

    clock.now += 3_000_000;
    const answer = await checker.check(token('a'));

    expect(answer).toEqual({
      revoked: true,
      revokedBy: 'token',
      source: 'cache',
      storeLatencyMs: 0,
    });
    expect(store.reads).toBe(1);
  });

  it('never caches an error: the next check asks the store again', async () => {
    const { store, checker } = setup();
    store.failNext = 1;

    await expect(checker.check(token('a'))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await checker.check(token('a'))).toMatchObject({ revoked: false, source: 'store' });
    expect(store.keyReads).toBe(2);
  });

  it('shares one read among concurrent checks of a token, including its failure', async () => {
    const { store, checker } = setup();
    store.delayMs = 20;
    store.failNext = 1;

    const failed = await Promise.allSettled(
      Array.from({ length: 50 }, () => checker.check(token('a'))),
    );
    const succeeded = await Promise.all(
      Array.from({ length: 50 }, () => checker.check(token('b'))),
    );

    expect(failed.every((result) => result.status === 'rejected')).toBe(true);
    expect(succeeded.every((result) => !result.revoked)).toBe(true);
    expect(store.keyReads).toBe(2);
  });

  it('stays within its entry bound with 100 000 distinct jtis', async () => {
    const { checker } = setup({ maxEntries: 10_000 });

    for (let i = 0; i < 100_000; i += 1)
      await checker.check(token(`t#17#https://issuer.example#jti-${i}`));

    expect(checker.size).toBe(10_000);
  });

  it('stays within its byte bound when keys are long', async () => {
    const { checker } = setup({ maxEntries: 100_000, maxBytes: 1024 * 1024 });

    for (let i = 0; i < 2_000; i += 1) await checker.check(token(`${'k'.repeat(2000)}-${i}`));

    // Each entry is estimated at about 4 KB, so a megabyte holds about 250 of them.
    expect(checker.size).toBeLessThanOrEqual(260);
    expect(checker.size).toBeGreaterThan(200);
  });
});

describe('RevocationChecker: propagation window', () => {
  it('sees a revocation at the first check after one poll interval, with one generation read', async () => {
    const { store, clock, checker } = setup({ generationPollSeconds: 1 });
    await warm(checker, token('a'));
    store.revoke('a');

    clock.now += 999;
    const inWindow = await checker.check(token('a'));
    clock.now += 2;
    const afterWindow = await checker.check(token('a'));

    expect(inWindow).toMatchObject({ revoked: false, source: 'cache' });
    expect(afterWindow).toMatchObject({ revoked: true, source: 'store' });
    expect(store.polls).toBe(1);
  });

  it('costs one generation read per poll interval on a busy warm container, and no key read', async () => {
    const { store, clock, checker } = setup({ generationPollSeconds: 1 });
    await warm(checker, token('a'));
    const keyReads = store.keyReads;

    for (let second = 0; second < 10; second += 1) {
      clock.now += 1000;
      for (let i = 0; i < 100; i += 1) await checker.check(token('a'));
    }

    expect(store.polls).toBe(10);
    expect(store.keyReads).toBe(keyReads);
  });

  it('shares one generation read among concurrent checks', async () => {
    const { store, clock, checker } = setup({ generationPollSeconds: 1 });
    await warm(checker, token('a'));
    await warm(checker, token('b'));
    clock.now += 5000;
    store.delayMs = 20;

    await Promise.all(
      Array.from({ length: 40 }, (_, i) => checker.check(token(i % 2 === 0 ? 'a' : 'b'))),
    );

    expect(store.polls).toBe(1);
  });

  it('fails closed when a stale cache cannot be confirmed, and recovers', async () => {
    const { store, clock, checker } = setup();
    await warm(checker, token('a'));
    clock.now += 5000;
    store.failNext = 1;

    await expect(checker.check(token('a'))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await checker.check(token('a'))).toMatchObject({ revoked: false });
  });

  it('drops every "not revoked" read under an older generation', async () => {
    const { store, clock, checker } = setup();
    await warm(checker, token('a'));
    await warm(checker, token('b'));
    store.revoke('elsewhere');
    clock.now += 1000;

    await checker.check(token('a'));
    await checker.check(token('b'));

    // a: one poll learns the new generation, then a read; b: a read.
    expect(store.polls).toBe(1);
    expect(store.keyReads).toBe(3 + 2);
  });

  it('with polling off, reuses "not revoked" for NOT_REVOKED_TTL_SECONDS exactly', async () => {
    const { store, clock, checker } = setup({ generationPollSeconds: 0, notRevokedTtlSeconds: 10 });
    await checker.check(token('a'));
    store.revoke('a');

    clock.now += 9_999;
    expect((await checker.check(token('a'))).revoked).toBe(false);
    clock.now += 2;
    expect((await checker.check(token('a'))).revoked).toBe(true);
    expect(store.polls).toBe(0);
  });

  it('reuses "not revoked" no longer than NOT_REVOKED_TTL_SECONDS even with no generation change', async () => {
    const { store, clock, checker } = setup({ notRevokedTtlSeconds: 30 });
    await warm(checker, token('a'));
    // A write that did not bump the generation (a writer that bypassed the project's writer).
    store.items.set('a', { until: undefined });

    clock.now += 29_000;
    expect((await checker.check(token('a'))).revoked).toBe(false);
    clock.now += 1_001;
    expect((await checker.check(token('a'))).revoked).toBe(true);
  });

  it('drops cached "revoked" answers once an unrevoke is learnt', async () => {
    const { store, clock, checker } = setup();
    store.revoke('a');
    expect((await checker.check(token('a'))).revoked).toBe(true);
    store.unrevoke('a');
    await warm(checker, token('other'));

    clock.now += 1000;
    await checker.check(token('other'));
    const afterUnrevoke = await checker.check(token('a'));

    expect(afterUnrevoke).toMatchObject({ revoked: false, source: 'store' });
  });

  it('drops an entry read while the generation moved', async () => {
    const { store, checker } = setup();
    await warm(checker, token('warm-up'));
    // The item read misses a revocation whose generation bump the same read already sees.
    const realRead = store.read.bind(store);
    store.read = async (keys) => {
      const snapshot = await realRead(keys);
      store.revoke('a');
      return { ...snapshot, generation: store.generation };
    };
    expect((await checker.check(token('a'))).revoked).toBe(false);
    store.read = realRead;

    expect((await checker.check(token('a'))).revoked).toBe(true);
  });
});

describe('RevocationChecker: subject revocations', () => {
  const subject = 's#1#i#alice';

  it('revokes tokens issued before the subject revocation, and only those', async () => {
    const { store, checker } = setup();
    const before = START / 1000 - 100;
    store.revoke(subject, { until: START / 1000 + 86400, notBefore: START / 1000 });

    const old = await checker.check(token('t1', { subjectKey: subject, iat: before }));
    const fresh = await checker.check(token('t2', { subjectKey: subject, iat: START / 1000 }));
    const noIat = await checker.check(token('t3', { subjectKey: subject, iat: undefined }));

    expect(old).toMatchObject({ revoked: true, revokedBy: 'subject' });
    expect(fresh).toMatchObject({ revoked: false });
    expect(noIat).toMatchObject({ revoked: true, revokedBy: 'subject' });
  });

  it('reads the token and its subject in one round trip, and caches both', async () => {
    const { store, checker } = setup();
    await warm(checker, token('t0', { subjectKey: subject }));
    const reads = store.reads;

    await checker.check(token('t1', { subjectKey: subject }));
    await checker.check(token('t1', { subjectKey: subject }));
    await checker.check(token('t2', { subjectKey: subject }));

    expect(store.reads - reads).toBe(2);
  });

  it('applies a new "log out everywhere" to warm containers within one poll interval', async () => {
    const { store, clock, checker } = setup();
    const checked = token('t1', { subjectKey: subject, iat: START / 1000 - 10 });
    await warm(checker, checked);
    store.revoke(subject, { until: START / 1000 + 86400, notBefore: START / 1000 });

    clock.now += 1001;

    expect(await checker.check(checked)).toMatchObject({ revoked: true, revokedBy: 'subject' });
  });

  it('accepts a token without jti, checking its subject only', async () => {
    const { store, checker } = setup();
    store.revoke(subject, { until: undefined, notBefore: START / 1000 });

    const answer = await checker.check(
      token('unused', { revocationKey: undefined, subjectKey: subject, iat: START / 1000 + 1 }),
    );

    expect(answer.revoked).toBe(false);
    expect(store.keyReads).toBe(1);
  });
});
