/**
 * The endpoint logic with its real collaborators (verifier against a loopback JWKS, a DynamoDB
 * client) when the store refuses connections or the issuer keys cannot be fetched: 503, as
 * RFC 7009 asks, and nothing written.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadConfig } from '../../../lambda/shared/config';
import { createRevocationEndpoint } from '../../../lambda/revocations/endpoint';
import { createTokenVerifier } from '../../../lambda/request/token-verifier';
import { FaultyDynamoDb, TEST_CREDENTIALS } from '../../helpers/dynamodb';
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

function endpointFor(endpoint: string, errors: unknown[]) {
  const config = loadConfig({
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URI: jwks.uri,
    REVOCATION_TABLE_NAME: 'revocations',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    JWKS_TIMEOUT_MS: '300',
  });
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
  return {
    client,
    handle: createRevocationEndpoint({
      verifier: createTokenVerifier(config),
      client,
      tableName: 'revocations',
      subjectRetentionSeconds: 86400,
      onError: (error) => errors.push(error),
    }),
  };
}

// goodClaims' client: the endpoint revokes only tokens of the caller's client.
const caller = { iss: ISSUER, sub: 'alice', jti: 'caller', clientId: 'web-app' };

describe('revocation endpoint failures', () => {
  it.each(['revoke', 'revoke-all'] as const)(
    'answers %s with 503 when DynamoDB refuses',
    async (action) => {
      const refusing = await FaultyDynamoDb.refusing();
      const errors: unknown[] = [];
      const { client, handle } = endpointFor(refusing.endpoint, errors);
      const token = signJwt(key, goodClaims());

      const answer = await handle({
        method: 'POST',
        action,
        contentType: 'application/x-www-form-urlencoded',
        body: `token=${token}`,
        caller,
      });
      client.destroy();

      expect(answer.statusCode).toBe(503);
      expect(JSON.parse(answer.body)).toEqual({ error: 'temporarily_unavailable' });
      expect(answer.headers['retry-after']).toBe('1');
      expect(errors).toHaveLength(1);
    },
  );

  it('answers 503 when the issuer keys cannot be fetched, and writes nothing', async () => {
    const proxy = await FaultyDynamoDb.start('status-500');
    const errors: unknown[] = [];
    const { client, handle } = endpointFor(proxy.endpoint, errors);
    jwks.mode = 'status-500';
    try {
      const answer = await handle({
        method: 'POST',
        action: 'revoke',
        contentType: 'application/x-www-form-urlencoded',
        body: `token=${signJwt(key, goodClaims())}`,
        caller,
      });

      expect(answer.statusCode).toBe(503);
      expect(proxy.requests).toBe(0);
    } finally {
      jwks.mode = 'ok';
      client.destroy();
      await proxy.stop();
    }
  });

  it('answers 405 to anything but POST, and 403 to a caller without a subject', async () => {
    const errors: unknown[] = [];
    const { client, handle } = endpointFor('http://127.0.0.1:9', errors);

    const get = await handle({
      method: 'GET',
      action: 'revoke',
      contentType: undefined,
      body: '',
      caller,
    });
    const anonymous = await handle({
      method: 'POST',
      action: 'revoke-all',
      contentType: undefined,
      body: '',
      caller: { iss: ISSUER, sub: undefined, jti: 'x' },
    });
    client.destroy();

    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(anonymous.statusCode).toBe(403);
    expect(errors).toEqual([]);
  });
});
