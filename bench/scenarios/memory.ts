/**
 * Memory: heap growth with 100 000 distinct cached jtis in the revocation checker (in memory,
 * no I/O), against the smallest function size worth naming (128 MB). The figure is exact only
 * with --expose-gc, which the driver gives the measuring process.
 */
import { randomUUID } from 'node:crypto';
import { RevocationChecker } from '../../lambda/request/revocation-checker';
import { MemoryRevocationStore, tokenKey } from '../../lambda/revocations/table';
import type { BenchContext, Scenario } from '../support/context';
import { row, type Row } from '../support/statistics';
import { ISSUER } from '../support/tokens';

async function run({ settings }: BenchContext): Promise<Row[]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const collect = (): number => {
    gc?.();
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  const clock = Date.now();
  const store = new MemoryRevocationStore(() => clock);
  const checker = new RevocationChecker({
    store,
    notRevokedTtlSeconds: 300,
    generationPollSeconds: 1,
    maxEntries: 100_000,
    now: () => clock,
  });
  const before = collect();
  for (let i = 0; i < settings.cachedJtis; i += 1) {
    await checker.check({
      // As the verifier produces it: a jti parsed out of a JSON payload.
      revocationKey: tokenKey(ISSUER, JSON.parse(`"${randomUUID()}"`) as string),
      subjectKey: undefined,
      exp: clock / 1000 + 3600,
      iat: clock / 1000,
    });
  }
  const after = collect();
  if (checker.size !== Math.min(settings.cachedJtis, 100_000))
    throw new Error('the cache did not hold every jti');
  return [
    row(
      `memory: heap growth with ${settings.cachedJtis} distinct cached jtis (CACHE_MAX_ENTRIES 100000${gc ? '' : ', no --expose-gc'}) vs a 128 MB function`,
      'MB',
      (after - before) / 1024 / 1024,
      128,
      // The issue names no ratio: "well inside a 128 MB Lambda".
      null,
    ),
  ];
}

export const memory: Scenario = { name: 'memory', run };
