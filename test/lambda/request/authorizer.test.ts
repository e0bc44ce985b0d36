/**
 * The authorizer end to end in-process: production dependencies, DynamoDB Local and a JWKS
 * server on loopback. Every decision path: Allow, Deny (403), Unauthorized (401), fail closed.
 */
import type { PolicyResponse } from '../../../lambda/request/responses';
import { tokenKey } from '../../../lambda/revocations/table';
import { putItem, ttlValue } from '../../helpers/dynamodb';
import {
  bearer,
  HTTP_STAGE_ARN,
  httpV2Event,
  REST_STAGE_ARN,
  restRequestEvent,
  restTokenEvent,
} from '../../helpers/events';
import { buildHandler, startHarness, type Harness } from '../../helpers/harness';
import { goodClaims, ISSUER, newJti, signJwt } from '../../helpers/tokens';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.stop();
});

const hourFromNow = (): number => Math.floor(Date.now() / 1000) + 3600;

async function revoke(jti: string, until = hourFromNow(), iss = ISSUER): Promise<void> {
  await putItem(harness.client, harness.tableName, tokenKey(iss, jti), {
    ...ttlValue(until),
    reason: { S: 'test' },
  });
}

describe('Allow', () => {
  it('answers a REST TOKEN event with a stage-wide Allow policy and flat context', async () => {
    const { handler } = buildHandler(harness.env);
    const claims = goodClaims();
    const token = signJwt(harness.key, claims);

    const response = await handler(restTokenEvent(bearer(token)));

    expect(response).toEqual({
      principalId: 'alice',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: REST_STAGE_ARN }],
      },
      context: {
        sub: 'alice',
        jti: claims.jti,
        iss: ISSUER,
        scope: 'orders:read orders:write',
        client_id: 'web-app',
      },
    });
  });

  it('reads the Authorization header of a REST REQUEST event in any letter case', async () => {
    const { handler } = buildHandler(harness.env);
    const token = signJwt(harness.key, goodClaims());

    for (const name of ['Authorization', 'authorization', 'AUTHORIZATION']) {
      const response = await handler(restRequestEvent({ [name]: bearer(token) }));
      expect(response).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Allow' }] } });
    }
  });

  it('accepts the Bearer scheme in any letter case', async () => {
    const { handler } = buildHandler(harness.env);
    const token = signJwt(harness.key, goodClaims());

    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      const response = await handler(restTokenEvent(`${scheme} ${token}`));
      expect(response).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Allow' }] } });
    }
  });

  it('answers an HTTP API 2.0 event with a simple response by default', async () => {
    const { handler } = buildHandler(harness.env);
    const claims = goodClaims({ scope: undefined, scp: ['a', 'b'] });
    const token = signJwt(harness.key, claims);

    const response = await handler(httpV2Event({ authorization: bearer(token) }));

    expect(response).toEqual({
      isAuthorized: true,
      context: { sub: 'alice', jti: claims.jti, iss: ISSUER, scope: 'a b', client_id: 'web-app' },
    });
  });

  it('answers an HTTP API 2.0 event with an IAM policy in iam mode', async () => {
    const { handler } = buildHandler({ ...harness.env, HTTP_API_RESPONSE_MODE: 'iam' });
    const token = signJwt(harness.key, goodClaims());

    const response = await handler(httpV2Event({ authorization: bearer(token) }));

    expect(response).toMatchObject({
      principalId: 'alice',
      policyDocument: { Statement: [{ Effect: 'Allow', Resource: HTTP_STAGE_ARN }] },
    });
  });

  it('allows a token whose revocation has ended, even while DynamoDB has not deleted it', async () => {
    const { handler } = buildHandler(harness.env);
    const claims = goodClaims();
    await revoke(claims.jti as string, Math.floor(Date.now() / 1000) - 10);

    const response = await handler(restTokenEvent(bearer(signJwt(harness.key, claims))));

    expect(response).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Allow' }] } });
  });
});

describe('Deny (403) for a revoked token', () => {
  it('denies a REST call whose jti is revoked in the table, on a cold container', async () => {
    const claims = goodClaims();
    await revoke(claims.jti as string);
    const { handler, telemetry } = buildHandler(harness.env);

    const response = await handler(restTokenEvent(bearer(signJwt(harness.key, claims))));

    expect(response).toEqual({
      principalId: 'alice',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: REST_STAGE_ARN }],
      },
      context: { jti: claims.jti, reason: 'revoked' },
    });
    expect(telemetry.last).toMatchObject({ decision: 'deny', reason: 'REVOKED', cache: 'miss' });
  });

  it('answers isAuthorized false in HTTP API simple mode', async () => {
    const claims = goodClaims();
    await revoke(claims.jti as string);
    const { handler } = buildHandler(harness.env);

    const response = await handler(
      httpV2Event({ authorization: bearer(signJwt(harness.key, claims)) }),
    );

    expect(response).toEqual({
      isAuthorized: false,
      context: { jti: claims.jti, reason: 'revoked' },
    });
  });

  it.each([
    ['a ttl that is a string', { ttl: { S: '99999999999' } }],
    ['no ttl at all', {}],
    ['a ttl that is a boolean', { ttl: { BOOL: true } }],
  ])('treats an item with %s as revoked (a malformed item never allows)', async (_name, extra) => {
    const claims = goodClaims();
    await putItem(harness.client, harness.tableName, tokenKey(ISSUER, claims.jti as string), extra);
    const { handler } = buildHandler(harness.env);

    const response = await handler(restTokenEvent(bearer(signJwt(harness.key, claims))));

    expect(response).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Deny' }] } });
  });

  it('compares jti byte for byte: case and Unicode form are preserved', async () => {
    const { handler } = buildHandler(harness.env);
    const base = newJti();
    const nfc = `${base}-\u00e9`;
    const nfd = `${base}-e\u0301`;
    await revoke(`${base}-abc`);
    await revoke(nfc);

    const effect = async (jti: string): Promise<unknown> => {
      const response = await handler(
        restTokenEvent(bearer(signJwt(harness.key, goodClaims({ jti })))),
      );
      return (response as PolicyResponse).policyDocument.Statement[0].Effect;
    };

    expect(await effect(`${base}-abc`)).toBe('Deny');
    expect(await effect(`${base}-ABC`)).toBe('Allow');
    expect(await effect(nfc)).toBe('Deny');
    expect(await effect(nfd)).toBe('Allow');
    expect(await effect(` ${base}-abc`)).toBe('Allow');
  });
});

describe('cache', () => {
  it('answers a warm call on a cached jti without any DynamoDB request', async () => {
    const clock = Date.now();
    const { handler, telemetry } = buildHandler(harness.env, { now: () => clock });
    const token = signJwt(harness.key, goodClaims());
    await handler(restTokenEvent(bearer(token)));
    const requestsBefore = harness.dynamo.operations.length;

    for (let i = 0; i < 5; i += 1) await handler(restTokenEvent(bearer(token)));

    expect(harness.dynamo.operations.length).toBe(requestsBefore);
    expect(telemetry.records.slice(1).map((record) => record.cache)).toEqual(Array(5).fill('hit'));
  });

  it('shares one DynamoDB request among concurrent lookups of one jti', async () => {
    const { handler } = buildHandler(harness.env);
    const token = signJwt(harness.key, goodClaims());
    const requestsBefore = harness.dynamo.operations.length;

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => handler(restTokenEvent(bearer(token)))),
    );

    // A cold container reads the generation record first, then the token: once for all 20.
    expect(harness.dynamo.operations.slice(requestsBefore)).toEqual(['GetItem', 'BatchGetItem']);
    expect(responses).toHaveLength(20);
  });

  it('keeps a cached "revoked" even when DynamoDB later fails', async () => {
    const claims = goodClaims();
    await revoke(claims.jti as string);
    const { handler } = buildHandler(harness.env);
    const token = signJwt(harness.key, claims);
    await handler(restTokenEvent(bearer(token)));
    // Break the table: every lookup now fails.
    const broken = buildHandler({ ...harness.env, REVOCATION_TABLE_NAME: 'no-such-table' });
    await expect(broken.handler(restTokenEvent(bearer(token)))).rejects.toThrow(/failed closed/);

    const response = await handler(restTokenEvent(bearer(token)));

    expect(response).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Deny' }] } });
  });

  it('with polling off, reuses "not revoked" for NOT_REVOKED_TTL_SECONDS, then sees a revocation', async () => {
    let clock = Date.now();
    const { handler } = buildHandler(
      { ...harness.env, NOT_REVOKED_TTL_SECONDS: '30', GENERATION_POLL_SECONDS: '0' },
      { now: () => clock },
    );
    const claims = goodClaims();
    const token = signJwt(harness.key, claims);
    await handler(restTokenEvent(bearer(token)));
    await revoke(claims.jti as string);

    clock += 29_000;
    const inWindow = await handler(restTokenEvent(bearer(token)));
    clock += 2_000;
    const afterWindow = await handler(restTokenEvent(bearer(token)));

    expect(inWindow).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Allow' }] } });
    expect(afterWindow).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Deny' }] } });
  });

  it('refuses an expired token even though its "not revoked" is still cached', async () => {
    let clock = Date.now();
    const { handler } = buildHandler(
      { ...harness.env, NOT_REVOKED_TTL_SECONDS: '3600', JWT_CLOCK_SKEW_SECONDS: '0' },
      { now: () => clock },
    );
    const exp = Math.floor(clock / 1000) + 60;
    const token = signJwt(harness.key, goodClaims({ exp }));
    await handler(restTokenEvent(bearer(token)));

    clock = exp * 1000;

    await expect(handler(restTokenEvent(bearer(token)))).rejects.toThrow(/^Unauthorized$/);
  });

  it('treats the same jti under two issuers as two different tokens', async () => {
    const otherIssuer = 'https://other-issuer.test.example';
    const env = { ...harness.env };
    delete (env as Record<string, string | undefined>).JWT_ISSUER;
    const issuers = [
      { issuer: ISSUER, audience: 'orders-api', jwksUri: harness.env.JWKS_URI },
      { issuer: otherIssuer, audience: 'orders-api', jwksUri: harness.env.JWKS_URI },
    ];
    const { handler } = buildHandler({ ...env, JWT_ISSUERS: JSON.stringify(issuers) });
    const jti = newJti();
    await revoke(jti, hourFromNow(), otherIssuer);

    const fromFirst = await handler(
      restTokenEvent(bearer(signJwt(harness.key, goodClaims({ jti })))),
    );
    const fromOther = await handler(
      restTokenEvent(bearer(signJwt(harness.key, goodClaims({ jti, iss: otherIssuer })))),
    );

    expect(fromFirst).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Allow' }] } });
    expect(fromOther).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Deny' }] } });
  });
});

describe('Unauthorized (401)', () => {
  it.each([
    ['no Authorization header', restTokenEvent(undefined)],
    ['an empty header', restTokenEvent('')],
    ['Basic credentials', restTokenEvent('Basic YWxpY2U6c2VjcmV0')],
    ['a bare token without scheme', restTokenEvent('eyJhbGciOiJSUzI1NiJ9.e30.c2ln')],
    ['Bearer with nothing after it', restTokenEvent('Bearer ')],
    ['two tokens', restTokenEvent('Bearer a.b.c d.e.f')],
    ['a REQUEST event without headers', restRequestEvent({})],
    ['an HTTP API event without headers', httpV2Event({})],
  ])('refuses %s with exactly Error("Unauthorized")', async (_name, event) => {
    const { handler, telemetry } = buildHandler(harness.env);

    const outcome = handler(event);

    await expect(outcome).rejects.toThrow(new Error('Unauthorized'));
    expect(telemetry.last?.decision).toBe('unauthorized');
  });

  it('refuses two different Authorization values in a REQUEST event', async () => {
    const { handler } = buildHandler(harness.env);
    const one = signJwt(harness.key, goodClaims());
    const two = signJwt(harness.key, goodClaims());

    const outcome = handler(
      restRequestEvent(
        { Authorization: bearer(one) },
        { Authorization: [bearer(one), bearer(two)] },
      ),
    );

    await expect(outcome).rejects.toThrow(/^Unauthorized$/);
  });

  it('never reaches DynamoDB for a refused token', async () => {
    const { handler } = buildHandler(harness.env);
    const getsBefore = harness.dynamo.count('GetItem');

    await expect(
      handler(restTokenEvent(bearer(signJwt(harness.key, goodClaims({ aud: 'someone-else' }))))),
    ).rejects.toThrow(/^Unauthorized$/);

    expect(harness.dynamo.count('GetItem')).toBe(getsBefore);
  });
});

describe('fail closed (500)', () => {
  it('throws a non-Unauthorized error when the table does not exist, and caches nothing', async () => {
    const { handler, telemetry } = buildHandler({
      ...harness.env,
      REVOCATION_TABLE_NAME: 'missing-table',
    });
    const token = signJwt(harness.key, goodClaims());

    await expect(handler(restTokenEvent(bearer(token)))).rejects.toThrow(
      'Authorizer failed closed (STORE_UNAVAILABLE)',
    );
    await expect(handler(restTokenEvent(bearer(token)))).rejects.toThrow(/failed closed/);
    expect(telemetry.records.map((record) => record.decision)).toEqual(['error', 'error']);
  });

  it('throws on an event that is not an authorizer event', async () => {
    const { handler } = buildHandler(harness.env);

    await expect(handler({ hello: 'world' })).rejects.toThrow(
      'Authorizer failed closed (INTERNAL_ERROR)',
    );
    await expect(handler(null)).rejects.toThrow(/failed closed/);
  });
});
