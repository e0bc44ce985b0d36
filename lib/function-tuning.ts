/**
 * The authorizer function's escape hatch (`functionProps`): which of CDK's function options a
 * user may set, which the construct keeps because safety or its own wiring depends on them,
 * and what a VPC then needs from the construct's role.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/** The function options the construct keeps, each with the reason given when one is set. */
export const CONSTRUCT_OWNED_OPTIONS = {
  role: 'the construct gives the function a least-privilege role of its own',
  initialPolicy: 'the role is least-privilege; add to `function.role` knowingly instead',
  environment: 'the construct sets the settings; use the props or `extraEnvironment`',
  architecture: 'the bundle is built and measured for ARM64',
  memorySize: 'use the `memorySize` prop (validated)',
  timeout: 'use the `timeout` prop (validated against `storeTimeout`)',
  logGroup: 'the role may write only to the log group the construct creates',
  logRetention: 'use the `logRetention` prop',
  logRemovalPolicy: 'use the `logRemovalPolicy` prop',
  logRetentionRole: 'the construct creates the log group itself',
  logRetentionRetryOptions: 'the construct creates the log group itself',
  currentVersionOptions: 'the construct owns versions; use the `provisionedConcurrency` prop',
} as const satisfies Partial<Record<keyof lambda.FunctionOptions, string>>;

/**
 * CDK's function options less those the construct keeps (`CONSTRUCT_OWNED_OPTIONS`): for
 * instance `reservedConcurrentExecutions`, `tracing`, `vpc`, `vpcSubnets`, `securityGroups`,
 * `layers`, `ephemeralStorageSize`, `description`, `functionName`, `applicationLogLevelV2`.
 */
export type FunctionTuning = Omit<lambda.FunctionOptions, keyof typeof CONSTRUCT_OWNED_OPTIONS>;

/** Problems with `functionProps` and `provisionedConcurrency`, for the props validation. */
export function functionTuningProblems(
  tuning: FunctionTuning | undefined,
  provisionedConcurrency: number | undefined,
): string[] {
  const problems: string[] = [];
  // TypeScript already refuses these keys; JavaScript callers and casts get the same answer.
  for (const [key, reason] of Object.entries(CONSTRUCT_OWNED_OPTIONS)) {
    if (tuning && key in tuning && (tuning as Record<string, unknown>)[key] !== undefined) {
      problems.push(`functionProps.${key}: not settable here; ${reason}`);
    }
  }
  const reserved = tuning?.reservedConcurrentExecutions;
  if (reserved !== undefined && !(Number.isInteger(reserved) && reserved >= 1)) {
    problems.push(
      'functionProps.reservedConcurrentExecutions: must be a positive integer (0 would throttle every request, and API Gateway would answer 500)',
    );
  }
  if (provisionedConcurrency !== undefined) {
    if (!(Number.isInteger(provisionedConcurrency) && provisionedConcurrency >= 1)) {
      problems.push('provisionedConcurrency: must be a positive integer');
    } else if (reserved !== undefined && provisionedConcurrency >= reserved) {
      problems.push(
        'provisionedConcurrency: must be less than functionProps.reservedConcurrentExecutions',
      );
    }
  }
  return problems;
}

/**
 * What Lambda needs to attach a function to a VPC. CDK adds it only to roles it creates itself
 * (as the AWSLambdaVPCAccessExecutionRole managed policy, which also grants logs everywhere);
 * the construct's role gets these actions alone, on every resource as Lambda's own policy
 * grants them (the Describe actions cannot be scoped).
 */
export function vpcAccessStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ],
    resources: ['*'],
  });
}
