import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { AuthorizerConfig } from '../../shared/config';

/**
 * The DynamoDB client the authorizer uses: keep-alive connections, a connection timeout, a
 * per-attempt request timeout that really throws, and bounded retries. The overall deadline
 * is `withDeadline`'s.
 */
export function createDynamoDbClient(
  config: AuthorizerConfig,
  overrides: Partial<DynamoDBClientConfig> = {},
): DynamoDBClient {
  const attemptTimeoutMs = Math.max(
    config.storeConnectTimeoutMs,
    Math.floor(config.storeTimeoutMs / config.storeMaxAttempts),
  );
  return new DynamoDBClient({
    region: config.region,
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
    maxAttempts: config.storeMaxAttempts,
    requestHandler: {
      connectionTimeout: config.storeConnectTimeoutMs,
      requestTimeout: attemptTimeoutMs,
      throwOnRequestTimeout: true,
      httpAgent: { keepAlive: true },
      httpsAgent: { keepAlive: true },
    },
    ...overrides,
  });
}
