/**
 * Lambda entry of the revocation endpoint (`POST /revoke`, `POST /revoke-all`), for REST API
 * proxy events and HTTP API payload 2.0 events. Built once per container, like the authorizer,
 * from the same settings.
 */
import { loadConfig } from '../shared/config';
import { KeysUnavailableError } from '../shared/errors';
import {
  createRevocationEndpoint,
  readProxyEvent,
  type EndpointResponse,
  type ProxyEvent,
} from '../revocations/endpoint';
import { createDynamoDbClient } from '../revocations/table';
import { createTokenVerifier } from '../request/token-verifier';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

const config = loadConfig();
const logger = new Logger({ serviceName: 'jwt-revocation-endpoint' });
const endpoint = createRevocationEndpoint({
  verifier: createTokenVerifier(config),
  client: createDynamoDbClient(config),
  tableName: config.revocationTableName,
  subjectRetentionSeconds: config.subjectRevocationRetentionSeconds,
  requireSameClient: config.revokeRequireSameClient,
  onRevoked: (what) => logger.info('revoked', what),
  onError: (error) =>
    logger.error('revocation failed', {
      error: error instanceof Error ? error.message : String(error),
      keysUnavailable: error instanceof KeysUnavailableError,
    }),
});

/** Time kept back from the function's timeout to answer 503 rather than time out. */
const ANSWER_MARGIN_MS = 1000;

export function handler(
  event: ProxyEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<EndpointResponse> {
  const request = readProxyEvent(event);
  if (request === undefined) {
    return Promise.resolve({
      statusCode: 404,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Not Found' }),
    });
  }
  const deadlineMs = context
    ? Date.now() + context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS
    : undefined;
  return endpoint({ ...request, deadlineMs });
}
