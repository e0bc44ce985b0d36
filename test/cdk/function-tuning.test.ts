/**
 * CDK assertions on tuning the construct's function: `functionProps` and what the construct keeps,
 * the log groups, provisioned concurrency behind an alias that every authorizer invokes, and the
 * validation of these props. Bundling is skipped as in revocation-authorizer.test.ts.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { FunctionTuning, RevocationAuthorizerProps } from '../../lib/revocation-authorizer';
import {
  attachEveryAuthorizer,
  build,
  logicalId,
  newStack,
  resourceById,
  resources,
} from './operations-support';

describe('tuning the function (functionProps)', () => {
  it('applies concurrency, tracing, layers and a description over the defaults, to the authorizer only', () => {
    const stack = newStack();
    const layer = lambda.LayerVersion.fromLayerVersionArn(
      stack,
      'Layer',
      'arn:aws:lambda:eu-west-1:123456789012:layer:extension:3',
    );
    build(
      {
        revocationEndpoint: true,
        functionProps: {
          reservedConcurrentExecutions: 50,
          tracing: lambda.Tracing.ACTIVE,
          layers: [layer],
          description: 'Orders authorizer',
        },
      },
      stack,
    );

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Orders authorizer',
      ReservedConcurrentExecutions: 50,
      TracingConfig: { Mode: 'Active' },
      Layers: ['arn:aws:lambda:eu-west-1:123456789012:layer:extension:3'],
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuthorizerFunctionRole'), 'Arn'] },
      Environment: { Variables: Match.objectLike({ JWT_ISSUER: 'https://issuer.example' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('revocation endpoint'),
      ReservedConcurrentExecutions: Match.absent(),
      TracingConfig: Match.absent(),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('AuthorizerFunctionRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] }),
        ]),
      },
    });
  });

  it('refuses what the construct keeps: role, policies, environment, memory, timeout, logs', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Wide', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const functionProps = {
      role,
      environment: { REVOCATION_TABLE_NAME: 'other' },
      memorySize: 1024,
      timeout: 20,
      logRetention: 1,
      initialPolicy: [],
    } as unknown as FunctionTuning;

    expect(() => build({ functionProps }, stack)).toThrow(
      [
        '- functionProps.role: not settable here; the construct gives the function a least-privilege role of its own',
        '- functionProps.initialPolicy: not settable here; the role is least-privilege; add to `function.role` knowingly instead',
        '- functionProps.environment: not settable here; the construct sets the settings; use the props or `extraEnvironment`',
        '- functionProps.memorySize: not settable here; use the `memorySize` prop (validated)',
        '- functionProps.timeout: not settable here; use the `timeout` prop (validated against `storeTimeout`)',
        '- functionProps.logRetention: not settable here; use the `logRetention` prop',
      ].join('\n'),
    );
  });

  it('puts the function in a VPC and gives its own role the network-interface permissions, nothing wider', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const { authorizer } = build(
      {
        functionProps: { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } },
      },
      stack,
    );

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuthorizerFunctionRole'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('AuthorizerFunctionRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']),
            Resource: '*',
          }),
        ]),
      },
    });
    const role = resourceById(template, logicalId(stack, authorizer.function.role as iam.Role));
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('destroys the log groups with the stack by default, and retains them on request', () => {
    const destroyed = Template.fromStack(build({ revocationEndpoint: true }).stack);
    const retained = Template.fromStack(
      build({ revocationEndpoint: true, logRemovalPolicy: RemovalPolicy.RETAIN }).stack,
    );

    const policies = (template: Template): unknown[] =>
      Object.values(template.findResources('AWS::Logs::LogGroup')).map(
        (group) => (group as { DeletionPolicy: string }).DeletionPolicy,
      );
    expect(policies(destroyed)).toEqual(['Delete', 'Delete']);
    expect(policies(retained)).toEqual(['Retain', 'Retain']);
  });
});

describe('provisioned concurrency', () => {
  it('puts the provisioned environments behind an alias, and every authorizer invokes the alias', () => {
    const { authorizer, stack } = build({ provisionedConcurrency: 3 });
    attachEveryAuthorizer(authorizer, stack);

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Version', 1);
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionName: { Ref: logicalId(stack, authorizer.function) },
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 3 },
    });
    expect(authorizer.alias?.aliasName).toBe('live');
    const alias = JSON.stringify({ Ref: logicalId(stack, authorizer.alias!) });
    const fn = logicalId(stack, authorizer.function);
    const authorizers = [
      ...resources(template, 'AWS::ApiGateway::Authorizer'),
      ...resources(template, 'AWS::ApiGatewayV2::Authorizer'),
    ];
    expect(authorizers).toHaveLength(4);
    for (const each of authorizers) {
      const uri = JSON.stringify(each.Properties.AuthorizerUri);
      expect(uri).toContain(alias);
      expect(uri).not.toContain(`"${fn}"`);
    }
    const permissions = resources(template, 'AWS::Lambda::Permission');
    expect(permissions).toHaveLength(4);
    for (const permission of permissions) {
      expect(permission.Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: JSON.parse(alias) as unknown,
      });
    }
  });

  it('makes no alias without it: the authorizers invoke the function', () => {
    const { authorizer, stack } = build();
    attachEveryAuthorizer(authorizer, stack);

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Alias', 0);
    template.resourceCountIs('AWS::Lambda::Version', 0);
    expect(authorizer.alias).toBeUndefined();
    const fn = logicalId(stack, authorizer.function);
    for (const each of resources(template, 'AWS::ApiGateway::Authorizer')) {
      expect(JSON.stringify(each.Properties.AuthorizerUri)).toContain(`"${fn}"`);
    }
  });
});

describe('props validation of the operating props', () => {
  const cases: [string, Partial<RevocationAuthorizerProps>, string][] = [
    [
      'zero provisioned',
      { provisionedConcurrency: 0 },
      'provisionedConcurrency: must be a positive integer',
    ],
    [
      'fractional provisioned',
      { provisionedConcurrency: 1.5 },
      'provisionedConcurrency: must be a positive integer',
    ],
    [
      'provisioned not below reserved',
      { provisionedConcurrency: 5, functionProps: { reservedConcurrentExecutions: 5 } },
      'provisionedConcurrency: must be less than functionProps.reservedConcurrentExecutions',
    ],
    [
      'zero reserved',
      { functionProps: { reservedConcurrentExecutions: 0 } },
      'functionProps.reservedConcurrentExecutions: must be a positive integer',
    ],
    [
      'empty instance',
      { metricsInstance: '' },
      'metricsInstance: must be 1 to 255 printable ASCII',
    ],
    [
      'blank instance',
      { metricsInstance: '   ' },
      'metricsInstance: must be 1 to 255 printable ASCII',
    ],
    ['non-ASCII instance', { metricsInstance: 'commandes-é' }, 'metricsInstance: must be 1 to 255'],
    ['long instance', { metricsInstance: 'x'.repeat(256) }, 'metricsInstance: must be 1 to 255'],
  ];

  it.each(cases)('refuses %s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  it('accepts provisioned below reserved, and a plain instance name', () => {
    expect(() =>
      build({
        provisionedConcurrency: 4,
        functionProps: { reservedConcurrentExecutions: 5 },
        metricsInstance: 'Orders/prod',
      }),
    ).not.toThrow();
  });
});
