/** API Gateway authorizer events, shaped as API Gateway sends them. */
export const REST_METHOD_ARN =
  'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/orders/42';
export const REST_STAGE_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*';
export const HTTP_ROUTE_ARN =
  'arn:aws:execute-api:eu-west-1:123456789012:qwerty9876/$default/GET/hello';
export const HTTP_STAGE_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:qwerty9876/$default/*';

export function restTokenEvent(authorizationToken: string | undefined): Record<string, unknown> {
  return {
    type: 'TOKEN',
    methodArn: REST_METHOD_ARN,
    ...(authorizationToken === undefined ? {} : { authorizationToken }),
  };
}

export function restRequestEvent(
  headers: Record<string, string>,
  multiValueHeaders?: Record<string, string[]>,
): Record<string, unknown> {
  return {
    type: 'REQUEST',
    methodArn: REST_METHOD_ARN,
    resource: '/orders/{id}',
    path: '/orders/42',
    httpMethod: 'GET',
    headers,
    multiValueHeaders:
      multiValueHeaders ??
      Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    pathParameters: { id: '42' },
    stageVariables: null,
    requestContext: { stage: 'prod', httpMethod: 'GET', resourcePath: '/orders/{id}' },
  };
}

export function httpV2Event(headers: Record<string, string>): Record<string, unknown> {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: HTTP_ROUTE_ARN,
    identitySource: headers.authorization ? [headers.authorization] : [],
    routeKey: 'GET /hello',
    rawPath: '/hello',
    rawQueryString: '',
    headers,
    requestContext: { http: { method: 'GET', path: '/hello' }, stage: '$default' },
  };
}

export const bearer = (token: string): string => `Bearer ${token}`;
