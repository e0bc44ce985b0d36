/**
 * The construct's local-development mode declares `AWS_ENDPOINT_URL_DYNAMODB` empty, so that
 * `sam local invoke` may fill it. Empty, it must change nothing: neither our settings loader nor
 * the AWS SDK (which reads the variable itself) may take it for an endpoint.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../../../lambda/revocations/table';
import { loadConfig } from '../../../../lambda/shared/config';

const settings = {
  JWT_ISSUER: 'https://issuer.example',
  JWT_AUDIENCE: 'api',
  REVOCATION_TABLE_NAME: 'revocations',
  AWS_REGION: 'eu-west-1',
};

/**
 * The URL the SDK would send a GetItem to, with `env` in the process environment (where the SDK
 * looks) and, unless `settingsToo` is false, in the settings the client is built from.
 */
async function endpointUsed(env: Record<string, string>, settingsToo = true): Promise<string> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const config = loadConfig({ ...settings, ...(settingsToo ? env : {}) });
    const client = createDynamoDbClient(config);
    let url = '';
    // Stops every request just before it would be sent, and records where it would go.
    client.middlewareStack.add(
      (_next) => (args) => {
        const request = args.request as { protocol: string; hostname: string; port?: number };
        url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
        return Promise.reject(new Error('not sent'));
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await expect(
      client.send(new GetItemCommand({ TableName: 'revocations', Key: { pk: { S: 'x' } } })),
    ).rejects.toThrow('not sent');
    client.destroy();
    return url;
  } finally {
    for (const name of Object.keys(env)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

describe('an empty AWS_ENDPOINT_URL_DYNAMODB', () => {
  it('leaves the settings without an endpoint and the SDK on AWS', async () => {
    expect(loadConfig({ ...settings, AWS_ENDPOINT_URL_DYNAMODB: '' }).dynamoDbEndpoint).toBe(
      undefined,
    );
    await expect(endpointUsed({ AWS_ENDPOINT_URL_DYNAMODB: '' })).resolves.toBe(
      'https://dynamodb.eu-west-1.amazonaws.com',
    );
  });

  it('is the only form that does: a value is used, by the settings and by the SDK on its own', async () => {
    const local = { AWS_ENDPOINT_URL_DYNAMODB: 'http://host.docker.internal:8000' };

    await expect(endpointUsed(local)).resolves.toBe('http://host.docker.internal:8000');
    // The SDK reads the variable itself, with no endpoint in the client's configuration.
    await expect(endpointUsed(local, false)).resolves.toBe('http://host.docker.internal:8000');
  });
});
