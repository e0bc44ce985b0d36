/**
 * The construct's resources around the table: the revocation table it creates, and each function
 * with its own log group, an explicit least-privilege role and exactly the table operations the
 * table module declares for the function's side.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  iamActions,
  TABLE_KEY,
  TTL_ATTRIBUTE,
  type TableSide,
} from '../lambda/revocations/table/layout';
import type { FunctionBundleName } from './bundling';
import { bundledFunction } from './function-code';
import { vpcAccessStatement } from './function-tuning';
import { refusePlainHttpJwks } from './local-development';
import type { RevocationAuthorizerProps } from './revocation-authorizer-props';

/** The table module's key type, in CDK's words. */
const ATTRIBUTE_TYPES = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
} as const;

export function createRevocationTable(
  scope: Construct,
  props: RevocationAuthorizerProps,
): dynamodb.TableV2 {
  return new dynamodb.TableV2(scope, 'Table', {
    partitionKey: { name: TABLE_KEY.name, type: ATTRIBUTE_TYPES[TABLE_KEY.type] },
    billing: dynamodb.Billing.onDemand(),
    timeToLiveAttribute: TTL_ATTRIBUTE,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: props.tableDeletionProtection ?? true,
    removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    encryption: props.encryptionKey
      ? dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey)
      : dynamodb.TableEncryptionV2.dynamoOwnedKey(),
    replicas: (props.replicaRegions ?? []).map((region) => ({ region })),
  });
}

/** What a function of the construct is made from. */
export interface TableFunctionParts {
  readonly props: RevocationAuthorizerProps;
  readonly environment: Record<string, string>;
  readonly table: dynamodb.ITableV2;
}

export function createTableFunction(
  scope: Construct,
  id: string,
  name: FunctionBundleName,
  side: TableSide,
  { props, environment, table }: TableFunctionParts,
): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
  });
  // An explicit role: write to its own log group, read the table, nothing else.
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Revocation authorizer: its own logs and the revocation table',
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  const options = {
    description:
      name === 'authorizer'
        ? 'JWT revocation authorizer for API Gateway'
        : 'JWT revocation endpoint (POST /revoke, POST /revoke-all)',
    // Tuning goes over the defaults above and under everything below (functionProps' TSDoc).
    ...(side === 'reader' ? props.functionProps : undefined),
    runtime: props.runtime ?? lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? Duration.seconds(5),
    role,
    logGroup,
    environment,
  };
  const fn = bundledFunction(scope, id, name, options);
  refusePlainHttpJwks(fn);
  if (fn.isBoundToVpc) role.addToPolicy(vpcAccessStatement());
  table.grant(fn, ...iamActions(side));
  if (side === 'reader') table.encryptionKey?.grantDecrypt(fn);
  else table.encryptionKey?.grantEncryptDecrypt(fn);
  return fn;
}
