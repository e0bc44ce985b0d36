/**
 * DynamoDB misbehaving on real sockets. Every fault must end in a thrown error that is not
 * "Unauthorized" (API Gateway answers 500), well inside the budget, never in an Allow, and
 * nothing may be cached: once the fault ends, the next request is answered normally.
 */
import { tokenKey } from '../../../lambda/revocations/table';
import { FaultyDynamoDb, putItem, ttlValue, type ProxyMode } from '../../helpers/dynamodb';
import { bearer, restTokenEvent } from '../../helpers/events';
import { buildHandler, startHarness, type Harness } from '../../helpers/harness';
import { goodClaims, ISSUER, signJwt } from '../../helpers/tokens';

// Budget for one lookup in these tests, and a generous bound for "fails within the budget":
// a deadline, not a speed target. The default budget is 1000 ms.
const STORE_TIMEOUT_MS = 400;
const DEADLINE_MS = STORE_TIMEOUT_MS + 1500;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.stop();
});

function envFor(endpoint: string): Record<string, string> {
  return {
    ...harness.env,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
    STORE_CONNECT_TIMEOUT_MS: '200',
  };
}

async function timed<T>(
  work: Promise<T>,
): Promise<{ outcome: PromiseSettledResult<T>; ms: number }> {
  const started = performance.now();
  const [outcome] = await Promise.allSettled([work]);
  return { outcome: outcome, ms: performance.now() - started };
}

function expectFailClosed(outcome: PromiseSettledResult<unknown>): void {
  expect(outcome.status).toBe('rejected');
  const reason = (outcome as PromiseRejectedResult).reason as Error;
  expect(reason).toBeInstanceOf(Error);
  expect(reason.message).not.toBe('Unauthorized');
  expect(reason.message).toBe('Authorizer failed closed (STORE_UNAVAILABLE)');
}

describe.each<ProxyMode>([
  'hang',
  'throttle',
  'status-500',
  'status-503',
  'access-denied',
  'validation',
  'garbage',
])('DynamoDB answering "%s"', (mode) => {
  let proxy: FaultyDynamoDb;
  beforeEach(async () => {
    proxy = await FaultyDynamoDb.start(mode, harness.dynamo.iam.endpoint);
  });
  afterEach(async () => {
    await proxy.stop();
  });

  it('fails closed within the budget, then answers normally once the fault ends', async () => {
    const { handler, telemetry } = buildHandler(envFor(proxy.endpoint));
    const token = signJwt(harness.key, goodClaims());

    const failed = await timed(handler(restTokenEvent(bearer(token))));
    proxy.mode = 'pass';
    const recovered = await handler(restTokenEvent(bearer(token)));

    expectFailClosed(failed.outcome);
    expect(failed.ms).toBeLessThan(DEADLINE_MS);
    expect(telemetry.records[0]).toMatchObject({
      decision: 'error',
      reason: 'STORE_UNAVAILABLE',
    });
    expect(recovered).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Allow' }] } });
  });

  it('never allows a revoked token while failing, and denies it after recovery', async () => {
    const claims = goodClaims();
    await putItem(harness.client, harness.tableName, tokenKey(ISSUER, claims.jti as string), {
      ...ttlValue(Math.floor(Date.now() / 1000) + 3600),
    });
    const { handler } = buildHandler(envFor(proxy.endpoint));
    const token = signJwt(harness.key, claims);

    const failed = await timed(handler(restTokenEvent(bearer(token))));
    proxy.mode = 'pass';
    const recovered = await handler(restTokenEvent(bearer(token)));

    expectFailClosed(failed.outcome);
    expect(recovered).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Deny' }] } });
  });
});

it('fails closed within the budget when DynamoDB refuses connections', async () => {
  const refusing = await FaultyDynamoDb.refusing();
  const { handler } = buildHandler(envFor(refusing.endpoint));

  const failed = await timed(handler(restTokenEvent(bearer(signJwt(harness.key, goodClaims())))));

  expectFailClosed(failed.outcome);
  expect(failed.ms).toBeLessThan(DEADLINE_MS);
});

it('retries a throttled lookup a bounded number of times', async () => {
  const proxy = await FaultyDynamoDb.start('throttle');
  try {
    const { handler } = buildHandler({ ...envFor(proxy.endpoint), STORE_MAX_ATTEMPTS: '2' });

    await timed(handler(restTokenEvent(bearer(signJwt(harness.key, goodClaims())))));

    expect(proxy.requests).toBeGreaterThanOrEqual(1);
    expect(proxy.requests).toBeLessThanOrEqual(2);
  } finally {
    await proxy.stop();
  }
});

it('never answers wrongly while DynamoDB flaps during traffic', async () => {
  const proxy = await FaultyDynamoDb.start('pass', harness.dynamo.iam.endpoint);
  try {
    const { handler } = buildHandler(envFor(proxy.endpoint));
    const modes: ProxyMode[] = ['pass', 'status-500', 'pass', 'hang', 'pass', 'throttle', 'pass'];
    const wrong: string[] = [];
    let answered = 0;

    for (const mode of modes) {
      proxy.mode = mode;
      // Fresh tokens every round, so every call needs the store.
      const revoked = goodClaims();
      await putItem(harness.client, harness.tableName, tokenKey(ISSUER, revoked.jti as string), {
        ...ttlValue(Math.floor(Date.now() / 1000) + 3600),
      });
      const calls = [
        ...Array.from({ length: 3 }, () => ({
          token: signJwt(harness.key, revoked),
          revoked: true,
        })),
        ...Array.from({ length: 3 }, () => ({
          token: signJwt(harness.key, goodClaims()),
          revoked: false,
        })),
      ];
      const results = await Promise.allSettled(
        calls.map(({ token }) => handler(restTokenEvent(bearer(token)))),
      );
      results.forEach((result, index) => {
        const expected = calls[index]!.revoked ? 'Deny' : 'Allow';
        if (result.status === 'fulfilled') {
          answered += 1;
          const effect = JSON.stringify(result.value).includes('"Effect":"Allow"')
            ? 'Allow'
            : 'Deny';
          if (effect !== expected) wrong.push(`${mode}: ${effect} instead of ${expected}`);
        } else if (
          String(result.reason) !== 'Error: Authorizer failed closed (STORE_UNAVAILABLE)'
        ) {
          wrong.push(`${mode}: ${String(result.reason)}`);
        } else if (mode === 'pass') {
          wrong.push('pass: failed although the store was up');
        }
      });
    }

    expect(wrong).toEqual([]);
    expect(answered).toBe(4 * 6);
  } finally {
    await proxy.stop();
  }
});
