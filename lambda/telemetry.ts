/**
 * What the authorizer reports about each decision: a structured JSON log line and CloudWatch
 * metrics in Embedded Metric Format, through Powertools for AWS Lambda. A whole token is never
 * logged; its `jti`, `iss` and `sub` are.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export type Decision = 'allow' | 'deny' | 'unauthorized' | 'error';

export interface DecisionRecord {
  readonly decision: Decision;
  /** `OK`, `REVOKED`, a rejection code or an error code. */
  readonly reason: string;
  readonly eventKind?: string;
  readonly cache?: 'hit' | 'miss';
  readonly storeLatencyMs?: number;
  readonly jti?: string;
  readonly iss?: string;
  readonly sub?: string;
  readonly durationMs: number;
  /** For `error`: what went wrong (never contains the token). */
  readonly error?: unknown;
}

export interface Telemetry {
  record(record: DecisionRecord): void;
}

export const METRIC_NAMES = {
  allow: 'Allow',
  deny: 'Deny',
  unauthorized: 'Unauthorized',
  error: 'FailClosed',
} as const satisfies Record<Decision, string>;

export interface PowertoolsTelemetryOptions {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

/**
 * Logs allows at DEBUG (the hot path stays quiet at the default INFO level), denials and
 * refusals at INFO and fail-closed errors at ERROR; publishes the metrics of every invocation.
 */
export class PowertoolsTelemetry implements Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;

  constructor(options: PowertoolsTelemetryOptions = {}) {
    this.logger = options.logger ?? new Logger({ serviceName: 'jwt-revocation-authorizer' });
    this.metrics =
      options.metrics ??
      new Metrics({
        namespace: 'JwtRevocationAuthorizer',
        serviceName: 'jwt-revocation-authorizer',
      });
  }

  record(record: DecisionRecord): void {
    const { error, ...fields } = record;
    switch (record.decision) {
      case 'allow':
        this.logger.debug('authorizer decision', fields);
        break;
      case 'deny':
      case 'unauthorized':
        this.logger.info('authorizer decision', fields);
        break;
      case 'error':
        this.logger.error('authorizer failed closed', { ...fields, error: describe(error) });
        break;
    }
    this.metrics.addMetric(METRIC_NAMES[record.decision], MetricUnit.Count, 1);
    if (record.cache === 'hit') this.metrics.addMetric('CacheHit', MetricUnit.Count, 1);
    if (record.cache === 'miss') {
      this.metrics.addMetric('CacheMiss', MetricUnit.Count, 1);
      this.metrics.addMetric('StoreLatency', MetricUnit.Milliseconds, record.storeLatencyMs ?? 0);
    }
    this.metrics.publishStoredMetrics();
  }
}

function describe(error: unknown): Record<string, string> {
  if (!(error instanceof Error)) return { message: String(error) };
  const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : '';
  return { name: error.name, message: error.message, ...(cause ? { cause } : {}) };
}
