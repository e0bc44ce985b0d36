/**
 * What the authorizer records of each decision (the log line and metrics come from it): the
 * decision, its reason, the event kind, whether the cache answered, and whose token it was.
 * Production dependencies with the in-memory table and a JWKS server on loopback.
 */
import { createHandler, createProductionDeps } from '../../../lambda/request/authorizer';
import { loadConfig } from '../../../lambda/shared/config';
import { StoreUnavailableError } from '../../../lambda/shared/errors';
import { MemoryRevocationStore, subjectKey, tokenKey } from '../../../lambda/revocations/table';
import { bearer, restTokenEvent } from '../../helpers/events';
import { RecordingTelemetry } from '../../helpers/harness';
import { JwksServer } from '../../helpers/jwks-server';
import {
  AUDIENCE,
  generateTestKey,
  goodClaims,
  ISSUER,
  newJti,
  signJwt,
} from '../../helpers/tokens';
import { captureOutputOf } from '../../helpers/output';

const key = generateTestKey('RS256');
let jwks: JwksServer;

beforeAll(async () => {
  jwks = await JwksServer.start([key.jwk]);
});
afterAll(async () => {
  await jwks.stop();
});

function setup() {
  const clock = { now: Date.now() };
  const store = new MemoryRevocationStore(() => clock.now);
  const telemetry = new RecordingTelemetry();
  const config = loadConfig({
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URI: jwks.uri,
    REVOCATION_TABLE_NAME: 'revocations',
    AWS_REGION: 'us-east-1',
  });
  const handler = createHandler(
    createProductionDeps(config, { store, telemetry, now: () => clock.now }),
  );
  return { clock, store, telemetry, handler };
}

describe('decision records', () => {
  it('records an Allow with the token identity, a store read first and a cache hit after', async () => {
    const { telemetry, handler } = setup();
    const jti = newJti();
    const token = signJwt(key, goodClaims({ jti }));

    await handler(restTokenEvent(bearer(token)));
    await handler(restTokenEvent(bearer(token)));

    const identity = { jti, iss: ISSUER, sub: 'alice' };
    expect(telemetry.records).toEqual([
      {
        decision: 'allow',
        reason: 'OK',
        eventKind: 'rest-token',
        cache: 'miss',
        storeLatencyMs: expect.any(Number) as number,
        ...identity,
        durationMs: expect.any(Number) as number,
      },
      {
        decision: 'allow',
        reason: 'OK',
        eventKind: 'rest-token',
        cache: 'hit',
        storeLatencyMs: 0,
        ...identity,
        durationMs: expect.any(Number) as number,
      },
    ]);
    expect(telemetry.records.every((record) => record.durationMs >= 0)).toBe(true);
  });

  it('records a Deny as REVOKED for a revoked token and SUBJECT_REVOKED for a logged-out user', async () => {
    const { clock, store, telemetry, handler } = setup();
    const revoked = goodClaims({ jti: newJti() });
    store.revokeToken(ISSUER, revoked.jti as string, revoked.exp as number);
    const loggedOut = goodClaims({ sub: 'bob', iat: Math.floor(clock.now / 1000) - 10 });
    store.revokeKey(subjectKey(ISSUER, 'bob'), {
      until: undefined,
      notBefore: Math.floor(clock.now / 1000),
    });

    const tokenDeny = await handler(restTokenEvent(bearer(signJwt(key, revoked))));
    const subjectDeny = await handler(restTokenEvent(bearer(signJwt(key, loggedOut))));

    expect(tokenDeny).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Deny' }] } });
    expect(subjectDeny).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Deny' }] } });
    expect(telemetry.records).toMatchObject([
      { decision: 'deny', reason: 'REVOKED', cache: 'miss', jti: revoked.jti },
      { decision: 'deny', reason: 'SUBJECT_REVOKED', cache: 'miss', sub: 'bob' },
    ]);
  });

  it('records a refused token as unauthorized, with its rejection code and no error', async () => {
    const { clock, telemetry, handler } = setup();
    const past = Math.floor(clock.now / 1000) - 3600;
    const expired = signJwt(key, goodClaims({ iat: past - 60, nbf: past - 60, exp: past }));

    await expect(handler(restTokenEvent(bearer(expired)))).rejects.toThrow(
      new Error('Unauthorized'),
    );

    expect(telemetry.records).toEqual([
      {
        decision: 'unauthorized',
        reason: 'EXPIRED',
        eventKind: 'rest-token',
        jti: undefined,
        iss: undefined,
        sub: undefined,
        durationMs: expect.any(Number) as number,
        error: undefined,
      },
    ]);
  });

  it('records a store failure as an error with the verified token identity, and fails closed', async () => {
    const { store, telemetry, handler } = setup();
    const jti = newJti();
    store.failNext = 1;

    const outcome = handler(restTokenEvent(bearer(signJwt(key, goodClaims({ jti })))));

    await expect(outcome).rejects.toThrow('Authorizer failed closed (STORE_UNAVAILABLE)');
    expect(telemetry.records).toEqual([
      {
        decision: 'error',
        reason: 'STORE_UNAVAILABLE',
        eventKind: 'rest-token',
        jti,
        iss: ISSUER,
        sub: 'alice',
        durationMs: expect.any(Number) as number,
        error: expect.any(StoreUnavailableError) as StoreUnavailableError,
      },
    ]);
  });

  it('records an event it cannot read without an event kind', async () => {
    const { telemetry, handler } = setup();

    await expect(handler({ unexpected: true })).rejects.toThrow(/failed closed/);

    expect(telemetry.last).toMatchObject({ decision: 'error', eventKind: undefined });
  });

  it('keeps answering a revoked token from the cache once it has read it', async () => {
    const { store, telemetry, handler } = setup();
    const claims = goodClaims({ jti: newJti() });
    store.revokeKey(tokenKey(ISSUER, claims.jti as string));
    const token = signJwt(key, claims);

    await handler(restTokenEvent(bearer(token)));
    await handler(restTokenEvent(bearer(token)));

    expect(telemetry.records.map((record) => [record.decision, record.cache])).toEqual([
      ['deny', 'miss'],
      ['deny', 'hit'],
    ]);
  });

  it('records a duration no longer than the call it measures took, for answers and failures', async () => {
    const { telemetry, handler } = setup();
    const token = signJwt(key, goodClaims({ jti: newJti() }));

    const before = performance.now();
    await handler(restTokenEvent(bearer(token)));
    await handler({ unexpected: true }).catch(() => undefined);
    const elapsed = performance.now() - before;

    const durations = telemetry.records.map((record) => record.durationMs);
    expect(durations).toHaveLength(2);
    for (const duration of durations) {
      expect(duration).toBeGreaterThanOrEqual(0);
      expect(duration).toBeLessThanOrEqual(elapsed);
    }
  });
});

describe('the default telemetry of the production dependencies', () => {
  it('publishes its metrics every METRICS_FLUSH_SECONDS on the clock it is given', async () => {
    const clock = { now: Date.now() };
    const store = new MemoryRevocationStore(() => clock.now);
    const config = loadConfig({
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWKS_URI: jwks.uri,
      REVOCATION_TABLE_NAME: 'revocations',
      AWS_REGION: 'us-east-1',
      METRICS_FLUSH_SECONDS: '30',
    });
    const previous = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    let handler: ReturnType<typeof createHandler>;
    try {
      handler = createHandler(createProductionDeps(config, { store, now: () => clock.now }));
    } finally {
      process.env.POWERTOOLS_METRICS_DISABLED = previous;
    }
    const token = signJwt(key, goodClaims({ jti: newJti() }));

    const withinInterval = await captureOutputOf(() => handler(restTokenEvent(bearer(token))));
    clock.now += 30_000;
    const afterInterval = await captureOutputOf(() => handler(restTokenEvent(bearer(token))));

    expect(withinInterval).toEqual([]);
    expect(afterInterval).toEqual([expect.objectContaining({ Allow: 2 })]);
  });
});
