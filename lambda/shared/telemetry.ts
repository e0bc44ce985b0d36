/**
 * What the authorizer reports about each decision: a structured JSON log line and CloudWatch
 * metrics in Embedded Metric Format, through Powertools for AWS Lambda. A whole token is never
 * logged; its `jti`, `iss` and `sub` are.
 */
import { ENV } from './settings';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * `deny`: the token or its subject is revoked (403); `insufficient-scope`: the token lacks the
 * scopes of the route asked for (`ROUTE_SCOPES`, 403).
 */
export type Decision = 'allow' | 'deny' | 'insufficient-scope' | 'unauthorized' | 'error';

export interface DecisionRecord {
  readonly decision: Decision;
  /** `OK`, `REVOKED`, `SUBJECT_REVOKED`, `INSUFFICIENT_SCOPE`, a rejection or an error code. */
  readonly reason: string;
  readonly eventKind?: string;
  readonly cache?: 'hit' | 'miss';
  readonly storeLatencyMs?: number;
  readonly jti?: string;
  readonly iss?: string;
  readonly sub?: string;
  readonly durationMs: number;
  /**
   * For `allow`: the chosen claims (`CONTEXT_CLAIMS`) the token carries but the context left
   * out, and why; names only, never values.
   */
  readonly droppedContextClaims?: readonly { claim: string; reason: string }[];
  /** For `error`: what went wrong (never contains the token). */
  readonly error?: unknown;
}

export interface Telemetry {
  record(record: DecisionRecord): void;
}

export const METRIC_NAMES = {
  allow: 'Allow',
  deny: 'Deny',
  'insufficient-scope': 'InsufficientScope',
  unauthorized: 'Unauthorized',
  error: 'FailClosed',
} as const satisfies Record<Decision, string>;

export interface PowertoolsTelemetryOptions {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /**
   * Counts are published at most this often (and at once for a fail-closed answer); 0 publishes
   * every invocation.
   */
  readonly flushSeconds?: number;
  readonly now?: () => number;
}

/**
 * The most store latencies kept between two publications. EMF takes 100 values a metric, and
 * Powertools publishes by itself when a metric reaches 100: stay below, so that one document
 * carries the counts and the latencies together.
 */
const MAX_LATENCY_VALUES = 99;

/**
 * Logs allows at DEBUG (the hot path stays quiet at the default INFO level), denials and
 * refusals at INFO and fail-closed errors at ERROR.
 *
 * Metrics are counted in memory and published as one EMF document when `flushSeconds` have
 * passed since the last one, when the latency buffer is full, and at once on a fail-closed
 * answer (the alarms watch those). Writing an EMF document costs more than the rest of a cached
 * call; the price is that counts of the last `flushSeconds` of a container that is shut down
 * are lost (a container that idles publishes them with its next invocation).
 */
export class PowertoolsTelemetry implements Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
  private readonly flushMs: number;
  private readonly now: () => number;
  private readonly counts = new Map<string, number>();
  private readonly latencies: number[] = [];
  /** Chosen claims (and why) already reported as left out of a context. */
  private readonly droppedWarned = new Set<string>();
  private lastFlush: number;
  private readonly metricsOn: boolean;
  /**
   * Whether allows are logged (DEBUG). Powertools' `level` getter reads the environment on
   * every call (about 4 us, most of a cached call, profiled), so the answer is kept here and
   * refreshed at each publication.
   */
  private debugOn: boolean;

  constructor(options: PowertoolsTelemetryOptions = {}) {
    this.logger = options.logger ?? new Logger({ serviceName: 'jwt-revocation-authorizer' });
    this.metrics = options.metrics ?? createMetrics();
    this.flushMs = (options.flushSeconds ?? 10) * 1000;
    this.metricsOn = metricsEnabled();
    this.now = options.now ?? Date.now;
    this.lastFlush = this.now();
    this.debugOn = this.logger.level <= DEBUG_LEVEL;
  }

  record(record: DecisionRecord): void {
    switch (record.decision) {
      case 'allow':
        // Building the log item costs even when DEBUG is off: skip it then.
        if (this.debugOn) this.logger.debug('authorizer decision', fields(record));
        if (record.droppedContextClaims) this.warnDropped(record.droppedContextClaims);
        break;
      case 'deny':
      case 'insufficient-scope':
      case 'unauthorized':
        this.logger.info('authorizer decision', fields(record));
        break;
      case 'error':
        this.logger.error('authorizer failed closed', {
          ...fields(record),
          error: describe(record.error),
        });
        break;
    }
    this.count(METRIC_NAMES[record.decision]);
    if (record.cache === 'hit') this.count('CacheHit');
    if (record.cache === 'miss') {
      this.count('CacheMiss');
      this.latencies.push(record.storeLatencyMs ?? 0);
    }
    if (
      record.decision === 'error' ||
      this.latencies.length >= MAX_LATENCY_VALUES ||
      this.now() - this.lastFlush >= this.flushMs
    ) {
      this.flush();
    }
  }

  /** Publishes what was counted since the last publication. */
  flush(): void {
    this.debugOn = this.logger.level <= DEBUG_LEVEL;
    this.lastFlush = this.now();
    if (!this.metricsOn) {
      // Publishing nothing would only print Powertools' "no metrics" warning.
      this.counts.clear();
      this.latencies.length = 0;
      return;
    }
    for (const [name, count] of this.counts) this.metrics.addMetric(name, MetricUnit.Count, count);
    for (const latency of this.latencies) {
      this.metrics.addMetric('StoreLatency', MetricUnit.Milliseconds, latency);
    }
    this.counts.clear();
    this.latencies.length = 0;
    this.metrics.publishStoredMetrics();
  }

  /**
   * Says once per container, at WARN, that a chosen claim was left out of a context and why
   * (every Allow's DEBUG line names them too): a claim that never fits is a deployment matter,
   * not one line per request.
   */
  private warnDropped(dropped: readonly { claim: string; reason: string }[]): void {
    for (const { claim, reason } of dropped) {
      const seen = `${claim}\n${reason}`;
      if (this.droppedWarned.has(seen)) continue;
      this.droppedWarned.add(seen);
      this.logger.warn('context claim left out', { claim, reason });
    }
  }

  private count(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
}

/**
 * The deployed metrics: Powertools' own variables name the namespace and the `service`
 * dimension, and `METRICS_INSTANCE` adds an `instance` dimension, so that two deployments in one
 * account never share a metric (the construct sets all three, and its alarms read the same).
 */
export function createMetrics(env: NodeJS.ProcessEnv = process.env): Metrics {
  const instance = env[ENV.metricsInstance];
  return new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || 'JwtRevocationAuthorizer',
    serviceName: env.POWERTOOLS_SERVICE_NAME || 'jwt-revocation-authorizer',
    ...(instance ? { defaultDimensions: { instance } } : {}),
  });
}

/** Powertools' own rule: POWERTOOLS_METRICS_DISABLED, else POWERTOOLS_DEV, turns metrics off. */
function metricsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const truthy = (value: string | undefined): boolean =>
    value !== undefined && ['1', 'true', 'on', 'yes', 'y'].includes(value.trim().toLowerCase());
  if (env.POWERTOOLS_METRICS_DISABLED !== undefined)
    return !truthy(env.POWERTOOLS_METRICS_DISABLED);
  return !truthy(env.POWERTOOLS_DEV);
}

/** Powertools' numeric level of DEBUG. */
const DEBUG_LEVEL = 8;

function fields(record: DecisionRecord): Omit<DecisionRecord, 'error'> {
  const { error: _error, ...rest } = record;
  return rest;
}

function describe(error: unknown): Record<string, string> {
  if (!(error instanceof Error)) return { message: String(error) };
  const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : '';
  return { name: error.name, message: error.message, ...(cause ? { cause } : {}) };
}
