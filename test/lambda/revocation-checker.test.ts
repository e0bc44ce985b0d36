/**
 * The cache logic alone, over a store kept in memory. (The same checker against dynalite and
 * faulty DynamoDB endpoints is covered in authorizer.test.ts and store-faults.test.ts.)
 */
import { StoreUnavailableError } from '../../lambda/errors';
import { RevocationChecker } from '../../lambda/revocation-checker';
import type { Revocation, RevocationStore } from '../../lambda/revocation-store';

class MemoryStore implements RevocationStore {
  readonly revoked = new Map<string, Revocation>();
  lookups = 0;
  failNext = 0;
  delayMs = 0;

  async findRevocation(key: string): Promise<Revocation | undefined> {
    this.lookups += 1;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new StoreUnavailableError('store down');
    }
    return this.revoked.get(key);
  }
}

const START = 1_800_000_000_000;

function setup(
  options: { notRevokedTtlSeconds?: number; maxEntries?: number; maxBytes?: number } = {},
) {
  const store = new MemoryStore();
  const clock = { now: START };
  const checker = new RevocationChecker({
    store,
    notRevokedTtlSeconds: options.notRevokedTtlSeconds ?? 10,
    maxEntries: options.maxEntries ?? 1000,
    maxBytes: options.maxBytes,
    now: () => clock.now,
  });
  return { store, clock, checker };
}

const token = (key: string, expInSeconds = 3600) => ({
  revocationKey: key,
  exp: START / 1000 + expInSeconds,
});

describe('RevocationChecker', () => {
  it('asks the store once, then answers from the cache', async () => {
    const { store, checker } = setup();

    const first = await checker.check(token('a'));
    const second = await checker.check(token('a'));

    expect(first).toMatchObject({ revoked: false, source: 'store' });
    expect(second).toEqual({ revoked: false, source: 'cache', storeLatencyMs: 0 });
    expect(store.lookups).toBe(1);
  });

  it('keeps "not revoked" for the TTL, then asks again', async () => {
    const { store, clock, checker } = setup({ notRevokedTtlSeconds: 10 });
    await checker.check(token('a'));
    store.revoked.set('a', { until: undefined });

    clock.now += 9_999;
    expect((await checker.check(token('a'))).revoked).toBe(false);
    clock.now += 2;
    expect((await checker.check(token('a'))).revoked).toBe(true);
    expect(store.lookups).toBe(2);
  });

  it('never keeps "not revoked" past the token expiry', async () => {
    const { store, clock, checker } = setup({ notRevokedTtlSeconds: 3600 });
    await checker.check(token('a', 5));
    clock.now += 5_001;

    await checker.check(token('a', 5));

    expect(store.lookups).toBe(2);
  });

  it('keeps "revoked" until the token expires, whatever the store says later', async () => {
    const { store, clock, checker } = setup({ notRevokedTtlSeconds: 1 });
    store.revoked.set('a', { until: START / 1000 + 7200 });
    await checker.check(token('a', 3600));
    store.revoked.clear();
    store.failNext = 100;

    clock.now += 3_599_000;
    expect(await checker.check(token('a', 3600))).toMatchObject({ revoked: true, source: 'cache' });
    expect(store.lookups).toBe(1);
  });

  it('keeps "revoked" no longer than the revocation itself holds', async () => {
    const { store, clock, checker } = setup();
    store.revoked.set('a', { until: START / 1000 + 60 });
    await checker.check(token('a', 3600));
    store.revoked.clear();

    clock.now += 61_000;

    expect(await checker.check(token('a', 3600))).toMatchObject({
      revoked: false,
      source: 'store',
    });
  });

  it('does not cache with NOT_REVOKED_TTL_SECONDS=0', async () => {
    const { store, checker } = setup({ notRevokedTtlSeconds: 0 });

    await checker.check(token('a'));
    await checker.check(token('a'));

    expect(store.lookups).toBe(2);
  });

  it('never caches an error: the next check asks the store again', async () => {
    const { store, checker } = setup();
    store.failNext = 1;

    await expect(checker.check(token('a'))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await checker.check(token('a'))).toMatchObject({ revoked: false, source: 'store' });
    expect(store.lookups).toBe(2);
  });

  it('shares one lookup among concurrent checks, including its failure', async () => {
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
    expect(succeeded.every((result) => result.revoked === false)).toBe(true);
    expect(store.lookups).toBe(2);
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
