/**
 * Per-route scopes (`ROUTE_SCOPES`) in the authorizer's answers, for every event kind: REST TOKEN
 * and REQUEST and HTTP API IAM mode answer one policy per token (Allow the stage, Deny the routes
 * whose scopes the token lacks); HTTP API simple mode answers per route key. Production
 * dependencies with the in-memory table and a JWKS server on loopback.
 */
import { createHandler, createProductionDeps } from '../../../lambda/request/authorizer';
import type { PolicyResponse } from '../../../lambda/request/responses';
import { loadConfig } from '../../../lambda/shared/config';
import { MemoryRevocationStore } from '../../../lambda/revocations/table';
import { evaluatePolicy } from '../../../local/gateway';
import { bearer, httpV2Event, restRequestEvent, restTokenEvent } from '../../helpers/events';
import { RecordingTelemetry } from '../../helpers/harness';
import { JwksServer } from '../../helpers/jwks-server';
import { AUDIENCE, generateTestKey, goodClaims, ISSUER, signJwt } from '../../helpers/tokens';

const key = generateTestKey('RS256');
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await JwksServer.start([key.jwk]);
});
afterAll(async () => {
  await jwks.stop();
});

const ROUTE_SCOPES = {
  'GET /orders/{id}': ['orders:read', 'orders:admin'],
  'POST /orders': ['orders:write'],
  'ANY /admin/{proxy+}': ['admin'],
};
const REST_API = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/';
const restArn = (method: string, path: string): string => `${REST_API}prod/${method}${path}`;
const HTTP_API = 'arn:aws:execute-api:eu-west-1:123456789012:qwerty9876/';

function setup(env: Record<string, string> = {}) {
  const store = new MemoryRevocationStore();
  const telemetry = new RecordingTelemetry();
  const config = loadConfig({
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URI: jwks.uri,
    REVOCATION_TABLE_NAME: 'revocations',
    AWS_REGION: 'us-east-1',
    ROUTE_SCOPES: JSON.stringify(ROUTE_SCOPES),
    ...env,
  });
  const handler = createHandler(createProductionDeps(config, { store, telemetry }));
  return { store, telemetry, handler };
}

const tokenWith = (scope: string | string[] | undefined, claim: 'scope' | 'scp' = 'scope') =>
  signJwt(key, goodClaims({ scope: undefined, [claim]: scope }));

const restToken = (token: string, method: string, path: string) => ({
  ...restTokenEvent(bearer(token)),
  methodArn: restArn(method, path),
});
const restRequest = (token: string, method: string, path: string) => ({
  ...restRequestEvent({ Authorization: bearer(token) }),
  methodArn: restArn(method, path),
});
const httpV2 = (token: string, routeKey: string, method: string, path: string) => ({
  ...httpV2Event({ authorization: bearer(token) }),
  routeKey,
  routeArn: `${HTTP_API}$default/${method}${path}`,
});

describe.each([
  ['REST TOKEN', restToken],
  ['REST REQUEST', restRequest],
])('%s events', (_kind, event) => {
  it('answer one policy: Allow the stage, Deny every route whose scopes the token lacks', async () => {
    const { handler } = setup();
    const token = tokenWith('orders:read');

    const response = (await handler(event(token, 'GET', '/orders/42'))) as PolicyResponse;

    expect(response.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${REST_API}prod/*` },
      {
        Action: 'execute-api:Invoke',
        Effect: 'Deny',
        Resource: [
          `${REST_API}*/POST/orders`,
          `${REST_API}*/POST/orders/`,
          // ANY is each method: a `*` there would span `/` and match deeper paths.
          ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].map(
            (method) => `${REST_API}*/${method}/admin/*`,
          ),
        ],
      },
    ]);
    // The context is the token's, whatever the route: a cached policy carries it everywhere.
    expect(response.context).toMatchObject({ sub: 'alice', scope: 'orders:read' });
  });

  it('give the same policy whatever route is asked, so a cached one is never wrong', async () => {
    const { handler } = setup();
    const token = tokenWith('orders:write');

    const onOrder = (await handler(event(token, 'GET', '/orders/42'))) as PolicyResponse;
    const onRoot = (await handler(event(token, 'GET', '/'))) as PolicyResponse;

    expect(onOrder.policyDocument).toEqual(onRoot.policyDocument);
    expect(onOrder.context).toEqual(onRoot.context);
  });

  it('refuse (403) a token on a route whose scopes it lacks, and allow it elsewhere', async () => {
    const { handler, telemetry } = setup();
    const token = tokenWith('orders:write');

    const refused = await handler(event(token, 'GET', '/orders/42'));
    const allowed = await handler(event(token, 'POST', '/orders'));
    const open = await handler(event(token, 'GET', '/health'));

    expect(evaluatePolicy(refused as PolicyResponse, restArn('GET', '/orders/42'))).toBe(
      'explicit-deny',
    );
    expect(evaluatePolicy(allowed as PolicyResponse, restArn('POST', '/orders'))).toBe('allow');
    expect(evaluatePolicy(open as PolicyResponse, restArn('GET', '/health'))).toBe('allow');
    expect(telemetry.records.map(({ decision, reason }) => [decision, reason])).toEqual([
      ['insufficient-scope', 'INSUFFICIENT_SCOPE'],
      ['allow', 'OK'],
      ['allow', 'OK'],
    ]);
  });

  it('pass a token with any one of the route scopes, from scope or scp, string or list', async () => {
    const { handler } = setup();

    for (const token of [
      tokenWith('orders:admin'),
      tokenWith(['x', 'orders:read']),
      tokenWith('orders:read other', 'scp'),
      tokenWith(['orders:admin'], 'scp'),
    ]) {
      const response = await handler(event(token, 'GET', '/orders/42'));
      expect(evaluatePolicy(response as PolicyResponse, restArn('GET', '/orders/42'))).toBe(
        'allow',
      );
    }
  });

  it('refuse a token with no scope on every scoped route, ANY and {proxy+} included', async () => {
    const { handler } = setup();
    const token = tokenWith(undefined);

    const response = (await handler(event(token, 'GET', '/'))) as PolicyResponse;

    for (const [method, path] of [
      ['GET', '/orders/1'],
      ['POST', '/orders'],
      ['POST', '/orders/'],
      ['DELETE', '/admin/users/7'],
      ['GET', '/admin/x'],
    ] as const) {
      expect(evaluatePolicy(response, restArn(method, path))).toBe('explicit-deny');
    }
    expect(evaluatePolicy(response, restArn('GET', '/orders'))).toBe('allow');
    expect(evaluatePolicy(response, restArn('PUT', '/orders'))).toBe('allow');
    // ANY does not reach paths that merely end like the route.
    expect(evaluatePolicy(response, restArn('GET', '/x/admin/y'))).toBe('allow');
  });

  it('still deny a revoked token everywhere, with its own reason', async () => {
    const { handler, store, telemetry } = setup();
    const claims = goodClaims({ scope: 'orders:read orders:write admin' });
    store.revokeToken(ISSUER, claims.jti as string, claims.exp as number);

    const response = (await handler(
      event(signJwt(key, claims), 'GET', '/orders/42'),
    )) as PolicyResponse;

    expect(response.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: `${REST_API}prod/*` },
    ]);
    expect(telemetry.last).toMatchObject({ decision: 'deny', reason: 'REVOKED' });
  });
});

describe('HTTP API simple responses', () => {
  it('look up the route key API Gateway gives and answer false (403) without its scopes', async () => {
    const { handler, telemetry } = setup();
    const token = tokenWith('orders:read');

    const readOrder = await handler(httpV2(token, 'GET /orders/{id}', 'GET', '/orders/1'));
    const postOrder = await handler(httpV2(token, 'POST /orders', 'POST', '/orders'));
    const admin = await handler(httpV2(token, 'ANY /admin/{proxy+}', 'PUT', '/admin/a/b'));
    const open = await handler(httpV2(token, 'GET /hello', 'GET', '/hello'));

    expect(readOrder).toMatchObject({ isAuthorized: true, context: { scope: 'orders:read' } });
    expect(postOrder).toEqual({
      isAuthorized: false,
      context: { reason: 'insufficient_scope', jti: expect.any(String) as string },
    });
    expect(admin).toMatchObject({ isAuthorized: false });
    expect(open).toMatchObject({ isAuthorized: true });
    expect(telemetry.records.map(({ decision }) => decision)).toEqual([
      'allow',
      'insufficient-scope',
      'insufficient-scope',
      'allow',
    ]);
  });

  it('match route keys exactly as written, $default included', async () => {
    const { handler } = setup({ ROUTE_SCOPES: JSON.stringify({ $default: ['fallback'] }) });
    const token = tokenWith('other');

    const fallback = await handler(httpV2(token, '$default', 'GET', '/anything'));
    const named = await handler(httpV2(token, 'GET /hello', 'GET', '/hello'));

    expect(fallback).toMatchObject({ isAuthorized: false });
    expect(named).toMatchObject({ isAuthorized: true });
  });

  it('fail closed (500) on an event without a route key when scopes are configured', async () => {
    const { handler } = setup();
    const event: Record<string, unknown> = httpV2(tokenWith('x'), 'GET /hello', 'GET', '/hello');
    delete event.routeKey;

    await expect(handler(event)).rejects.toThrow('Authorizer failed closed (INTERNAL_ERROR)');
  });
});

describe('HTTP API IAM responses', () => {
  it('answer payload 1.0 events with the token-wide policy', async () => {
    const { handler } = setup({ HTTP_API_RESPONSE_MODE: 'iam' });
    const methodArn = `${HTTP_API}$default/POST/orders`;

    const response = (await handler({
      ...restRequestEvent({ authorization: bearer(tokenWith('orders:read')) }),
      version: '1.0',
      methodArn,
    })) as PolicyResponse;

    expect(response.policyDocument.Statement[0].Resource).toBe(`${HTTP_API}$default/*`);
    expect(evaluatePolicy(response, methodArn)).toBe('explicit-deny');
    expect(evaluatePolicy(response, `${HTTP_API}$default/GET/orders/1`)).toBe('allow');
  });

  it('answer 2.0 events with the same policy, whatever the route key', async () => {
    const { handler } = setup({ HTTP_API_RESPONSE_MODE: 'iam' });
    const token = tokenWith('orders:read');

    const a = (await handler(httpV2(token, 'POST /orders', 'POST', '/orders'))) as PolicyResponse;
    const b = (await handler(httpV2(token, 'GET /x', 'GET', '/x'))) as PolicyResponse;

    expect(a.policyDocument).toEqual(b.policyDocument);
    expect(evaluatePolicy(a, `${HTTP_API}$default/POST/orders`)).toBe('explicit-deny');
  });

  it('deny the whole API to a token lacking the scopes of $default (IAM cannot say more)', async () => {
    const { handler } = setup({
      HTTP_API_RESPONSE_MODE: 'iam',
      ROUTE_SCOPES: JSON.stringify({ $default: ['fallback'] }),
    });

    const response = (await handler(
      httpV2(tokenWith('other'), 'GET /hello', 'GET', '/hello'),
    )) as PolicyResponse;

    expect(evaluatePolicy(response, `${HTTP_API}$default/GET/hello`)).toBe('explicit-deny');
  });
});

describe('the size of a policy answer', () => {
  it('stays under 8 KB with the most routes the setting takes, by giving the context less room', async () => {
    const routes = Object.fromEntries(
      Array.from({ length: 53 }, (_, index) => [`GET /orders/${index}/{id}`, ['s']]),
    );
    const { handler } = setup({ ROUTE_SCOPES: JSON.stringify(routes) });
    const token = signJwt(key, goodClaims({ scope: 'x'.repeat(5000) }));
    const stage = 's'.repeat(128);

    const response = (await handler({
      ...restTokenEvent(bearer(token)),
      methodArn: `arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abcdef1234/${stage}/GET/`,
    })) as PolicyResponse;

    expect(response.policyDocument.Statement[1]?.Resource).toHaveLength(53);
    expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(8192);
    expect(response.context.scope).toBeUndefined();
    expect(response.context.sub).toBe('alice');
  });
});
