/**
 * The optional dashboard of one construct instance: what it decided, how well its cache works,
 * how fast DynamoDB answers it, and whether it is failing closed or being throttled. It shows
 * only metrics the function publishes (`lib/metrics.ts`) and those AWS publishes for Lambda and
 * DynamoDB: JWKS fetches and generation reads are not published, so they are not here.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { metricStoreThrottles, type IAuthorizerMetrics } from './metrics';

export interface AuthorizerDashboardOptions {
  /** The instance's name, as its metrics carry it. */
  readonly instance: string;
  readonly metrics: IAuthorizerMetrics;
  readonly function: lambda.IFunction;
  readonly table: dynamodb.ITableV2;
  readonly failClosedAlarm: cloudwatch.IAlarm;
}

export function createDashboard(
  scope: Construct,
  id: string,
  options: AuthorizerDashboardOptions,
): cloudwatch.Dashboard {
  const { metrics } = options;
  const period = Duration.minutes(1);
  const dashboard = new cloudwatch.Dashboard(scope, id, { defaultInterval: Duration.hours(3) });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown: [
        `# JWT revocation authorizer: ${options.instance}`,
        'Counts are sums per minute. A container publishes its counts at most every `METRICS_FLUSH_SECONDS` (at once on a fail-closed answer).',
      ].join('\n\n'),
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Decisions',
      width: 12,
      left: [
        metrics.metricAllow({ period, label: 'Allow' }),
        metrics.metricDeny({ period, label: 'Deny (403, revoked)' }),
        metrics.metricInsufficientScope({ period, label: 'InsufficientScope (403)' }),
        metrics.metricUnauthorized({ period, label: 'Unauthorized (401)' }),
        metrics.metricFailClosed({ period, label: 'FailClosed (500)' }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Revocation cache hit ratio (%)',
      width: 12,
      left: [metrics.metricCacheHitRatio({ period })],
      leftYAxis: { min: 0, max: 100, showUnits: false },
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'DynamoDB lookup latency (ms, cache misses)',
      width: 8,
      left: [
        metrics.metricStoreLatency({ period, statistic: 'p50', label: 'p50' }),
        metrics.metricStoreLatency({ period, statistic: 'p99', label: 'p99' }),
      ],
    }),
    new cloudwatch.AlarmWidget({
      title: 'Fail-closed answers (500) and their alarm',
      width: 8,
      alarm: options.failClosedAlarm,
    }),
    new cloudwatch.GraphWidget({
      title: 'Throttles',
      width: 8,
      left: [
        metricStoreThrottles(options.table, { period, label: 'DynamoDB (authorizer reads)' }),
        options.function.metricThrottles({ period, statistic: 'Sum', label: 'Lambda' }),
      ],
    }),
  );
  return dashboard;
}
