/**
 * CDK assertions on per-route scopes in the construct: routes attached through it carry their
 * scopes into the function's `ROUTE_SCOPES` (with the `routeScopes` prop), the HTTP API
 * simple-response authorizer is cached per route key when it must be, and every table the
 * function would refuse is refused at synthesis. Bundling is skipped.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { loadConfig } from '../../lambda/shared/config';
import { validateProps } from '../../lib/revocation-authorizer';
import { build, functionVariables, ISSUER, resources } from './operations-support';

const integration = new apigateway.MockIntegration();
const upstream = (): HttpUrlIntegration => new HttpUrlIntegration('Upstream', 'https://x.example');
const variables = (template: Template): Record<string, string> =>
  functionVariables(template, 'JWT revocation authorizer');

describe('routes attached through the construct', () => {
  it('write their scopes into ROUTE_SCOPES, with the routes of the prop', () => {
    const { authorizer, stack } = build({ routeScopes: { $default: ['fallback'] } });
    const rest = new apigateway.RestApi(stack, 'Api');
    const orders = rest.root.addResource('orders');

    authorizer.authorizeRestMethod(orders.addResource('{id}'), 'get', integration, {
      scopes: ['orders:read', 'orders:admin'],
    });
    authorizer.authorizeRestMethod(rest.root, 'GET', integration, { scopes: ['root'] });
    authorizer.authorizeRestMethod(orders, 'POST', integration);
    const http = new apigwv2.HttpApi(stack, 'HttpApi');
    authorizer.addHttpRoute(http, {
      path: '/admin/{proxy+}',
      integration: upstream(),
      scopes: ['admin'],
    });

    const template = Template.fromStack(stack);
    const routeScopes = JSON.parse(variables(template).ROUTE_SCOPES ?? '{}') as unknown;
    expect(routeScopes).toEqual({
      $default: ['fallback'],
      'ANY /admin/{proxy+}': ['admin'],
      'GET /': ['root'],
      'GET /orders/{id}': ['orders:read', 'orders:admin'],
    });
    // What the construct writes, the function reads.
    const env = { ...variables(template), REVOCATION_TABLE_NAME: 't', AWS_REGION: 'eu-west-1' };
    expect(loadConfig(env).routeScopes).toEqual(routeScopes);
  });

  it('attach the construct authorizers (or the one given) to each method and route', () => {
    const { authorizer, stack } = build();
    const rest = new apigateway.RestApi(stack, 'Api');
    authorizer.authorizeRestMethod(rest.root.addResource('a'), 'GET', integration, {
      scopes: ['s'],
    });
    authorizer.authorizeRestMethod(rest.root.addResource('b'), 'GET', integration, {
      authorizer: authorizer.restRequestAuthorizer,
      methodOptions: { operationName: 'getB' },
    });
    const http = new apigwv2.HttpApi(stack, 'HttpApi');
    const routes = authorizer.addHttpRoute(http, {
      path: '/c',
      methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
      integration: upstream(),
      scopes: ['s'],
    });

    const template = Template.fromStack(stack);
    const methods = resources(template, 'AWS::ApiGateway::Method');
    expect(methods.map((method) => method.Properties.AuthorizationType)).toEqual([
      'CUSTOM',
      'CUSTOM',
    ]);
    expect(methods[1]?.Properties.OperationName).toBe('getB');
    expect(
      resources(template, 'AWS::ApiGateway::Authorizer').map((a) => a.Properties.Type),
    ).toEqual(['TOKEN', 'REQUEST']);
    expect(routes).toHaveLength(2);
    expect(
      resources(template, 'AWS::ApiGatewayV2::Route').map((route) => route.Properties.RouteKey),
    ).toEqual(['GET /c', 'POST /c']);
    expect(JSON.parse(variables(template).ROUTE_SCOPES ?? '{}')).toEqual({
      'GET /a': ['s'],
      'GET /c': ['s'],
      'POST /c': ['s'],
    });
  });

  it('are read at synthesis, so routes added after the construct count', () => {
    const { authorizer, stack } = build();
    const early = Template.fromStack(build().stack);

    authorizer.addHttpRoute(new apigwv2.HttpApi(stack, 'HttpApi'), {
      path: '/late',
      methods: [apigwv2.HttpMethod.GET],
      integration: upstream(),
      scopes: ['late'],
    });

    expect(variables(early).ROUTE_SCOPES).toBeUndefined();
    expect(variables(Template.fromStack(stack)).ROUTE_SCOPES).toBe('{"GET /late":["late"]}');
  });

  it('set no ROUTE_SCOPES when no route requires a scope', () => {
    const { authorizer, stack } = build();
    authorizer.authorizeRestMethod(new apigateway.RestApi(stack, 'Api').root, 'GET', integration);

    expect(variables(Template.fromStack(stack))).not.toHaveProperty('ROUTE_SCOPES');
  });

  it('refuse one route with two different sets of scopes, and malformed scopes', () => {
    const { authorizer, stack } = build({ routeScopes: { 'GET /a': ['x'] } });
    const rest = new apigateway.RestApi(stack, 'Api');
    const a = rest.root.addResource('a');
    const http = new apigwv2.HttpApi(stack, 'HttpApi');

    expect(() => authorizer.authorizeRestMethod(a, 'GET', integration, { scopes: ['y'] })).toThrow(
      /route "GET \/a" already requires \["x"\]; ROUTE_SCOPES is one table/,
    );
    expect(() =>
      authorizer.addHttpRoute(http, { path: '/a', integration: upstream(), scopes: [] }),
    ).toThrow(/scopes: give at least one scope, or leave scopes out/);
    expect(() =>
      authorizer.addHttpRoute(http, { path: '/b', integration: upstream(), scopes: ['a b'] }),
    ).toThrow(/"a b" is not a scope/);
    // The same route with the same scopes (e.g. in a REST and an HTTP API) is fine.
    expect(() =>
      authorizer.addHttpRoute(http, {
        path: '/a',
        methods: [apigwv2.HttpMethod.GET],
        integration: upstream(),
        scopes: ['x'],
      }),
    ).not.toThrow();
  });

  it('refuse, at synthesis, a table whose refusals would not fit the 8 KB answer', () => {
    const { authorizer, stack } = build();
    const http = new apigwv2.HttpApi(stack, 'HttpApi');
    for (let index = 0; index < 60; index += 1) {
      authorizer.addHttpRoute(http, {
        path: `/orders/${index}/{id}`,
        methods: [apigwv2.HttpMethod.GET],
        integration: upstream(),
        scopes: ['s'],
      });
    }

    expect(() => Template.fromStack(stack)).toThrow(
      /routeScopes: a token lacking every scope would be refused 60 route patterns/,
    );
  });
});

describe('the routeScopes prop', () => {
  it('is validated with the other props, naming each problem', () => {
    expect(() =>
      validateProps({
        issuers: [ISSUER],
        routeScopes: { 'get /a': ['s'], 'GET /b': [] },
        extraEnvironment: { ROUTE_SCOPES: '{}' },
      }),
    ).toThrow(
      [
        'RevocationAuthorizer: invalid props:',
        '- routeScopes: route "get /a" is not "METHOD /path" (one space, upper-case method) or "$default"',
        '- routeScopes: route "GET /b" needs a non-empty list of scopes',
        '- extraEnvironment: set ROUTE_SCOPES with the routeScopes prop',
      ].join('\n'),
    );
  });
});

describe('API Gateway cache of HTTP API simple answers', () => {
  const identitySources = (template: Template): unknown[] =>
    resources(template, 'AWS::ApiGatewayV2::Authorizer').map(
      (each) => each.Properties.IdentitySource,
    );

  function httpStack(cacheSeconds: number, scopes: readonly string[] | undefined, iam = false) {
    const { authorizer, stack } = build({ authorizerCacheTtl: Duration.seconds(cacheSeconds) });
    authorizer.addHttpRoute(new apigwv2.HttpApi(stack, 'HttpApi'), {
      path: '/a',
      integration: upstream(),
      ...(scopes ? { scopes } : {}),
      ...(iam ? { authorizer: authorizer.httpIamAuthorizer } : {}),
    });
    return Template.fromStack(stack);
  }

  it('is per route key when routes require scopes: the answer holds for one route only', () => {
    expect(identitySources(httpStack(60, ['s']))).toEqual([
      ['$request.header.Authorization', '$context.routeKey'],
    ]);
  });

  it('stays per token without scopes, without a cache, and for IAM policies', () => {
    expect(identitySources(httpStack(60, undefined))).toEqual([['$request.header.Authorization']]);
    expect(identitySources(httpStack(0, ['s']))).toEqual([['$request.header.Authorization']]);
    // A policy is the same for every route of the token: caching it per token stays right.
    expect(identitySources(httpStack(60, ['s'], true))).toEqual([
      ['$request.header.Authorization'],
    ]);
  });

  it('leaves REST authorizers per token: their policy does not depend on the route', () => {
    const { authorizer, stack } = build({ authorizerCacheTtl: Duration.seconds(60) });
    const rest = new apigateway.RestApi(stack, 'Api');
    authorizer.authorizeRestMethod(rest.root, 'GET', integration, { scopes: ['s'] });

    const [restAuthorizer] = resources(Template.fromStack(stack), 'AWS::ApiGateway::Authorizer');
    expect(restAuthorizer?.Properties).toMatchObject({
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 60,
    });
  });
});
