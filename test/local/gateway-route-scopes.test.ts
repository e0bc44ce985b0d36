/**
 * The local gateway with `ROUTE_SCOPES` set, over real HTTP on loopback: for each event kind it
 * answers as API Gateway would, 403 on a route whose scopes the token lacks (the policy's Deny,
 * or `isAuthorized: false`), 200 elsewhere. The real authorizer with the in-memory table.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHandler, createProductionDeps } from '../../lambda/request/authorizer';
import { loadConfig } from '../../lambda/shared/config';
import { MemoryRevocationStore } from '../../lambda/revocations/table';
import { createGatewayListener, EVENT_KINDS, GATEWAY_ANSWERS, sendJson } from '../../local/gateway';
import { RecordingTelemetry } from '../helpers/harness';
import { JwksServer } from '../helpers/jwks-server';
import { get } from '../helpers/local';
import { AUDIENCE, generateTestKey, goodClaims, ISSUER, signJwt } from '../helpers/tokens';

const key = generateTestKey('RS256');
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await JwksServer.start([key.jwk]);
});
afterAll(async () => {
  await jwks.stop();
});

async function startGateway(eventKind: (typeof EVENT_KINDS)[number]) {
  const config = loadConfig({
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URI: jwks.uri,
    REVOCATION_TABLE_NAME: 'revocations',
    AWS_REGION: 'us-east-1',
    ROUTE_SCOPES: JSON.stringify({ 'GET /orders': ['orders:read'] }),
  });
  const handler = createHandler(
    createProductionDeps(config, {
      store: new MemoryRevocationStore(),
      telemetry: new RecordingTelemetry(),
    }),
  );
  const ok = (_request: unknown, response: Parameters<typeof sendJson>[0]) =>
    sendJson(response, 200, { ok: true });
  const server: Server = createServer(
    createGatewayListener({
      handler,
      eventKind,
      protectedRoutes: { 'GET /hello': ok, 'GET /orders': ok },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(EVENT_KINDS)('the local gateway with ROUTE_SCOPES, %s events', (eventKind) => {
  it('answers 403 on a scoped route without the scope, 200 with it and on other routes', async () => {
    const gateway = await startGateway(eventKind);
    const reader = `Bearer ${signJwt(key, goodClaims({ scope: 'orders:read' }))}`;
    const other = `Bearer ${signJwt(key, goodClaims({ scope: 'profile' }))}`;
    try {
      const refused = await get(`${gateway.url}/orders`, other);
      const allowed = await get(`${gateway.url}/orders`, reader);
      const open = await get(`${gateway.url}/hello`, other);

      const forbidden =
        eventKind === 'http-v2' ? GATEWAY_ANSWERS.httpForbidden : GATEWAY_ANSWERS.restExplicitDeny;
      expect(refused).toEqual({ status: 403, body: forbidden.body });
      expect(allowed).toEqual({ status: 200, body: { ok: true } });
      expect(open).toEqual({ status: 200, body: { ok: true } });
    } finally {
      await gateway.close();
    }
  });
});
