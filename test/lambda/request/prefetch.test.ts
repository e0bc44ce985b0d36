/**
 * The cold start's prefetch (issuer keys, DynamoDB connection, generation record), on real
 * sockets: after it the first request needs neither a JWKS fetch nor a generation read; when a
 * dependency hangs or refuses, the prefetch ends at its deadline without throwing, and the first
 * request then does what it would have done without it.
 */
import { prefetch } from '../../../lambda/request/prefetch';
import { FaultyDynamoDb } from '../../helpers/dynamodb';
import { buildHandler, effectOf, startHarness, type Harness } from '../../helpers/harness';
import { JwksServer } from '../../helpers/jwks-server';
import { goodClaims, signJwt } from '../../helpers/tokens';

/** A deadline, not a speed target: the bound on "ends at its deadline" on a busy machine. */
const SLACK_MS = 1500;

let harness: Harness;
let jwks: JwksServer;
let dynamo: FaultyDynamoDb;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.stop();
});
beforeEach(async () => {
  jwks = await JwksServer.start([harness.key.jwk]);
  // In front of the table as the authorizer reaches it: counts requests and connections, and
  // can hang or fail while the test runs.
  dynamo = await FaultyDynamoDb.start('pass', harness.dynamo.iam.endpoint);
});
afterEach(async () => {
  await Promise.all([jwks.stop(), dynamo.stop()]);
});

/** A fresh container. The clock stands still, so a generation reading stays confirmed. */
function container(settings: Record<string, string> = {}): ReturnType<typeof buildHandler> {
  const now = Date.now();
  return buildHandler(
    {
      ...harness.env,
      JWKS_URI: jwks.uri,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      ...settings,
    },
    { now: () => now },
  );
}

/** DynamoDB operations the table received while `work` ran. */
async function operationsDuring<T>(work: () => Promise<T>): Promise<{ result: T; ops: string[] }> {
  const before = harness.dynamo.operations.length;
  const result = await work();
  return { result, ops: harness.dynamo.operations.slice(before) };
}

async function timed<T>(work: Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work;
  return { result, ms: performance.now() - started };
}

describe('the cold-start prefetch', () => {
  it('leaves the first request no JWKS fetch and no generation read, on the opened connection', async () => {
    const built = container();
    const token = signJwt(harness.key, goodClaims());

    const init = await operationsDuring(() => prefetch(built.deps, 5000));
    const connectionsAfterInit = dynamo.openConnections;
    const first = await operationsDuring(() => effectOf(built, token));

    expect(init.result).toMatchObject({ keys: 'done', store: 'done', errors: [] });
    expect(init.ops).toEqual(['GetItem']);
    expect(jwks.requests).toBe(1);
    expect(connectionsAfterInit).toBe(1);
    expect(first.result).toBe('Allow');
    // Only the token's own keys (jti and subject): the keys and the generation were in hand.
    expect(first.ops).toEqual(['BatchGetItem']);
    expect(jwks.requests).toBe(1);
    expect(dynamo.openConnections).toBe(1);
  });

  it('keeps its generation reading as a poll does, for one poll interval', async () => {
    // The reading counts from when the prefetch read it; past the poll interval (the clock
    // moves here) a request needs a fresh one.
    const clock = { ms: Date.now() };
    const built = buildHandler(
      { ...harness.env, JWKS_URI: jwks.uri, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint },
      { now: () => clock.ms },
    );
    const token = signJwt(harness.key, goodClaims());

    await prefetch(built.deps, 5000);
    const first = await operationsDuring(() => effectOf(built, token));
    clock.ms += 1500;
    const later = await operationsDuring(() => effectOf(built, token));

    expect(first).toEqual({ result: 'Allow', ops: ['BatchGetItem'] });
    // Past the poll interval the cached answer needs a fresh generation reading.
    expect(later).toEqual({ result: 'Allow', ops: ['GetItem'] });
  });

  it('does nothing when turned off (0)', async () => {
    const built = container();

    const init = await operationsDuring(() => prefetch(built.deps, 0));

    expect(init.result).toMatchObject({ keys: 'off', store: 'off' });
    expect(init.ops).toEqual([]);
    expect(jwks.requests).toBe(0);
    expect(dynamo.requests).toBe(0);
  });

  it('ends at its deadline when the JWKS hangs, and the first request fetches the keys afresh', async () => {
    // A JWKS fetch still in flight when the init phase ends must not be what the first request
    // waits for: here the issuer has recovered, and a fresh fetch gets its keys at once.
    const built = container({ JWKS_TIMEOUT_MS: '10000' });
    jwks.mode = 'hang';

    const init = await timed(prefetch(built.deps, 300));
    jwks.mode = 'ok';
    const first = await timed(effectOf(built, signJwt(harness.key, goodClaims())));

    expect(init.result).toMatchObject({ keys: 'timed out', store: 'done' });
    expect(init.ms).toBeLessThan(300 + SLACK_MS);
    expect(first.result).toBe('Allow');
    expect(first.ms).toBeLessThan(SLACK_MS);
    expect(jwks.requests).toBe(2);
  });

  it.each(['status-500', 'garbage'] as const)(
    'reports a JWKS answering "%s" without throwing, and starts no cooldown',
    async (mode) => {
      const built = container();
      jwks.mode = mode;

      const init = await prefetch(built.deps, 5000);
      jwks.mode = 'ok';
      const first = await effectOf(built, signJwt(harness.key, goodClaims()));

      expect(init).toMatchObject({ keys: 'failed', store: 'done' });
      expect(init.errors).toHaveLength(1);
      expect(first).toBe('Allow');
      expect(jwks.requests).toBe(2);
    },
  );

  it('ends at its deadline when DynamoDB hangs, and the first request reads the generation itself', async () => {
    // The generation read still in flight (its own deadline is STORE_TIMEOUT_MS, 1 s; one
    // attempt, so no retry rescues it) must not be joined by the first request: DynamoDB has
    // recovered, and a fresh read answers.
    const built = container({ STORE_MAX_ATTEMPTS: '1' });
    dynamo.mode = 'hang';

    const init = await timed(prefetch(built.deps, 300));
    dynamo.mode = 'pass';
    const first = await operationsDuring(() =>
      timed(effectOf(built, signJwt(harness.key, goodClaims()))),
    );

    expect(init.result).toMatchObject({ keys: 'done', store: 'timed out' });
    expect(init.ms).toBeLessThan(300 + SLACK_MS);
    expect(first.result.result).toBe('Allow');
    expect(first.result.ms).toBeLessThan(SLACK_MS);
    expect(first.ops).toEqual(['GetItem', 'BatchGetItem']);
    expect(jwks.requests).toBe(1);
  });

  it('reports a failing DynamoDB without throwing, and the first request reads again', async () => {
    const built = container();
    dynamo.mode = 'status-500';

    const init = await prefetch(built.deps, 5000);
    dynamo.mode = 'pass';
    const first = await operationsDuring(() => effectOf(built, signJwt(harness.key, goodClaims())));

    expect(init).toMatchObject({ keys: 'done', store: 'failed' });
    expect(init.errors).toHaveLength(1);
    expect(first).toEqual({ result: 'Allow', ops: ['GetItem', 'BatchGetItem'] });
  });

  it('with DynamoDB refusing connections, leaves the first request to fail closed as it would have', async () => {
    const refused = await FaultyDynamoDb.refusing();
    const settings = { AWS_ENDPOINT_URL_DYNAMODB: refused.endpoint };
    const withPrefetch = container(settings);
    const without = container(settings);
    const token = signJwt(harness.key, goodClaims());

    const init = await timed(prefetch(withPrefetch.deps, 5000));
    const answers = [await effectOf(withPrefetch, token), await effectOf(without, token)];

    expect(init.result).toMatchObject({ keys: 'done', store: 'failed' });
    expect(init.ms).toBeLessThan(5000);
    expect(answers).toEqual(['FailClosed', 'FailClosed']);
    expect(withPrefetch.telemetry.last).toMatchObject({ reason: 'STORE_UNAVAILABLE' });
  });
});
