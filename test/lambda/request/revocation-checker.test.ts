/**
 * The cache and propagation logic alone, over a store kept in memory that behaves like the
 * table (items plus the generation record). The same checker against DynamoDB Local and faulty
 * DynamoDB endpoints is covered in authorizer.test.ts and store-faults.test.ts.
 */
import { StoreUnavailableError } from '../../../lambda/shared/errors';
import {
  GENERATION_COPIES,
  GENERATION_SLOTS,
  MemoryRevocationStore,
  subjectKey,
  tokenKey,
} from '../../../lambda/revocations/table';
import { RevocationChecker, type CheckedToken } from '../../../lambda/request/revocation-checker';

const START = 1_800_000_000_000;

function setup(
  options: {
    notRevokedTtlSeconds?: number;
    generationPollSeconds?: number;
    maxEntries?: number;
    maxBytes?: number;
    /** Drive the monotonic clock (`clock.monotonic`) apart from the wall clock (`clock.now`). */
    separateMonotonicClock?: boolean;
  } = {},
) {
  const clock = { now: START, monotonic: 0 };
  const store = new MemoryRevocationStore(() => clock.now);
  const clocks = options.separateMonotonicClock
    ? { now: () => clock.now, monotonicNow: () => clock.monotonic }
    : { now: () => clock.now };
  const checker = new RevocationChecker({
    store,
    notRevokedTtlSeconds: options.notRevokedTtlSeconds ?? 300,
    generationPollSeconds: options.generationPollSeconds ?? 1,
    maxEntries: options.maxEntries ?? 1000,
    maxBytes: options.maxBytes,
    ...clocks,
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

describe('RevocationChecker: cache', () => {
  it('reads the generation record, then the token, then answers from the cache', async () => {
    const { store, checker } = setup();

    const first = await checker.check(token('a'));
    const later = [];
    for (let i = 0; i < 10; i += 1) later.push(await checker.check(token('a')));

    expect(first).toMatchObject({ revoked: false, source: 'store' });
    expect(later.every((answer) => answer.source === 'cache' && !answer.revoked)).toBe(true);
    expect({ polls: store.generationReads, keyReads: store.keyReads }).toEqual({
      polls: 1,
      keyReads: 1,
    });
  });

  it('keeps a cached "revoked" when the store fails later', async () => {
    const { store, clock, checker } = setup();
    store.revokeKey('a');
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
    expect(store.keyReads).toBe(1);
  });

  it('never caches an error: the next check asks the store again', async () => {
    const { store, checker } = setup();
    await checker.check(token('warm-up'));
    store.failNext = 1;

    await expect(checker.check(token('a'))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await checker.check(token('a'))).toMatchObject({ revoked: false, source: 'store' });
    expect(store.keyReads).toBe(3);
  });

  it('shares one read among concurrent checks of a token, including its failure', async () => {
    const { store, checker } = setup();
    await checker.check(token('warm-up'));
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
    expect(store.keyReads).toBe(3);
  });

  it('gives a token whose jti contains a newline its own read, not the read of the keys it spells', async () => {
    const { store, checker } = setup();
    const iss = 'https://issuer.example';
    const victim = token(tokenKey(iss, 'victim-jti'), { subjectKey: subjectKey(iss, 'alice') });
    // A jti that spells the victim's key list joined by a newline: the crafted token's only key
    // reads, character for character, as the victim's token key, a newline and its subject key.
    const crafted = token(tokenKey(iss, `victim-jti\n${subjectKey(iss, 'alice')}`));
    store.revokeKey(victim.revocationKey as string, { until: victim.exp });
    await checker.check(token('warm-up'));
    const keyReadsBefore = store.keyReads;
    store.delayMs = 20;

    const [craftedAnswer, victimAnswer] = await Promise.all([
      checker.check(crafted),
      checker.check(victim),
    ]);

    expect([crafted.revocationKey].join('\n')).toBe(
      [victim.revocationKey, victim.subjectKey].join('\n'),
    );
    expect(victimAnswer).toMatchObject({ revoked: true, revokedBy: 'token', source: 'store' });
    expect(craftedAnswer).toMatchObject({ revoked: false, source: 'store' });
    expect(store.keyReads - keyReadsBefore).toBe(2);
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
  it('sees a revocation at the first check after one poll interval, not before', async () => {
    const { store, clock, checker } = setup({ generationPollSeconds: 1 });
    await checker.check(token('a'));
    store.revokeKey('a');

    clock.now += 999;
    const inWindow = await checker.check(token('a'));
    clock.now += 2;
    const afterWindow = await checker.check(token('a'));

    expect(inWindow).toMatchObject({ revoked: false, source: 'cache' });
    expect(afterWindow).toMatchObject({ revoked: true, source: 'store' });
    expect(store.generationReads).toBe(2);
  });

  it('costs one generation read per poll interval on a busy warm container, and no key read', async () => {
    const { store, clock, checker } = setup({ generationPollSeconds: 1 });
    await checker.check(token('a'));

    for (let second = 0; second < 10; second += 1) {
      clock.now += 1000;
      for (let i = 0; i < 100; i += 1) await checker.check(token('a'));
    }

    expect(store.generationReads).toBe(1 + 10);
    expect(store.keyReads).toBe(1);
  });

  it('drops only the keys that changed: revocations elsewhere cost no re-read', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('a'));
    await checker.check(token('b'));
    for (let i = 0; i < 10; i += 1) store.revokeKey(`elsewhere-${i}`);
    store.revokeKey('b');
    clock.now += 1000;

    const a = await checker.check(token('a'));
    const b = await checker.check(token('b'));

    expect(a).toMatchObject({ revoked: false, source: 'store' });
    expect(b).toMatchObject({ revoked: true, source: 'store' });
    expect(store.keyReads).toBe(2 + 1);
    expect(checker.counters.clears).toBe(0);
  });

  it('forgets everything when it fell behind the ring of changes', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('a'));
    for (let i = 0; i < GENERATION_SLOTS + 5; i += 1) store.revokeKey(`elsewhere-${i}`);
    clock.now += 1000;

    const answer = await checker.check(token('a'));

    expect(answer).toMatchObject({ revoked: false, source: 'store' });
    expect(checker.counters.clears).toBe(1);
    expect(store.keyReads).toBe(2);
  });

  it('shares one generation read among concurrent checks', async () => {
    const { store, clock, checker } = setup({ generationPollSeconds: 1 });
    await checker.check(token('a'));
    await checker.check(token('b'));
    clock.now += 5000;
    store.delayMs = 20;

    await Promise.all(
      Array.from({ length: 40 }, (_, i) => checker.check(token(i % 2 === 0 ? 'a' : 'b'))),
    );

    expect(store.generationReads).toBe(2);
  });

  it('fails closed when a stale cache cannot be confirmed, and recovers', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('a'));
    clock.now += 5000;
    store.failNext = 1;

    await expect(checker.check(token('a'))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await checker.check(token('a'))).toMatchObject({ revoked: false });
  });

  it('re-reads the generation record one poll interval of monotonic time after a poll, though the wall clock stepped back', async () => {
    const { store, clock, checker } = setup({
      generationPollSeconds: 1,
      separateMonotonicClock: true,
    });
    await checker.check(token('a'));
    store.revokeKey('a');

    // An NTP correction sets the wall clock back an hour while one poll interval really passes.
    clock.now -= 3600_000;
    clock.monotonic += 1001;
    const answer = await checker.check(token('a'));

    expect(answer).toMatchObject({ revoked: true, source: 'store' });
    expect(store.generationReads).toBe(2);
  });

  it('confirms again when the wall clock moved a poll interval though the monotonic clock stalled (a frozen container)', async () => {
    const { store, clock, checker } = setup({
      generationPollSeconds: 1,
      notRevokedTtlSeconds: 300,
      separateMonotonicClock: true,
    });
    await checker.check(token('a'));
    store.revokeKey('a');

    // Lambda froze the container: half an hour passed, but a monotonic clock may not have moved
    // (it need not advance across a suspended VM). Both clocks are believed, the larger step wins.
    clock.now += 30 * 60_000;
    clock.monotonic += 5;
    const answer = await checker.check(token('a'));

    expect(answer).toMatchObject({ revoked: true, source: 'store' });
    expect(store.generationReads).toBe(2);
  });

  it('with polling off, reuses "not revoked" for NOT_REVOKED_TTL_SECONDS exactly', async () => {
    const { store, clock, checker } = setup({ generationPollSeconds: 0, notRevokedTtlSeconds: 10 });
    await checker.check(token('a'));
    store.revokeKey('a');

    clock.now += 9_999;
    expect((await checker.check(token('a'))).revoked).toBe(false);
    clock.now += 2;
    expect((await checker.check(token('a'))).revoked).toBe(true);
    expect(store.generationReads).toBe(0);
  });

  it('reuses "not revoked" no longer than NOT_REVOKED_TTL_SECONDS when a write skipped the log', async () => {
    const { store, clock, checker } = setup({ notRevokedTtlSeconds: 30 });
    await checker.check(token('a'));
    // A write that bypassed the project's writer: no change recorded.
    store.putWithoutAnnouncing('a', { until: undefined });

    clock.now += 29_000;
    expect((await checker.check(token('a'))).revoked).toBe(false);
    clock.now += 1_001;
    expect((await checker.check(token('a'))).revoked).toBe(true);
  });

  it('lifts a cached "revoked" soon after an unrevoke, without making the request wait', async () => {
    const { store, clock, checker } = setup();
    store.revokeKey('a');
    expect((await checker.check(token('a'))).revoked).toBe(true);
    store.unrevokeKey('a');

    clock.now += 1001;
    const first = await checker.check(token('a'));
    await new Promise((resolve) => setImmediate(resolve));
    const second = await checker.check(token('a'));

    expect(first).toMatchObject({ revoked: true, source: 'cache' });
    expect(second).toMatchObject({ revoked: false, source: 'store' });
  });

  it('does not cache an answer read before a change it learnt of meanwhile', async () => {
    const { store, clock, checker } = setup();
    await checker.check(token('warm-up'));
    let release: () => void = () => undefined;
    store.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The read of "a" starts, sees no revocation, and stalls.
    const stale = checker.check(token('a'));
    store.gate = undefined;
    // Meanwhile "a" is revoked and another check learns of it.
    store.revokeKey('a');
    clock.now += 1001;
    await checker.check(token('warm-up'));
    release();

    expect((await stale).revoked).toBe(false);
    expect((await checker.check(token('a'))).revoked).toBe(true);
  });
});

describe('RevocationChecker: subject revocations', () => {
  const subject = 's#1#i#alice';

  it('revokes tokens issued before the subject revocation, and only those', async () => {
    const { store, checker } = setup();
    const before = START / 1000 - 100;
    store.revokeKey(subject, { until: START / 1000 + 86400, notBefore: START / 1000 });

    const old = await checker.check(token('t1', { subjectKey: subject, iat: before }));
    const fresh = await checker.check(token('t2', { subjectKey: subject, iat: START / 1000 }));
    const noIat = await checker.check(token('t3', { subjectKey: subject, iat: undefined }));

    expect(old).toMatchObject({ revoked: true, revokedBy: 'subject' });
    expect(fresh).toMatchObject({ revoked: false });
    expect(noIat).toMatchObject({ revoked: true, revokedBy: 'subject' });
  });

  it('reads the token and its subject in one round trip, and caches both', async () => {
    const { store, checker } = setup();
    await checker.check(token('t0', { subjectKey: subject }));
    const keyReads = store.keyReads;

    await checker.check(token('t1', { subjectKey: subject }));
    await checker.check(token('t1', { subjectKey: subject }));
    await checker.check(token('t2', { subjectKey: subject }));

    expect(store.keyReads - keyReads).toBe(2);
  });

  it('applies a new "log out everywhere" to warm containers within one poll interval', async () => {
    const { store, clock, checker } = setup();
    const checked = token('t1', { subjectKey: subject, iat: START / 1000 - 10 });
    await checker.check(checked);
    store.revokeKey(subject, { until: START / 1000 + 86400, notBefore: START / 1000 });

    clock.now += 1001;

    expect(await checker.check(checked)).toMatchObject({ revoked: true, revokedBy: 'subject' });
  });

  it('accepts a token without jti, checking its subject only', async () => {
    const { store, checker } = setup();
    store.revokeKey(subject, { until: undefined, notBefore: START / 1000 });

    const answer = await checker.check(
      token('unused', { revocationKey: undefined, subjectKey: subject, iat: START / 1000 + 1 }),
    );

    expect(answer.revoked).toBe(false);
    expect(store.keyReads).toBe(1);
  });
});

describe('RevocationChecker: the copy of the generation record it reads', () => {
  it('refuses, when built, a copy that no writer writes (it would never learn of a change)', () => {
    const store = new MemoryRevocationStore();
    const build = (generationCopy: number) =>
      new RevocationChecker({
        store,
        notRevokedTtlSeconds: 300,
        generationPollSeconds: 1,
        maxEntries: 10,
        generationCopy,
      });

    expect(() => build(GENERATION_COPIES)).toThrow(RangeError);
    expect(() => build(-1)).toThrow(RangeError);
    expect(build(GENERATION_COPIES - 1)).toBeInstanceOf(RevocationChecker);
  });
});
