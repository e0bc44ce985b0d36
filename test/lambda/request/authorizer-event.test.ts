import { readAuthorizerRequest } from '../../../lambda/request/authorizer-event';
import { TokenRejectedError } from '../../../lambda/shared/errors';
import {
  HTTP_ROUTE_ARN,
  httpV2Event,
  REST_METHOD_ARN,
  restRequestEvent,
  restTokenEvent,
} from '../../helpers/events';

const MAX = 8192;

function rejection(event: unknown): string {
  try {
    readAuthorizerRequest(event, MAX);
  } catch (error) {
    if (error instanceof TokenRejectedError) return error.code;
    return `plain error: ${(error as Error).message}`;
  }
  return 'accepted';
}

describe('readAuthorizerRequest', () => {
  it('reads each event kind', () => {
    expect(readAuthorizerRequest(restTokenEvent('Bearer a.b.c'), MAX)).toEqual({
      kind: 'rest-token',
      token: 'a.b.c',
      resourceArn: REST_METHOD_ARN,
    });
    expect(readAuthorizerRequest(restRequestEvent({ aUtHoRiZaTiOn: 'Bearer a.b.c' }), MAX)).toEqual(
      {
        kind: 'rest-request',
        token: 'a.b.c',
        resourceArn: REST_METHOD_ARN,
      },
    );
    expect(readAuthorizerRequest(httpV2Event({ authorization: 'bearer  a.b.c ' }), MAX)).toEqual({
      kind: 'http-v2',
      token: 'a.b.c',
      resourceArn: HTTP_ROUTE_ARN,
      routeKey: 'GET /hello',
    });
  });

  it('reads an HTTP API payload 1.0 event (IAM-response authorizers) like a REST REQUEST event', () => {
    const event = {
      version: '1.0',
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:qwerty/$default/GET/hello',
      headers: { authorization: 'Bearer a.b.c' },
      multiValueHeaders: { authorization: ['Bearer a.b.c'] },
    };

    expect(readAuthorizerRequest(event, MAX)).toEqual({
      kind: 'rest-request',
      token: 'a.b.c',
      resourceArn: 'arn:aws:execute-api:eu-west-1:123456789012:qwerty/$default/GET/hello',
    });
  });

  it('reads a REQUEST event that has only multiValueHeaders, or null headers', () => {
    const event = {
      ...restRequestEvent({}),
      headers: null,
      multiValueHeaders: { Authorization: ['Bearer x.y.z'] },
    };

    expect(readAuthorizerRequest(event, MAX).token).toBe('x.y.z');
  });

  it('accepts the same value repeated, refuses two different ones', () => {
    const same = restRequestEvent(
      { Authorization: 'Bearer a.b.c' },
      { authorization: ['Bearer a.b.c'] },
    );
    const different = restRequestEvent(
      { Authorization: 'Bearer a.b.c' },
      { Authorization: ['Bearer a.b.c', 'Bearer d.e.f'] },
    );

    expect(readAuthorizerRequest(same, MAX).token).toBe('a.b.c');
    expect(rejection(different)).toBe('MALFORMED_HEADER');
  });

  it.each([
    [restTokenEvent(undefined), 'MISSING_TOKEN'],
    [{ ...restTokenEvent(undefined), authorizationToken: 42 }, 'MISSING_TOKEN'],
    [restTokenEvent(''), 'MISSING_TOKEN'],
    [restTokenEvent('Bearer'), 'MALFORMED_HEADER'],
    [restTokenEvent('Bearer\ta.b.c'), 'MALFORMED_HEADER'],
    [restTokenEvent('Bearera.b.c'), 'MALFORMED_HEADER'],
    [restTokenEvent('Token a.b.c'), 'MALFORMED_HEADER'],
    [restTokenEvent('Bearer a.b.c, Bearer d.e.f'), 'MALFORMED_HEADER'],
    [restTokenEvent('Bearer a.b.c\nX-Injected: 1'), 'MALFORMED_HEADER'],
    [restTokenEvent('Bearer a+b/c'), 'MALFORMED_HEADER'],
    [restTokenEvent(`Bearer ${'a'.repeat(MAX + 100)}`), 'TOKEN_TOO_LARGE'],
    [
      httpV2Event({ Authorization: 'Bearer a.b.c', authorization: 'Bearer d.e.f' }),
      'MALFORMED_HEADER',
    ],
  ])('refuses %j as %s', (event, code) => {
    expect(rejection(event)).toBe(code);
  });

  it.each([
    [null, 'plain error: authorizer event is not an object'],
    ['TOKEN', 'plain error: authorizer event is not an object'],
    [
      { type: 'OTHER' },
      'plain error: authorizer event is not a REST TOKEN, REST REQUEST or HTTP API 2.0 event',
    ],
    [
      { type: 'TOKEN', authorizationToken: 'Bearer a.b.c' },
      'plain error: authorizer event has no methodArn',
    ],
    [
      { version: '2.0', headers: { authorization: 'Bearer a.b.c' } },
      'plain error: authorizer event has no routeArn',
    ],
  ])('treats %j as a wiring mistake (500), not as a bad token', (event, message) => {
    expect(rejection(event)).toBe(message);
  });
});
