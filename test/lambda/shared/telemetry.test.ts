/**
 * The Powertools telemetry writes one JSON log line and one EMF document per decision to the
 * process output. Captured here by intercepting stdout and stderr: what CloudWatch receives.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createMetrics, PowertoolsTelemetry } from '../../../lambda/shared/telemetry';
import { captureOutput } from '../../helpers/output';

function telemetry(
  logLevel: 'DEBUG' | 'INFO',
  flushSeconds = 0,
  now: () => number = Date.now,
): PowertoolsTelemetry {
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_DEV = 'false';
  try {
    return new PowertoolsTelemetry({
      logger: new Logger({ serviceName: 'test-authorizer', logLevel }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'test-authorizer' }),
      flushSeconds,
      now,
    });
  } finally {
    process.env.POWERTOOLS_METRICS_DISABLED = previous;
  }
}

/** An allow answered from the cache. */
const allow = {
  decision: 'allow' as const,
  reason: 'OK',
  cache: 'hit' as const,
  durationMs: 1,
};

describe('PowertoolsTelemetry', () => {
  it('warns once per container of a chosen claim left out of a context, by name only', () => {
    const subject = telemetry('INFO');
    const dropped = { ...allow, droppedContextClaims: [{ claim: 'email', reason: 'too-long' }] };

    const documents = captureOutput(() => {
      subject.record(dropped);
      subject.record(dropped);
      subject.record({ ...allow, droppedContextClaims: [{ claim: 'email', reason: 'not-flat' }] });
    });

    const warnings = documents.filter((document) => document.message === 'context claim left out');
    expect(warnings).toEqual([
      expect.objectContaining({ level: 'WARN', claim: 'email', reason: 'too-long' }),
      expect.objectContaining({ level: 'WARN', claim: 'email', reason: 'not-flat' }),
    ]);
  });

  it('logs a denial and publishes its metrics in EMF', () => {
    const subject = telemetry('INFO');

    const documents = captureOutput(() =>
      subject.record({
        decision: 'deny',
        reason: 'REVOKED',
        cache: 'miss',
        storeLatencyMs: 4.2,
        jti: 'j-1',
        iss: 'https://i',
        sub: 'alice',
        durationMs: 5,
      }),
    );

    const log = documents.find((document) => document.message === 'authorizer decision');
    const emf = documents.find((document) => '_aws' in document);
    expect(log).toMatchObject({
      level: 'INFO',
      decision: 'deny',
      reason: 'REVOKED',
      jti: 'j-1',
      cache: 'miss',
    });
    expect(emf).toMatchObject({
      Deny: 1,
      CacheMiss: 1,
      StoreLatency: 4.2,
      service: 'test-authorizer',
    });
  });

  it('logs a refusal for want of a scope at INFO and counts it apart from revocations', () => {
    const subject = telemetry('INFO');

    const documents = captureOutput(() =>
      subject.record({
        decision: 'insufficient-scope',
        reason: 'INSUFFICIENT_SCOPE',
        cache: 'hit',
        jti: 'j-3',
        durationMs: 1,
      }),
    );

    expect(documents.find((document) => document.message === 'authorizer decision')).toMatchObject({
      level: 'INFO',
      decision: 'insufficient-scope',
      reason: 'INSUFFICIENT_SCOPE',
      jti: 'j-3',
    });
    const emf = documents.find((document) => '_aws' in document);
    expect(emf).toMatchObject({ InsufficientScope: 1, CacheHit: 1 });
    expect(emf).not.toHaveProperty('Deny');
  });

  it('keeps allows at DEBUG, so the default INFO level writes only the metrics', () => {
    const subject = telemetry('INFO');

    const documents = captureOutput(() =>
      subject.record({ decision: 'allow', reason: 'OK', cache: 'hit', jti: 'j-2', durationMs: 1 }),
    );

    expect(documents.filter((document) => document.message !== undefined)).toEqual([]);
    expect(documents).toEqual([expect.objectContaining({ Allow: 1, CacheHit: 1 })]);
  });

  it('logs allows at DEBUG, and takes a level changed later from the next publication on', () => {
    let clock = 1_000_000;
    const debug = telemetry('DEBUG', 10, () => clock);
    const quiet = telemetry('INFO', 10, () => clock);

    const logged = captureOutput(() => debug.record({ ...allow, jti: 'j-3' }));
    quiet.logger.setLogLevel('DEBUG');
    const beforePublication = captureOutput(() => quiet.record({ ...allow, jti: 'j-4' }));
    clock += 10_000;
    const afterPublication = captureOutput(() => {
      quiet.record({ ...allow, jti: 'j-5' });
      quiet.record({ ...allow, jti: 'j-6' });
    });

    const messages = (documents: Record<string, unknown>[]): unknown[] =>
      documents
        .filter((document) => document.message !== undefined)
        .map((document) => document.jti);
    expect(messages(logged)).toEqual(['j-3']);
    expect(messages(beforePublication)).toEqual([]);
    expect(messages(afterPublication)).toEqual(['j-6']);
  });

  it('logs a fail-closed error with its cause, and counts it', () => {
    const subject = telemetry('INFO');
    const cause = new Error('ECONNREFUSED');

    const documents = captureOutput(() =>
      subject.record({
        decision: 'error',
        reason: 'STORE_UNAVAILABLE',
        durationMs: 3,
        error: new Error('lookup failed', { cause }),
      }),
    );

    expect(documents.find((document) => document.level === 'ERROR')).toMatchObject({
      message: 'authorizer failed closed',
      reason: 'STORE_UNAVAILABLE',
      error: { name: 'Error', message: 'lookup failed', cause: 'Error: ECONNREFUSED' },
    });
    expect(documents.find((document) => '_aws' in document)).toMatchObject({ FailClosed: 1 });
  });

  it('counts in memory and publishes the sums every flushSeconds, and at once on a failure', () => {
    let clock = 1_000_000;
    const subject = telemetry('INFO', 10, () => clock);

    const quiet = captureOutput(() => {
      for (let i = 0; i < 3; i += 1) subject.record(allow);
      subject.record({ ...allow, cache: 'miss', storeLatencyMs: 3 });
    });
    clock += 10_000;
    const flushed = captureOutput(() => subject.record(allow));
    const failed = captureOutput(() =>
      subject.record({
        decision: 'error',
        reason: 'STORE_UNAVAILABLE',
        durationMs: 1,
        error: new Error('x'),
      }),
    );

    expect(quiet).toEqual([]);
    expect(flushed).toEqual([
      expect.objectContaining({ Allow: 5, CacheHit: 4, CacheMiss: 1, StoreLatency: 3 }),
    ]);
    expect(failed.find((document) => '_aws' in document)).toMatchObject({ FailClosed: 1 });
  });

  it('publishes under the namespace, service and instance its environment names', () => {
    const documents = (env: NodeJS.ProcessEnv): Record<string, unknown>[] => {
      const subject = withMetricsOn(
        () =>
          new PowertoolsTelemetry({
            logger: new Logger({ logLevel: 'SILENT' }),
            metrics: createMetrics(env),
            flushSeconds: 0,
          }),
      );
      return captureOutput(() => subject.record(allow)).filter((document) => '_aws' in document);
    };

    const deployed = documents({
      POWERTOOLS_METRICS_NAMESPACE: 'Orders',
      POWERTOOLS_SERVICE_NAME: 'orders-authorizer',
      METRICS_INSTANCE: 'OrdersStack/Revocation',
    });
    const bare = documents({});

    expect(deployed).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({
              Namespace: 'Orders',
              Dimensions: [['service', 'instance']],
            }),
          ],
        }) as unknown,
        service: 'orders-authorizer',
        instance: 'OrdersStack/Revocation',
        Allow: 1,
      }),
    ]);
    expect(bare).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({
              Namespace: 'JwtRevocationAuthorizer',
              Dimensions: [['service']],
            }),
          ],
        }) as unknown,
        service: 'jwt-revocation-authorizer',
      }),
    ]);
    expect(bare[0]).not.toHaveProperty('instance');
  });
});

function withMetricsOn<T>(make: () => T): T {
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  try {
    return make();
  } finally {
    if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = previous;
  }
}
