/**
 * How long a revocation lasts: as long as any authorizer could still accept the token, which is
 * until `exp` plus the largest clock-skew leeway the authorizer may be set to, in the table, in
 * the cache and in every "already expired" judgement; and a token with an absurd `exp` is still
 * revocable (DynamoDB numbers stop near 1e126).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runCli } from '../../../cli/jti';
import {
  DynamoDbRevocationStore,
  MAX_LEEWAY_SECONDS,
  MemoryRevocationStore,
  tokenKey,
  writeTokenRevocation,
} from '../../../lambda/revocations/table';
import { buildHandler, effectOf, startHarness, type Harness } from '../../helpers/harness';
import { goodClaims, ISSUER, newJti, signJwt } from '../../helpers/tokens';

let harness: Harness;
let revoker: DynamoDBClient;
beforeAll(async () => {
  harness = await startHarness();
  revoker = harness.dynamo.clientAs('endpoint', harness.tableName);
});
afterAll(async () => {
  revoker.destroy();
  await harness.stop();
});

const SKEW = 5;

describe('a revocation near the end of the token', () => {
  it('keeps refusing the token through the clock-skew leeway, in a warm and in a fresh container', async () => {
    const exp = Math.floor(Date.now() / 1000) + 30;
    const claims = goodClaims({ exp });
    const token = signJwt(harness.key, claims);
    const clock = { now: (exp - 1) * 1000 };
    const env = { ...harness.env, JWT_CLOCK_SKEW_SECONDS: String(SKEW) };
    const warm = buildHandler(env, { now: () => clock.now });
    await effectOf(warm, token);

    await writeTokenRevocation(
      revoker,
      harness.tableName,
      { iss: ISSUER, jti: claims.jti as string, exp },
      () => clock.now,
    );
    clock.now = (exp - 1) * 1000 + 1000 * warm.config.generationPollSeconds;
    const beforeExp = await effectOf(warm, token);
    clock.now = (exp + 2) * 1000;
    const warmInLeeway = await effectOf(warm, token);
    const fresh = buildHandler(env, { now: () => clock.now });
    const freshInLeeway = await effectOf(fresh, token);
    clock.now = (exp + SKEW + 1) * 1000;
    const afterLeeway = await effectOf(buildHandler(env, { now: () => clock.now }), token);

    expect(beforeExp).toBe('Deny');
    expect(warmInLeeway).toBe('Deny');
    expect(freshInLeeway).toBe('Deny');
    expect(afterLeeway).toBe('Unauthorized');
  });

  it('stores the revocation until exp plus the largest leeway an authorizer may use', async () => {
    const jti = newJti();
    const exp = Math.floor(Date.now() / 1000) + 60;
    await writeTokenRevocation(revoker, harness.tableName, { iss: ISSUER, jti, exp });
    const store = new DynamoDbRevocationStore({
      client: harness.client,
      tableName: harness.tableName,
      timeoutMs: 5000,
      now: () => (exp + MAX_LEEWAY_SECONDS - 1) * 1000,
    });

    const found = await store.read([tokenKey(ISSUER, jti)]);

    expect(MAX_LEEWAY_SECONDS).toBe(300);
    expect(found.get(tokenKey(ISSUER, jti))).toEqual({ until: exp + MAX_LEEWAY_SECONDS });
  });

  it('makes the in-memory store hold it as long', async () => {
    const exp = 2_000_000_000;
    const store = new MemoryRevocationStore(() => (exp + MAX_LEEWAY_SECONDS - 1) * 1000);

    store.revokeToken(ISSUER, 'j', exp);

    expect((await store.read([tokenKey(ISSUER, 'j')])).size).toBe(1);
  });

  it('has the CLI revoke a token whose exp passed but which an authorizer may still accept', async () => {
    const exp = Math.floor(Date.now() / 1000) - 2;
    const token = signJwt(harness.key, goodClaims({ exp }));
    const out: string[] = [];
    const operator = harness.dynamo.as('operator', harness.tableName);

    const code = await runCli(['revoke', token, '--json'], {
      env: {
        AWS_ENDPOINT_URL_DYNAMODB: operator.endpoint,
        AWS_ACCESS_KEY_ID: operator.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: operator.credentials.secretAccessKey,
        REVOCATION_TABLE_NAME: harness.tableName,
        LOCAL_DATA_DIR: '/nonexistent-local-data',
      },
      out: (text) => out.push(text),
      err: (text) => out.push(text),
    });

    expect(code).toBe(0);
    expect(JSON.parse(out.join('')) as unknown).toMatchObject({ revoked: true });
  });
});

describe('a token with an enormous exp', () => {
  it('is revocable one by one, and stays refused', async () => {
    const claims = goodClaims({ exp: 1e126 });
    const token = signJwt(harness.key, claims);
    const container = buildHandler(harness.env);
    const before = await effectOf(container, token);

    await writeTokenRevocation(revoker, harness.tableName, {
      iss: ISSUER,
      jti: claims.jti as string,
      exp: 1e126,
    });
    const after = await effectOf(buildHandler(harness.env), token);

    expect(before).toBe('Allow');
    expect(after).toBe('Deny');
  });
});
