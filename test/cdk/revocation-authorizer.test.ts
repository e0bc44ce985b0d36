/**
 * CDK assertions on the synthesized template of the construct. Bundling is skipped here (the
 * `aws:cdk:bundling-stacks` context); demo-stack.test.ts bundles for real.
 */
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  RevocationAuthorizer,
  type RevocationAuthorizerProps,
} from '../../lib/revocation-authorizer';

const ISSUER = { issuer: 'https://issuer.example', audience: ['api'] };

function build(
  props: Partial<RevocationAuthorizerProps> = {},
  attach: (authorizer: RevocationAuthorizer, stack: Stack) => void = () => undefined,
): { template: Template; authorizer: RevocationAuthorizer; stack: Stack } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const authorizer = new RevocationAuthorizer(stack, 'Authorizer', { issuers: [ISSUER], ...props });
  attach(authorizer, stack);
  return { template: Template.fromStack(stack), authorizer, stack };
}

function withRestApi(
  authorizer: RevocationAuthorizer,
  stack: Stack,
  kind: 'token' | 'request' = 'token',
): void {
  const api = new apigateway.RestApi(stack, 'Api');
  api.root.addMethod('GET', new apigateway.MockIntegration(), {
    authorizer:
      kind === 'token' ? authorizer.restTokenAuthorizer : authorizer.restRequestAuthorizer,
  });
}

function withHttpApi(authorizer: RevocationAuthorizer, stack: Stack, iam = false): void {
  const api = new apigwv2.HttpApi(stack, 'HttpApi');
  api.addRoutes({
    path: '/hello',
    methods: [apigwv2.HttpMethod.GET],
    integration: new HttpUrlIntegration('Upstream', 'https://example.com'),
    authorizer: iam ? authorizer.httpIamAuthorizer : authorizer.httpAuthorizer,
  });
}

describe('the authorizer function', () => {
  it('runs nodejs22.x on ARM64 with explicit memory and timeout', () => {
    const { template } = build();

    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 5,
      Handler: 'index.handler',
    });
  });

  it('gets its settings as environment variables', () => {
    const { template } = build({
      generationPollInterval: Duration.seconds(2),
      notRevokedTtl: Duration.minutes(10),
      storeTimeout: Duration.millis(800),
      jtiClaim: 'uti',
      requiredTyp: 'at+jwt',
    });

    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          JWT_ISSUER: 'https://issuer.example',
          JWT_AUDIENCE: 'api',
          REVOCATION_TABLE_NAME: { Ref: Match.stringLikeRegexp('AuthorizerTable') },
          GENERATION_POLL_SECONDS: '2',
          NOT_REVOKED_TTL_SECONDS: '600',
          STORE_TIMEOUT_MS: '800',
          JTI_CLAIM: 'uti',
          JWT_REQUIRED_TYP: 'at+jwt',
          POWERTOOLS_SERVICE_NAME: 'jwt-revocation-authorizer',
          POWERTOOLS_METRICS_NAMESPACE: 'JwtRevocationAuthorizer',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('passes several issuers as JWT_ISSUERS', () => {
    const { template } = build({
      issuers: [
        ISSUER,
        {
          issuer: 'https://other.example',
          audience: ['a', 'b'],
          jwksUri: 'https://other.example/keys',
        },
      ],
    });

    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          JWT_ISSUERS: JSON.stringify([
            { issuer: 'https://issuer.example', audience: ['api'] },
            {
              issuer: 'https://other.example',
              audience: ['a', 'b'],
              jwksUri: 'https://other.example/keys',
            },
          ]),
        }),
      },
    });
  });

  it('may read the table and write its own logs, and nothing else', () => {
    const { template } = build();

    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayEquals([
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuthorizerFunctionLogs'), 'Arn'] },
          },
          {
            Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuthorizerTable'), 'Arn'] },
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('logs to its own log group with a retention', () => {
    const { template } = build({ logRetention: 7 });

    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('AuthorizerFunctionLogs') } },
    });
  });

  it('keeps a month of logs by default', () => {
    build().template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('the revocation table', () => {
  it('is on-demand, keyed by pk, with TTL, point-in-time recovery, deletion protection, retained', () => {
    const { template } = build();

    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        Replicas: [
          Match.objectLike({
            Region: 'eu-west-1',
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      },
    });
  });

  it('uses a customer-managed key when given one, and lets the function decrypt', () => {
    const { template } = build({}, () => undefined);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Kms', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Key');
    new RevocationAuthorizer(stack, 'Authorizer', { issuers: [ISSUER], encryptionKey: key });
    const kmsTemplate = Template.fromStack(stack);

    kmsTemplate.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    kmsTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Effect: 'Allow' })]),
      },
    });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: false },
    });
  });

  it('adds replicas for a global table', () => {
    const { template } = build({ replicaRegions: ['us-east-1', 'ap-southeast-2'] });

    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: Match.arrayWith([
        Match.objectLike({ Region: 'us-east-1' }),
        Match.objectLike({ Region: 'ap-southeast-2' }),
        Match.objectLike({ Region: 'eu-west-1' }),
      ]),
    });
  });

  it('uses an existing table without creating one', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Existing', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const table = dynamodb.TableV2.fromTableName(stack, 'Table', 'shared-revocations');
    new RevocationAuthorizer(stack, 'Authorizer', { issuers: [ISSUER], table });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REVOCATION_TABLE_NAME: 'shared-revocations' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
            Resource: {
              'Fn::Join': [
                '',
                Match.arrayWith([Match.stringLikeRegexp(':table/shared-revocations$')]),
              ],
            },
          }),
        ]),
      },
    });
  });

  it('can be destroyed with the stack when asked', () => {
    const { template } = build({
      tableRemovalPolicy: RemovalPolicy.DESTROY,
      tableDeletionProtection: false,
    });

    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
  });
});

describe('authorizers', () => {
  it('gives REST TOKEN authorizers a result cache TTL of 0 by default, and states the delay', () => {
    const { template, authorizer } = build({}, (a, stack) => withRestApi(a, stack));

    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 0,
    });
    expect(authorizer.maxRevocationDelay.toSeconds()).toBe(1);
  });

  it('raises the cache TTL on request, and the stated delay with it', () => {
    const { template, authorizer } = build(
      { authorizerCacheTtl: Duration.seconds(60) },
      (a, stack) => withRestApi(a, stack, 'request'),
    );

    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 60,
    });
    expect(authorizer.maxRevocationDelay.toSeconds()).toBe(61);
  });

  it('states the not-revoked TTL as the delay when polling is off', () => {
    const { authorizer } = build({
      generationPollInterval: Duration.seconds(0),
      notRevokedTtl: Duration.seconds(30),
      authorizerCacheTtl: Duration.seconds(10),
    });

    expect(authorizer.maxRevocationDelay.toSeconds()).toBe(40);
  });

  it('gives HTTP APIs a simple-response authorizer with no cache', () => {
    const { template } = build({}, (a, stack) => withHttpApi(a, stack));

    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: ['$request.header.Authorization'],
    });
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });

  it('gives HTTP APIs an IAM-response authorizer (payload 1.0) on the same function', () => {
    const { template } = build({}, (a, stack) => withHttpApi(a, stack, true));

    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerPayloadFormatVersion: '1.0',
      EnableSimpleResponses: Match.absent(),
      AuthorizerResultTtlInSeconds: 0,
    });
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });

  it('lets API Gateway invoke the function', () => {
    const { template } = build({}, (a, stack) => withRestApi(a, stack));

    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
    });
  });
});

describe('revocation endpoint', () => {
  it('is not deployed unless asked for', () => {
    const { template, authorizer } = build();

    template.resourceCountIs('AWS::Lambda::Function', 1);
    expect(authorizer.revokeFunction).toBeUndefined();
    expect(() =>
      authorizer.addRestRevocationRoutes(new apigateway.RestApi(new Stack(), 'Api').root),
    ).toThrow(/set revocationEndpoint: true/);
  });

  it('deploys a function granted exactly the revoking operations the table module declares, on REST routes behind the authorizer', () => {
    const { template } = build(
      { revocationEndpoint: true, subjectRevocationRetention: Duration.days(7) },
      (a, stack) => {
        const api = new apigateway.RestApi(stack, 'Api');
        api.root.addMethod('GET', new apigateway.MockIntegration(), {
          authorizer: a.restTokenAuthorizer,
        });
        a.addRestRevocationRoutes(api.root);
      },
    );

    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'JWT revocation endpoint (POST /revoke, POST /revoke-all)',
      Environment: {
        Variables: Match.objectLike({ SUBJECT_REVOCATION_RETENTION_SECONDS: '604800' }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuthorizerTable'), 'Arn'] },
          }),
        ]),
      },
    });
    for (const pathPart of ['revoke', 'revoke-all']) {
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: pathPart });
    }
    const posts = template.findResources('AWS::ApiGateway::Method', {
      Properties: { HttpMethod: 'POST', AuthorizationType: 'CUSTOM' },
    });
    expect(Object.keys(posts)).toHaveLength(2);
  });

  it('binds /revoke to the calling client unless revokeRequireSameClient is false', () => {
    const variablesOf = (template: Template): Record<string, unknown>[] =>
      Object.values(
        template.findResources('AWS::Lambda::Function', {
          Properties: { Description: Match.stringLikeRegexp('revocation endpoint') },
        }),
      ).map(
        (resource) =>
          (resource as { Properties: { Environment: { Variables: Record<string, unknown> } } })
            .Properties.Environment.Variables,
      );

    const byDefault = variablesOf(build({ revocationEndpoint: true }).template);
    const off = variablesOf(
      build({ revocationEndpoint: true, revokeRequireSameClient: false }).template,
    );

    // Unset, the function's own default applies: bound (lambda/shared/config.ts).
    expect(byDefault).toHaveLength(1);
    expect(byDefault[0]).not.toHaveProperty('REVOKE_REQUIRE_SAME_CLIENT');
    expect(off).toHaveLength(1);
    expect(off[0]).toHaveProperty('REVOKE_REQUIRE_SAME_CLIENT', 'false');
  });

  it('adds the HTTP API routes behind the simple-response authorizer', () => {
    const { template } = build({ revocationEndpoint: true }, (a, stack) => {
      const api = new apigwv2.HttpApi(stack, 'HttpApi');
      a.addHttpRevocationRoutes(api, { pathPrefix: '/auth' });
    });

    for (const routeKey of ['POST /auth/revoke', 'POST /auth/revoke-all']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'CUSTOM',
      });
    }
  });
});

describe('alarms', () => {
  it('alarms on fail-closed answers, DynamoDB throttling and Lambda throttling', () => {
    const { template } = build({ failClosedAlarmThreshold: 3 });

    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'JwtRevocationAuthorizer',
      MetricName: 'FailClosed',
      Dimensions: Match.arrayWith([{ Name: 'service', Value: 'jwt-revocation-authorizer' }]),
      Statistic: 'Sum',
      Period: 60,
      Threshold: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              MetricName: 'ThrottledRequests',
              Namespace: 'AWS/DynamoDB',
            }),
          }),
        }),
      ]),
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Threshold: 1,
    });
  });

  it('notifies a topic when given one', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Topic', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const topic = new sns.Topic(stack, 'Alerts');
    new RevocationAuthorizer(stack, 'Authorizer', { issuers: [ISSUER], alarmTopic: topic });

    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));

    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      const actions = (alarm as { Properties: { AlarmActions: { Ref: string }[] } }).Properties
        .AlarmActions;
      expect(actions).toHaveLength(1);
      expect(actions[0]?.Ref).toMatch(/^Alerts/);
    }
  });
});

describe('props validation', () => {
  it('lists every problem in one error', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Bad', { env: { account: '123456789012', region: 'eu-west-1' } });

    const make = (): RevocationAuthorizer =>
      new RevocationAuthorizer(stack, 'Authorizer', {
        issuers: [{ issuer: 'not a url', audience: [], jwksUri: 'http://keys.example' }],
        authorizerCacheTtl: Duration.hours(2),
        generationPollInterval: Duration.millis(500),
        storeTimeout: Duration.seconds(10),
        timeout: Duration.seconds(5),
        memorySize: 64,
        replicaRegions: ['eu-west-1'],
      });

    expect(make).toThrow(
      [
        'RevocationAuthorizer: invalid props:',
        '- replicaRegions: must not list the stack region',
        '- issuers[0].issuer: "not a url" is not a URL',
        '- issuers[0].audience: at least one non-empty audience is required',
        '- issuers[0].jwksUri: "http://keys.example" must be an https URL',
        '- authorizerCacheTtl: must be between 0 and 3600 seconds (API Gateway limit)',
        '- generationPollInterval: must be whole seconds between 0 and 3600',
        '- timeout: must exceed storeTimeout by at least one second, so a slow store fails closed before the function times out',
        '- memorySize: must be between 128 and 10240 MB',
      ].join('\n'),
    );
  });

  it('needs at least one issuer', () => {
    expect(() => build({ issuers: [] })).toThrow('issuers: at least one issuer is required');
  });
});
