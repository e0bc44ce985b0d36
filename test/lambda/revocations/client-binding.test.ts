/**
 * RFC 7009 section 2.1: `POST /revoke` revokes a token only for the client it was issued to.
 * The endpoint runs under its synthesized role through the IAM-enforcing endpoint; the caller is
 * what the real authorizer passes on for the caller's token. What was written is checked at the
 * table and by a fresh authorizer container's answer.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  callerFromContext,
  createRevocationEndpoint,
  type RevocationCaller,
} from '../../../lambda/revocations/endpoint';
import {
  createDynamoDbClient,
  readRevocationStatus,
  tokenKey,
} from '../../../lambda/revocations/table';
import { loadConfig } from '../../../lambda/shared/config';
import { bearer, restTokenEvent } from '../../helpers/events';
import {
  buildHandler,
  credentialsFrom,
  effectOf,
  startHarness,
  type Harness,
} from '../../helpers/harness';
import { goodClaims, ISSUER, signJwt } from '../../helpers/tokens';

let harness: Harness;
const clients: DynamoDBClient[] = [];
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await harness.stop();
});

/** The endpoint as deployed, under its role, with these extra settings. */
function endpoint(settings: Record<string, string> = {}) {
  const access = harness.dynamo.as('endpoint', harness.tableName);
  const env = {
    ...harness.env,
    AWS_ACCESS_KEY_ID: access.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: access.credentials.secretAccessKey,
    ...settings,
  };
  const config = loadConfig(env);
  const client = createDynamoDbClient(config, credentialsFrom(env));
  clients.push(client);
  const handle = createRevocationEndpoint({
    verifier: buildHandler(env).deps.verifier,
    client,
    tableName: config.revocationTableName,
    subjectRetentionSeconds: config.subjectRevocationRetentionSeconds,
    requireSameClient: config.revokeRequireSameClient,
  });
  return (caller: RevocationCaller, target: string) =>
    handle({
      method: 'POST',
      action: 'revoke',
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ token: target }).toString(),
      caller,
    });
}

/** The context the real authorizer passes on for `token`, as the endpoint receives it. */
async function contextOf(token: string): Promise<Record<string, string>> {
  const answer = await buildHandler(harness.env).handler(restTokenEvent(bearer(token)));
  return (answer as { context: Record<string, string> }).context;
}

/** A token of `sub` issued to a client named by the given claims (none when empty). */
function tokenOf(sub: string, client: { client_id?: string; azp?: string }): string {
  const claims = goodClaims({ sub });
  delete claims.client_id;
  return signJwt(harness.key, { ...claims, ...client });
}

async function isRevoked(token: string): Promise<boolean> {
  const { jti } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    jti: string;
  };
  const status = await readRevocationStatus(
    harness.client,
    harness.tableName,
    tokenKey(ISSUER, jti),
    Date.now() / 1000,
  );
  return status.revoked;
}

describe('POST /revoke is bound to the calling client', () => {
  it("does not revoke the first client's token with a second client's token of the same user", async () => {
    const webToken = tokenOf('alice', { client_id: 'web-app' });
    const mobileToken = tokenOf('alice', { client_id: 'mobile-app' });
    const caller = callerFromContext(await contextOf(mobileToken));

    const answer = await endpoint()(caller, webToken);

    expect(answer).toMatchObject({ statusCode: 200, body: '' });
    expect(await isRevoked(webToken)).toBe(false);
    expect(await effectOf(buildHandler(harness.env), webToken)).toBe('Allow');
  });

  it('revokes a token of the same client', async () => {
    const target = tokenOf('bob', { client_id: 'web-app' });
    const callerToken = tokenOf('bob', { client_id: 'web-app' });
    const caller = callerFromContext(await contextOf(callerToken));

    const answer = await endpoint()(caller, target);

    expect(answer).toMatchObject({ statusCode: 200, body: '' });
    expect(await isRevoked(target)).toBe(true);
    expect(await effectOf(buildHandler(harness.env), target)).toBe('Deny');
    expect(await effectOf(buildHandler(harness.env), callerToken)).toBe('Allow');
  });

  it.each([
    ['revokes', 'spa', 'spa', true],
    ['does not revoke', 'spa', 'other-spa', false],
  ])(
    '%s by azp as by client_id (caller azp %s, target azp %s)',
    async (_verb, callerAzp, targetAzp, revoked) => {
      const target = tokenOf('carol', { azp: targetAzp });
      const callerToken = tokenOf('carol', { azp: callerAzp });
      // The authorizer passes client_id only today (responses.ts tokenContext): this is the
      // context once it passes azp too.
      const caller = callerFromContext({ ...(await contextOf(callerToken)), azp: callerAzp });

      const answer = await endpoint()(caller, target);

      expect(answer).toMatchObject({ statusCode: 200, body: '' });
      expect(await isRevoked(target)).toBe(revoked);
    },
  );

  it('revokes nothing for a caller whose token names no client', async () => {
    const target = tokenOf('dave', { client_id: 'web-app' });
    const caller = callerFromContext(await contextOf(tokenOf('dave', {})));

    const answer = await endpoint()(caller, target);

    expect(caller.clientId).toBeUndefined();
    expect(answer).toMatchObject({ statusCode: 200, body: '' });
    expect(await isRevoked(target)).toBe(false);
  });

  it("does not revoke a token that names no client with a client's token", async () => {
    const target = tokenOf('erin', {});
    const caller = callerFromContext(await contextOf(tokenOf('erin', { client_id: 'web-app' })));

    const answer = await endpoint()(caller, target);

    expect(answer).toMatchObject({ statusCode: 200, body: '' });
    expect(await isRevoked(target)).toBe(false);
  });

  it('revokes any token of the same user with REVOKE_REQUIRE_SAME_CLIENT=false', async () => {
    const revoke = endpoint({ REVOKE_REQUIRE_SAME_CLIENT: 'false' });
    const webToken = tokenOf('frank', { client_id: 'web-app' });
    const otherWebToken = tokenOf('frank', { client_id: 'web-app' });
    const mobileCaller = callerFromContext(
      await contextOf(tokenOf('frank', { client_id: 'mobile-app' })),
    );
    const clientlessCaller = callerFromContext(await contextOf(tokenOf('frank', {})));

    const byOtherClient = await revoke(mobileCaller, webToken);
    const byNoClient = await revoke(clientlessCaller, otherWebToken);

    expect(byOtherClient.statusCode).toBe(200);
    expect(byNoClient.statusCode).toBe(200);
    expect(await isRevoked(webToken)).toBe(true);
    expect(await isRevoked(otherWebToken)).toBe(true);
  });

  it("still never revokes another user's token with the binding off", async () => {
    const target = tokenOf('grace', { client_id: 'web-app' });
    const caller = callerFromContext(await contextOf(tokenOf('mallory', { client_id: 'web-app' })));

    const answer = await endpoint({ REVOKE_REQUIRE_SAME_CLIENT: 'false' })(caller, target);

    expect(answer.statusCode).toBe(200);
    expect(await isRevoked(target)).toBe(false);
  });
});

describe('callerFromContext', () => {
  it('reads the caller client from client_id, else azp', () => {
    expect(callerFromContext({ iss: ISSUER, sub: 'a', client_id: 'web-app' }).clientId).toBe(
      'web-app',
    );
    expect(callerFromContext({ iss: ISSUER, sub: 'a', azp: 'spa' }).clientId).toBe('spa');
    expect(
      callerFromContext({ iss: ISSUER, sub: 'a', client_id: 'web-app', azp: 'spa' }).clientId,
    ).toBe('web-app');
    expect(callerFromContext({ iss: ISSUER, sub: 'a', client_id: '' }).clientId).toBeUndefined();
  });
});
