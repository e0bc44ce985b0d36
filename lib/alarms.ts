/**
 * The construct's alarms: the authorizer failing closed, DynamoDB throttling its reads, and
 * Lambda throttling the function. Each says in its description what users then see, and each
 * watches its own instance's metrics only.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { metricStoreThrottles, type IAuthorizerMetrics } from './metrics';

export interface AuthorizerAlarms {
  readonly failClosed: cloudwatch.Alarm;
  readonly storeThrottle: cloudwatch.Alarm;
  readonly functionThrottle: cloudwatch.Alarm;
}

export function createAlarms(
  scope: Construct,
  options: {
    readonly metrics: IAuthorizerMetrics;
    readonly function: lambda.IFunction;
    readonly table: dynamodb.ITableV2;
    readonly failClosedThreshold: number;
    readonly topic: sns.ITopic | undefined;
  },
): AuthorizerAlarms {
  const alarm = (id: string, description: string, metric: cloudwatch.IMetric, threshold = 1) =>
    new cloudwatch.Alarm(scope, id, {
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  const alarms: AuthorizerAlarms = {
    failClosed: alarm(
      'FailClosedAlarm',
      'The revocation authorizer failed closed (500): it could not reach DynamoDB or the issuer JWKS, so requests are being refused.',
      options.metrics.metricFailClosed({ period: Duration.minutes(1) }),
      options.failClosedThreshold,
    ),
    storeThrottle: alarm(
      'StoreThrottleAlarm',
      'DynamoDB throttled the revocation authorizer: lookups that stay throttled fail closed.',
      metricStoreThrottles(options.table, { period: Duration.minutes(1) }),
    ),
    functionThrottle: alarm(
      'FunctionThrottleAlarm',
      'Lambda throttled the revocation authorizer: API Gateway answers 500.',
      options.function.metricThrottles({ period: Duration.minutes(1), statistic: 'Sum' }),
    ),
  };
  if (options.topic) {
    const action = new cloudwatchActions.SnsAction(options.topic);
    for (const each of [alarms.failClosed, alarms.storeThrottle, alarms.functionThrottle]) {
      each.addAlarmAction(action);
    }
  }
  return alarms;
}
