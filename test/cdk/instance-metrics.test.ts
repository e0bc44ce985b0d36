/**
 * CDK assertions on the metrics of one construct instance: the metric methods, their match with
 * what the function publishes, two instances kept apart, and the dashboard. Bundling is skipped as
 * in revocation-authorizer.test.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { createMetrics, PowertoolsTelemetry } from '../../lambda/shared/telemetry';
import { DemoStack } from '../../lib/demo-stack';
import { AUTHORIZER_METRICS } from '../../lib/revocation-authorizer';
import {
  build,
  captureOutput,
  dashboardBodies,
  ENV,
  functionVariables,
  ISSUER,
  logicalId,
  newStack,
  ownMetricRows,
  resourceById,
  restore,
} from './operations-support';

describe('metrics of this instance', () => {
  it('offers a metric per published name, with this instance in its dimensions', () => {
    const { authorizer } = build({ metricsInstance: 'orders-prod' });

    const helpers = [
      [authorizer.metricAllow(), 'Allow', 'Sum'],
      [authorizer.metricDeny(), 'Deny', 'Sum'],
      [authorizer.metricInsufficientScope(), 'InsufficientScope', 'Sum'],
      [authorizer.metricUnauthorized(), 'Unauthorized', 'Sum'],
      [authorizer.metricFailClosed(), 'FailClosed', 'Sum'],
      [authorizer.metricCacheHit(), 'CacheHit', 'Sum'],
      [authorizer.metricCacheMiss(), 'CacheMiss', 'Sum'],
      [authorizer.metricStoreLatency(), 'StoreLatency', 'Average'],
    ] as const;
    for (const [metric, name, statistic] of helpers) {
      expect(metric).toMatchObject({
        namespace: 'JwtRevocationAuthorizer',
        metricName: name,
        statistic,
        dimensions: { service: 'jwt-revocation-authorizer', instance: 'orders-prod' },
      });
      expect(metric.period.toMinutes()).toBe(5);
    }
    expect(new Set(helpers.map(([, name]) => name))).toEqual(
      new Set(Object.values(AUTHORIZER_METRICS)),
    );
    expect(authorizer.metricStoreLatency({ statistic: 'p99' }).statistic).toBe('p99');
    const ratio = authorizer.metricCacheHitRatio();
    expect(Object.values(ratio.usingMetrics).map((metric) => metric.toMetricConfig())).toEqual([
      expect.objectContaining({
        metricStat: expect.objectContaining({
          metricName: 'CacheHit',
          dimensions: expect.arrayContaining([
            { name: 'instance', value: 'orders-prod' },
          ]) as unknown,
        }) as unknown,
      }),
      expect.objectContaining({
        metricStat: expect.objectContaining({ metricName: 'CacheMiss' }) as unknown,
      }),
    ]);
  });

  it('watches exactly what the function publishes, under the dimensions it publishes', () => {
    const { authorizer, stack } = build();
    const variables = functionVariables(Template.fromStack(stack), 'JWT revocation authorizer');
    const previous = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    let telemetry: PowertoolsTelemetry;
    try {
      telemetry = new PowertoolsTelemetry({
        metrics: createMetrics(variables),
        logger: new Logger({ logLevel: 'SILENT' }),
        flushSeconds: 0,
      });
    } finally {
      restore('POWERTOOLS_METRICS_DISABLED', previous);
    }

    const documents = captureOutput(() => {
      telemetry.record({ decision: 'allow', reason: 'OK', cache: 'hit', durationMs: 1 });
      telemetry.record({
        decision: 'deny',
        reason: 'REVOKED',
        cache: 'miss',
        storeLatencyMs: 3,
        durationMs: 4,
      });
      telemetry.record({
        decision: 'insufficient-scope',
        reason: 'INSUFFICIENT_SCOPE',
        cache: 'hit',
        durationMs: 1,
      });
      telemetry.record({ decision: 'unauthorized', reason: 'EXPIRED', durationMs: 1 });
      telemetry.record({ decision: 'error', reason: 'STORE_UNAVAILABLE', durationMs: 1 });
    }).filter((document) => '_aws' in document);

    const helpers = [
      authorizer.metricAllow(),
      authorizer.metricDeny(),
      authorizer.metricInsufficientScope(),
      authorizer.metricUnauthorized(),
      authorizer.metricFailClosed(),
      authorizer.metricCacheHit(),
      authorizer.metricCacheMiss(),
      authorizer.metricStoreLatency(),
    ];
    const published = new Set<string>();
    for (const document of documents) {
      const [directive] = (
        document._aws as {
          CloudWatchMetrics: {
            Namespace: string;
            Dimensions: string[][];
            Metrics: { Name: string }[];
          }[];
        }
      ).CloudWatchMetrics;
      for (const { Name } of directive?.Metrics ?? []) published.add(Name);
      for (const metric of helpers) {
        expect(directive?.Namespace).toBe(metric.namespace);
        expect(directive?.Dimensions.map((set) => [...set].sort())).toEqual([
          Object.keys(metric.dimensions ?? {}).sort(),
        ]);
        for (const [name, value] of Object.entries(metric.dimensions ?? {})) {
          expect(document[name]).toBe(value);
        }
      }
    }
    expect(published).toEqual(new Set(helpers.map((metric) => metric.metricName)));
  });

  it('keeps two instances in one stack apart: environment, alarms and dashboards', () => {
    const stack = newStack();
    const first = build({ dashboard: true }, stack, 'Orders').authorizer;
    const second = build({ dashboard: true }, stack, 'Billing').authorizer;

    const template = Template.fromStack(stack);
    expect([first.metricsInstance, second.metricsInstance]).toEqual([
      'Test/Orders',
      'Test/Billing',
    ]);
    for (const each of [first, second]) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [logicalId(stack, each.function.role as iam.Role), 'Arn'] },
        Environment: {
          Variables: Match.objectLike({ METRICS_INSTANCE: each.metricsInstance }),
        },
      });
      const alarm = resourceById(template, logicalId(stack, each.failClosedAlarm));
      expect(alarm.Properties).toMatchObject({
        MetricName: 'FailClosed',
        Dimensions: [
          { Name: 'instance', Value: each.metricsInstance },
          { Name: 'service', Value: 'jwt-revocation-authorizer' },
        ],
      });
    }
    const bodies = dashboardBodies(template);
    expect(bodies).toHaveLength(2);
    const instances = bodies.map((body) => [
      ...new Set(ownMetricRows(body).map((row) => row.dimensions[1])),
    ]);
    expect(instances).toEqual(
      expect.arrayContaining([['Test/Orders'], ['Test/Billing']]) as unknown,
    );
  });

  it('takes the instance name from metricsInstance', () => {
    const { authorizer, stack } = build({ metricsInstance: 'orders-prod' });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ METRICS_INSTANCE: 'orders-prod' }) },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'FailClosed',
      Dimensions: Match.arrayWith([{ Name: 'instance', Value: 'orders-prod' }]),
    });
    expect(authorizer.metricsInstance).toBe('orders-prod');
  });
});

describe('the dashboard', () => {
  it('is off by default', () => {
    const { authorizer, stack } = build();

    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(authorizer.dashboard).toBeUndefined();
  });

  it("shows this instance's decisions, cache hit ratio, latency, fail-closed alarm and throttles", () => {
    const { authorizer, stack } = build({ dashboard: true });

    const template = Template.fromStack(stack);
    const [body] = dashboardBodies(template);
    expect(authorizer.dashboard).toBeDefined();
    const rows = ownMetricRows(body!);
    expect(rows.map((row) => row.name)).toEqual([
      'Allow',
      'Deny',
      'InsufficientScope',
      'Unauthorized',
      'FailClosed',
      'CacheHit',
      'CacheMiss',
      'StoreLatency',
      'StoreLatency',
    ]);
    for (const row of rows) {
      expect(row.dimensions).toEqual([
        'instance',
        'Test/Authorizer',
        'service',
        'jwt-revocation-authorizer',
      ]);
    }
    const text = JSON.stringify(body);
    expect(text).toContain('"stat":"p50"');
    expect(text).toContain('"stat":"p99"');
    expect(text).toContain('100 * FILL(hits, 0) / (FILL(hits, 0) + FILL(misses, 0))');
    const alarmArn = `<{'Fn::GetAtt':['${logicalId(stack, authorizer.failClosedAlarm)}','Arn']}>`;
    expect(body!.widgets.flatMap((widget) => widget.properties.annotations?.alarms ?? [])).toEqual([
      alarmArn,
    ]);
    const throttles = body!.widgets.find((widget) => widget.properties.title === 'Throttles');
    const throttleRows = JSON.stringify(throttles?.properties.metrics);
    const table = logicalId(stack, authorizer.table);
    for (const operation of ['GetItem', 'BatchGetItem']) {
      expect(throttleRows).toContain(
        `["AWS/DynamoDB","ThrottledRequests","Operation","${operation}","TableName","<{'Ref':'${table}'}>"`,
      );
    }
    expect(throttleRows).toContain(
      `["AWS/Lambda","Throttles","FunctionName","<{'Ref':'${logicalId(stack, authorizer.function)}'}>"`,
    );
  });

  it('is on in the demo stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const demo = new DemoStack(app, 'Demo', { issuers: [ISSUER], env: ENV });

    Template.fromStack(demo).resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
