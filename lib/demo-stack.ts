/**
 * The demo stack: one revocation authorizer in front of a REST API and an HTTP API, each with a
 * protected `GET /hello` that echoes the authorizer context, and `GET /orders`, the same echo for
 * tokens with the `orders:read` scope only (`ROUTE_SCOPES`). The stack only wires constructs.
 */
import * as path from 'node:path';
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { RevocationAuthorizer, type TrustedIssuer } from './revocation-authorizer';

export interface DemoStackProps extends StackProps {
  readonly issuers: readonly TrustedIssuer[];
  /** @default Duration.seconds(0) */
  readonly authorizerCacheTtl?: Duration;
  /** @default no replicas */
  readonly replicaRegions?: readonly string[];
  /** @default 'aud' */
  readonly audienceClaim?: 'aud' | 'client_id';
  /** The construct's `localDevelopment`, for `sam local invoke`. @default false */
  readonly localDevelopment?: boolean;
  /**
   * The revocation table's fate with the stack (the integration test's stack destroys it).
   * @default RemovalPolicy.RETAIN, with deletion protection
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /** @default true */
  readonly tableDeletionProtection?: boolean;
}

export class DemoStack extends Stack {
  readonly authorizer: RevocationAuthorizer;
  readonly restApi: apigateway.RestApi;
  readonly httpApi: apigwv2.HttpApi;

  constructor(scope: Construct, id: string, props: DemoStackProps) {
    super(scope, id, props);

    this.authorizer = new RevocationAuthorizer(this, 'Authorizer', {
      issuers: props.issuers,
      authorizerCacheTtl: props.authorizerCacheTtl,
      replicaRegions: props.replicaRegions,
      audienceClaim: props.audienceClaim,
      localDevelopment: props.localDevelopment,
      tableRemovalPolicy: props.tableRemovalPolicy,
      tableDeletionProtection: props.tableDeletionProtection,
      // GET /hello echoes the context: the caller's email shows there when the token has one.
      contextClaims: ['email'],
      revocationEndpoint: true,
      dashboard: true,
    });

    const helloLogs = new logs.LogGroup(this, 'HelloLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const helloRole = new iam.Role(this, 'HelloRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [helloLogs.logGroupArn],
            }),
          ],
        }),
      },
    });
    const hello = new nodejs.NodejsFunction(this, 'Hello', {
      entry: path.join(__dirname, '..', 'lambda', 'handlers', 'demo-hello.ts'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 128,
      timeout: Duration.seconds(3),
      role: helloRole,
      logGroup: helloLogs,
      bundling: { forceDockerBundling: false, minify: true },
    });

    // REST API: TOKEN authorizer on GET /hello, and on GET /orders with a required scope.
    const restAccessLogs = new logs.LogGroup(this, 'RestAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      description: 'Demo REST API behind the JWT revocation authorizer',
      // Access and execution logs need the account's API Gateway CloudWatch role. It is set once
      // per account and Region, and other APIs rely on it: deleting the demo must not take it
      // away, so the role and the account setting are retained.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: 'demo',
        accessLogDestination: new apigateway.LogGroupLogDestination(restAccessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        tracingEnabled: true,
      },
    });
    const methodOptions = {
      requestValidator: new apigateway.RequestValidator(this, 'RestValidator', {
        restApi: this.restApi,
        validateRequestParameters: true,
        validateRequestBody: true,
      }),
      requestParameters: { 'method.request.header.Authorization': true },
    };
    const helloIntegration = new apigateway.LambdaIntegration(hello);
    this.authorizer.authorizeRestMethod(
      this.restApi.root.addResource('hello'),
      'GET',
      helloIntegration,
      { methodOptions },
    );
    this.authorizer.authorizeRestMethod(
      this.restApi.root.addResource('orders'),
      'GET',
      helloIntegration,
      { methodOptions, scopes: [DEMO_ORDERS_SCOPE] },
    );

    this.authorizer.addRestRevocationRoutes(this.restApi.root);

    // HTTP API: simple-response authorizer on GET /hello.
    const httpAccessLogs = new logs.LogGroup(this, 'HttpAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Demo HTTP API behind the JWT revocation authorizer',
      createDefaultStage: false,
    });
    new apigwv2.HttpStage(this, 'HttpStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(httpAccessLogs) },
    });
    const httpIntegration = new HttpLambdaIntegration('HelloIntegration', hello);
    const get = [apigwv2.HttpMethod.GET];
    this.authorizer.addHttpRoute(this.httpApi, {
      path: '/hello',
      methods: get,
      integration: httpIntegration,
    });
    this.authorizer.addHttpRoute(this.httpApi, {
      path: '/orders',
      methods: get,
      integration: httpIntegration,
      scopes: [DEMO_ORDERS_SCOPE],
    });
    this.authorizer.addHttpRevocationRoutes(this.httpApi);

    new CfnOutput(this, 'RestApiUrl', { value: this.restApi.urlForPath('/hello') });
    new CfnOutput(this, 'HttpApiUrl', { value: `${this.httpApi.apiEndpoint}/hello` });
    new CfnOutput(this, 'TableName', { value: this.authorizer.table.tableName });
    new CfnOutput(this, 'MaxRevocationDelaySeconds', {
      value: String(this.authorizer.maxRevocationDelay.toSeconds()),
      description:
        'API Gateway cache TTL + in-container window (plus replication lag across regions)',
    });

    // cdk-nag (AwsSolutions) findings acknowledged for this stack, each with its reason.
    for (const acknowledgement of DEMO_ACKNOWLEDGEMENTS)
      Validations.of(this).acknowledge(acknowledgement);
  }
}

/** The scope the demo's `GET /orders` requires. */
export const DEMO_ORDERS_SCOPE = 'orders:read';

/** cdk-nag findings the demo stack acknowledges, each with the reason. */
export const DEMO_ACKNOWLEDGEMENTS: readonly { id: string; reason: string }[] = [
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason:
      'Only the API Gateway account role uses a managed policy (AmazonAPIGatewayPushToCloudWatchLogs), which is what API Gateway requires for execution logs.',
  },
  {
    id: 'AwsSolutions-APIG3',
    reason: 'A demo API; WAF is the deployer’s choice and is independent of the authorizer.',
  },
  {
    id: 'AwsSolutions-COG4',
    reason:
      'The point of the project: a Lambda authorizer that also checks revocation, in place of a Cognito authorizer.',
  },
  {
    id: 'AwsSolutions-L1',
    reason:
      'The functions pin nodejs22.x (an LTS runtime) instead of following the newest, so a runtime change is a deliberate, tested upgrade; the construct takes a runtime prop.',
  },
];
