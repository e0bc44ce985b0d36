/**
 * The authorizer's CloudWatch metrics as the construct reads them: the names the function
 * publishes (`lambda/shared/telemetry.ts`, Powertools EMF) and the dimensions that tell one
 * construct instance from another, so that two instances in one account never share a metric.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { TABLE_OPERATIONS } from '../lambda/revocations/table/layout';
import { METRICS_INSTANCE_ENV, METRICS_NAMESPACE, SERVICE_NAME } from './function-environment';

/**
 * Every metric the function publishes. test/cdk/operations.test.ts checks these against the EMF
 * documents the telemetry writes. The JWKS fetches and the generation reads are not published.
 */
export const AUTHORIZER_METRICS = {
  allow: 'Allow',
  deny: 'Deny',
  insufficientScope: 'InsufficientScope',
  unauthorized: 'Unauthorized',
  failClosed: 'FailClosed',
  cacheHit: 'CacheHit',
  cacheMiss: 'CacheMiss',
  storeLatency: 'StoreLatency',
} as const;

export type AuthorizerMetricName = (typeof AUTHORIZER_METRICS)[keyof typeof AUTHORIZER_METRICS];

/** The dimension the telemetry gives the value of `METRICS_INSTANCE_ENV`. */
export const INSTANCE_DIMENSION = 'instance';

/**
 * A name unique to one construct in an account and region: the stack's name (CloudFormation
 * keeps those unique there) and the construct's path inside the stack, e.g. `Orders/Revocation`.
 */
export function defaultMetricsInstance(scope: Construct): string {
  const stack = Stack.of(scope);
  const scopes = scope.node.scopes;
  const inside = scopes.slice(scopes.indexOf(stack) + 1).map((each) => each.node.id);
  return [stack.stackName, ...inside].join('/');
}

/** The metrics of one instance, as `cloudwatch.Metric`s; the construct offers them as methods. */
export interface IAuthorizerMetrics {
  /** Requests allowed (Sum). */
  metricAllow(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Requests denied because the token or its subject is revoked: 403 (Sum). */
  metricDeny(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Requests refused because the token lacks the route's scopes (`ROUTE_SCOPES`): 403 (Sum). */
  metricInsufficientScope(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Requests refused for a missing, malformed or invalid token: 401 (Sum). */
  metricUnauthorized(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Requests failed closed because DynamoDB or the JWKS could not be reached: 500 (Sum). */
  metricFailClosed(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Revocation answers taken from the container's cache (Sum). */
  metricCacheHit(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Revocation answers that needed a DynamoDB lookup (Sum). */
  metricCacheMiss(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Milliseconds of each DynamoDB lookup, on cache misses (Average; ask for `p99`). */
  metricStoreLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Percentage of revocation answers taken from the cache. */
  metricCacheHitRatio(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression;
}

/**
 * Namespace, service and instance as the function's environment sets them, read with the
 * telemetry's rules (`createMetrics`): an empty variable means the default, or no instance.
 */
export class AuthorizerMetrics implements IAuthorizerMetrics {
  readonly namespace: string;
  readonly dimensions: Readonly<Record<string, string>>;

  constructor(environment: Readonly<Record<string, string>>) {
    const instance = environment[METRICS_INSTANCE_ENV];
    this.namespace = environment.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE;
    this.dimensions = {
      service: environment.POWERTOOLS_SERVICE_NAME || SERVICE_NAME,
      ...(instance ? { [INSTANCE_DIMENSION]: instance } : {}),
    };
  }

  /** Any metric the function publishes, for this instance; `props` win, as in CDK's own. */
  metric(metricName: AuthorizerMetricName, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { ...this.dimensions },
      statistic: metricName === AUTHORIZER_METRICS.storeLatency ? 'Average' : 'Sum',
      ...props,
    });
  }

  metricAllow(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTHORIZER_METRICS.allow, props);
  }

  metricDeny(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTHORIZER_METRICS.deny, props);
  }

  metricInsufficientScope(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTHORIZER_METRICS.insufficientScope, props);
  }

  metricUnauthorized(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTHORIZER_METRICS.unauthorized, props);
  }

  metricFailClosed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTHORIZER_METRICS.failClosed, props);
  }

  metricCacheHit(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTHORIZER_METRICS.cacheHit, props);
  }

  metricCacheMiss(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTHORIZER_METRICS.cacheMiss, props);
  }

  metricStoreLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUTHORIZER_METRICS.storeLatency, props);
  }

  metricCacheHitRatio(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    const period = props?.period ?? Duration.minutes(5);
    // A container publishes only the counters it moved, so a period may lack one of the two.
    return new cloudwatch.MathExpression({
      expression: '100 * FILL(hits, 0) / (FILL(hits, 0) + FILL(misses, 0))',
      usingMetrics: {
        hits: this.metricCacheHit({ period }),
        misses: this.metricCacheMiss({ period }),
      },
      label: 'Cache hit ratio (%)',
      ...props,
      period,
    });
  }
}

/**
 * DynamoDB throttling of the operations the authorizer performs on the table (the reader side
 * of the table module), summed over the operations.
 */
export function metricStoreThrottles(
  table: dynamodb.ITableV2,
  options: { readonly period?: Duration; readonly label?: string } = {},
): cloudwatch.IMetric {
  const sum = table.metricThrottledRequestsForOperations({
    operations: TABLE_OPERATIONS.reader.map(toCloudWatchOperation),
    period: options.period,
  });
  return options.label && sum instanceof cloudwatch.MathExpression
    ? sum.with({ label: options.label })
    : sum;
}

const OPERATIONS = new Set<string>(Object.values(dynamodb.Operation));

function toCloudWatchOperation(operation: string): dynamodb.Operation {
  if (!OPERATIONS.has(operation)) throw new Error(`Not a DynamoDB metric operation: ${operation}`);
  return operation as dynamodb.Operation;
}
