/**
 * CONTEXT_CLAIMS through the whole handler, with real signed tokens: an Allow passes the chosen
 * claims as flat strings, for REST and HTTP API alike; a Deny passes none; and the decision
 * record names (without values) the chosen claims the context had to leave out.
 */
import { createHandler, createProductionDeps } from '../../../lambda/request/authorizer';
import { MemoryRevocationStore } from '../../../lambda/revocations/table';
import { loadConfig } from '../../../lambda/shared/config';
import { bearer, httpV2Event, restTokenEvent } from '../../helpers/events';
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

function build(
  contextClaims: string,
  routeScopes: Record<string, string[]> = {},
): {
  handler: ReturnType<typeof createHandler>;
  store: MemoryRevocationStore;
  telemetry: RecordingTelemetry;
} {
  const config = loadConfig({
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URI: jwks.uri,
    CONTEXT_CLAIMS: contextClaims,
    ROUTE_SCOPES: JSON.stringify(routeScopes),
    REVOCATION_TABLE_NAME: 'revocations',
    AWS_REGION: 'us-east-1',
  });
  const store = new MemoryRevocationStore();
  const telemetry = new RecordingTelemetry();
  return {
    handler: createHandler(createProductionDeps(config, { store, telemetry })),
    store,
    telemetry,
  };
}

describe('chosen claims through the handler', () => {
  it('passes them on an Allow, to a REST API and to an HTTP API', async () => {
    const { handler } = build('email,cognito:groups=groups,email_verified,age');
    const token = signJwt(
      key,
      goodClaims({
        email: 'alice@example.com',
        'cognito:groups': ['admins', 'devs'],
        email_verified: true,
        age: 42,
      }),
    );

    const rest = await handler(restTokenEvent(bearer(token)));
    const http = await handler(httpV2Event({ authorization: bearer(token) }));

    const expected = {
      email: 'alice@example.com',
      groups: 'admins devs',
      email_verified: 'true',
      age: '42',
    };
    expect(rest.context).toMatchObject(expected);
    expect(http).toMatchObject({ isAuthorized: true, context: expected });
  });

  it('passes none of them on a Deny, and records none left out', async () => {
    const { handler, store, telemetry } = build('email');
    const claims = goodClaims({ email: 'alice@example.com' });
    store.revokeToken(ISSUER, claims.jti as string, claims.exp as number);

    const response = await handler(restTokenEvent(bearer(signJwt(key, claims))));

    expect(response.context).toEqual({ reason: 'revoked', jti: claims.jti });
    expect(telemetry.last).toMatchObject({ decision: 'deny' });
    expect(telemetry.last).not.toHaveProperty('droppedContextClaims');
  });

  it('names in the decision record what it left out, and why, never the values', async () => {
    const { handler, telemetry } = build('email,address,groups,missing');
    const token = signJwt(
      key,
      goodClaims({
        email: 'e'.repeat(2000),
        address: { street: '1 Main St' },
        groups: ['Team A'],
      }),
    );

    const response = await handler(restTokenEvent(bearer(token)));

    expect(response.context).not.toHaveProperty('email');
    expect(response.context).not.toHaveProperty('address');
    expect(telemetry.last).toMatchObject({
      decision: 'allow',
      droppedContextClaims: [
        { claim: 'email', reason: 'too-long' },
        { claim: 'address', reason: 'not-flat' },
        { claim: 'groups', reason: 'not-flat' },
      ],
    });
    expect(JSON.stringify(telemetry.last)).not.toContain('Main St');
  });

  it('records nothing left out when everything fits', async () => {
    const { handler, telemetry } = build('email');

    await handler(restTokenEvent(bearer(signJwt(key, goodClaims({ email: 'a@example.com' })))));

    expect(telemetry.last).not.toHaveProperty('droppedContextClaims');
  });

  describe('with a route that requires a scope the token lacks', () => {
    const scoped = { 'GET /hello': ['hello:read'], 'GET /orders/{id}': ['orders:admin'] };
    const token = (): string =>
      signJwt(key, goodClaims({ email: 'a@example.com', address: { city: 'Paris' } }));

    it('records none left out of a simple answer refused for the route (it carries none)', async () => {
      const { handler, telemetry } = build('address', scoped);

      const response = await handler(httpV2Event({ authorization: bearer(token()) }));

      expect(response).toMatchObject({ isAuthorized: false });
      expect(telemetry.last).toMatchObject({ decision: 'insufficient-scope' });
      expect(telemetry.last).not.toHaveProperty('droppedContextClaims');
    });

    it('records what a policy answer left out: it carries the claims to the routes it allows', async () => {
      const { handler, telemetry } = build('email,address', scoped);

      const response = await handler(restTokenEvent(bearer(token())));

      expect(response.context).toMatchObject({ email: 'a@example.com' });
      expect(telemetry.last).toMatchObject({
        decision: 'insufficient-scope',
        droppedContextClaims: [{ claim: 'address', reason: 'not-flat' }],
      });
    });

    it('records what a simple Allow left out', async () => {
      const { handler, telemetry } = build('address', { 'GET /other': ['other:read'] });

      const response = await handler(httpV2Event({ authorization: bearer(token()) }));

      expect(response).toMatchObject({ isAuthorized: true });
      expect(telemetry.last).toMatchObject({
        decision: 'allow',
        droppedContextClaims: [{ claim: 'address', reason: 'not-flat' }],
      });
    });
  });
});
