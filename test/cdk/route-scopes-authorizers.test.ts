/**
 * Scopes are checked by the construct's function through ROUTE_SCOPES, so the route helpers
 * refuse scopes given with an authorizer the construct did not make (a Cognito or JWT
 * authorizer, or a hand-made one whose cache key lacks the route): those would never check them.
 */
import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { build } from './operations-support';

const REFUSED = /has scopes but an authorizer this construct did not make/;

describe('route helpers with scopes and an authorizer the construct did not make', () => {
  it('REST: refuse a Cognito authorizer, accept the construct own REQUEST authorizer', () => {
    const { authorizer, stack } = build();
    const rest = new apigateway.RestApi(stack, 'Api');
    const pool = new cognito.UserPool(stack, 'Pool');
    const cognitoAuthorizer = new apigateway.CognitoUserPoolsAuthorizer(stack, 'Cognito', {
      cognitoUserPools: [pool],
    });

    expect(() =>
      authorizer.authorizeRestMethod(rest.root.addResource('orders'), 'GET', undefined, {
        scopes: ['orders/read'],
        authorizer: cognitoAuthorizer,
      }),
    ).toThrow(REFUSED);
    expect(() =>
      authorizer.authorizeRestMethod(rest.root.addResource('items'), 'GET', undefined, {
        scopes: ['items/read'],
        authorizer: authorizer.restRequestAuthorizer,
      }),
    ).not.toThrow();
  });

  it('HTTP: refuse a JWT authorizer and a hand-made Lambda authorizer on the same function', () => {
    const { authorizer, stack } = build();
    const http = new apigwv2.HttpApi(stack, 'HttpApi');
    const jwt = new authorizers.HttpJwtAuthorizer('Jwt', 'https://issuer.example', {
      jwtAudience: ['a'],
    });
    const handMade = new authorizers.HttpLambdaAuthorizer('Mine', authorizer.function, {
      resultsCacheTtl: Duration.minutes(5),
      responseTypes: [authorizers.HttpLambdaResponseType.SIMPLE],
    });
    const route = (path: string, routeAuthorizer: apigwv2.IHttpRouteAuthorizer) => () =>
      authorizer.addHttpRoute(http, {
        path,
        methods: [apigwv2.HttpMethod.GET],
        integration: new HttpUrlIntegration(`U${path}`, 'https://x.example'),
        scopes: ['orders/read'],
        authorizer: routeAuthorizer,
      });

    expect(route('/a', jwt)).toThrow(REFUSED);
    expect(route('/b', handMade)).toThrow(REFUSED);
    expect(route('/c', authorizer.httpAuthorizer)).not.toThrow();
  });
});
