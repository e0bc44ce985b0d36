/**
 * Concurrency: many calls at a time sharing one handler and its cache (as under Lambda Managed
 * Instances or the local server), mixed hot, revoked and new tokens: throughput, latency, and
 * DynamoDB requests against distinct tokens (concurrent misses of one key coalesce).
 */
import { writeTokenRevocation } from '../../lambda/revocations/table';
import type { BenchContext, Scenario } from '../support/context';
import { productionHandler } from '../support/deployed';
import { row, type Row } from '../support/statistics';
import { ISSUER, METHOD_ARN, claimsOf, mint } from '../support/tokens';

const CONCURRENCY = 32;

async function run(context: BenchContext): Promise<Row[]> {
  const { deployed, settings, env, tableName, client, admin, operations } = context;
  const [key] = context.keys;
  // Under this load on 2 cores the local DynamoDB's queue, not the authorizer, sets the latency,
  // so the store deadline is raised here to measure rather than fail closed.
  const handler = productionHandler(
    deployed,
    { ...env, STORE_TIMEOUT_MS: '10000', STORE_CONNECT_TIMEOUT_MS: '5000' },
    client,
  );
  const hot = Array.from({ length: 50 }, () => mint(key));
  const revoked = Array.from({ length: 20 }, () => mint(key));
  for (const token of revoked) {
    const claims = claimsOf(token);
    await writeTokenRevocation(admin, tableName, {
      iss: ISSUER,
      jti: claims.jti,
      exp: claims.exp,
    });
  }
  const fresh = Array.from({ length: Math.floor(settings.concurrentCalls / 10) }, () => mint(key));
  // 80 % hot tokens, 10 % revoked ones, 10 % seen once.
  const calls = Array.from({ length: settings.concurrentCalls }, (_, i) =>
    i % 10 === 0
      ? (fresh[i / 10] as string)
      : i % 10 === 1
        ? (revoked[i % revoked.length] as string)
        : (hot[i % hot.length] as string),
  );
  const distinctKeys = new Set(calls).size;
  const before = operations();
  const latencies: number[] = [];
  let cursor = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (cursor < calls.length) {
        const token = calls[cursor++] as string;
        const t = performance.now();
        try {
          await handler({
            type: 'TOKEN',
            authorizationToken: `Bearer ${token}`,
            methodArn: METHOD_ARN,
          });
        } catch {
          failures += 1;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (failures > 0) throw new Error(`${failures} calls failed under concurrency`);
  const requests = operations() - before;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return [
    row(
      `concurrency: ${calls.length} calls, ${CONCURRENCY} at a time, one shared cache`,
      'calls/s',
      calls.length / seconds,
      null,
      null,
    ),
    row('concurrency: p50 latency', 'ms', at(0.5), null, null),
    row('concurrency: p99 latency', 'ms', at(0.99), null, null),
    row(
      'concurrency: DynamoDB requests vs distinct tokens (coalescing)',
      'requests',
      requests,
      distinctKeys,
      null,
    ),
  ];
}

export const concurrency: Scenario = { name: 'concurrency', run };
