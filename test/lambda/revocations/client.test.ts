/**
 * The revocation client for users' own services: the same writer as the CLI and the endpoint,
 * run here as the identities it needs (`grantRevoke`'s revoker; an operator to unrevoke) through
 * the IAM-enforcing endpoint, and announced to warm authorizer containers.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RevocationClient } from '../../../lambda/revocations/client';
import { revocationUntil } from '../../../lambda/revocations/table';
import { buildHandler, effectOf, startHarness, type Harness } from '../../helpers/harness';
import { goodClaims, ISSUER, newJti, signJwt } from '../../helpers/tokens';

let harness: Harness;
const clients: DynamoDBClient[] = [];
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await harness.stop();
});

function clientAs(role: 'endpoint' | 'operator', now?: () => number): RevocationClient {
  const dynamoDb = harness.dynamo.clientAs(role, harness.tableName);
  clients.push(dynamoDb);
  return new RevocationClient({ tableName: harness.tableName, dynamoDb, now });
}

describe('RevocationClient', () => {
  it('revokes a token, and a warm container refuses it one poll interval later', async () => {
    const clock = { now: Date.now() };
    const claims = goodClaims();
    const token = signJwt(harness.key, claims);
    const container = buildHandler(harness.env, { now: () => clock.now });
    const before = await effectOf(container, token);
    const revocations = clientAs('endpoint', () => clock.now);

    await revocations.revokeToken(
      { iss: ISSUER, jti: claims.jti as string, exp: claims.exp as number },
      { reason: 'leaked', revokedBy: 'support-tool' },
    );
    clock.now += 1000 * container.config.generationPollSeconds;
    const after = await effectOf(container, token);
    const status = await revocations.tokenStatus(ISSUER, claims.jti as string);

    expect(before).toBe('Allow');
    expect(after).toBe('Deny');
    expect(status).toMatchObject({
      revoked: true,
      reason: 'leaked',
      revokedBy: 'support-tool',
      until: new Date(revocationUntil(claims.exp as number) * 1000).toISOString(),
    });
  });

  it('logs a subject out everywhere, and an operator can take it back', async () => {
    const sub = `user-${newJti()}`;
    const issuedAt = Math.floor(Date.now() / 1000) - 10;
    const token = signJwt(harness.key, goodClaims({ sub, iat: issuedAt }));
    const revoker = clientAs('endpoint');
    const operator = clientAs('operator');

    const { notBefore } = await revoker.revokeSubject({ iss: ISSUER, sub });
    const whileRevoked = await effectOf(buildHandler(harness.env), token);
    const removed = await operator.unrevokeSubject(ISSUER, sub);
    const afterwards = await effectOf(buildHandler(harness.env), token);

    expect(notBefore).toBeGreaterThan(issuedAt);
    expect(whileRevoked).toBe('Deny');
    expect(removed).toBe(true);
    expect(afterwards).toBe('Allow');
    expect(await operator.subjectStatus(ISSUER, sub)).toEqual({ revoked: false });
  });

  it('cannot unrevoke with only the revoker permissions grantRevoke gives', async () => {
    const jti = newJti();
    const revoker = clientAs('endpoint');
    await revoker.revokeToken({ iss: ISSUER, jti, exp: Math.floor(Date.now() / 1000) + 600 });

    await expect(revoker.unrevokeToken(ISSUER, jti)).rejects.toThrow(/dynamodb:DeleteItem/);
  });

  it('refuses bad input before writing anything', async () => {
    const revoker = clientAs('endpoint');
    const operations = harness.dynamo.operations.length;

    await expect(revoker.revokeToken({ iss: ISSUER, jti: '', exp: 2_000_000_000 })).rejects.toThrow(
      /cannot revoke: jti is empty/,
    );
    await expect(revoker.revokeToken({ iss: ISSUER, jti: 'j', exp: Number.NaN })).rejects.toThrow(
      /exp must be/,
    );
    await expect(revoker.revokeSubject({ iss: '', sub: 'x' })).rejects.toThrow(/iss is empty/);
    expect(harness.dynamo.operations.length).toBe(operations);
  });

  it('takes a client or its configuration, not both', () => {
    expect(
      () =>
        new RevocationClient({
          tableName: 't',
          dynamoDb: harness.client,
          clientConfig: { region: 'eu-west-1' },
        }),
    ).toThrow(/either dynamoDb or clientConfig/);
  });
});
