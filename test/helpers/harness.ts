/**
 * Builds the real authorizer (production dependencies: aws-jwt-verify, the DynamoDB store, the
 * cache) against DynamoDB Local and a JWKS server on loopback, both started here. The
 * authorizer reaches the table through the IAM-enforcing endpoint as its synthesized role: its
 * settings carry the role's credentials, as Lambda hands a function its role's credentials.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadConfig, type AuthorizerConfig } from '../../lambda/shared/config';
import {
  createHandler,
  createProductionDeps,
  type AuthorizerDeps,
  type AuthorizerHandler,
} from '../../lambda/request/authorizer';
import type { PolicyResponse } from '../../lambda/request/responses';
import type { DecisionRecord, Telemetry } from '../../lambda/shared/telemetry';
import { createDynamoDbClient } from '../../lambda/revocations/table';
import { createRevocationTable, LocalDynamoDb } from './dynamodb';
import { bearer, restTokenEvent } from './events';
import { JwksServer } from './jwks-server';
import { AUDIENCE, generateTestKey, ISSUER, type TestKey } from './tokens';

export class RecordingTelemetry implements Telemetry {
  readonly records: DecisionRecord[] = [];
  record(record: DecisionRecord): void {
    this.records.push(record);
  }
  get last(): DecisionRecord | undefined {
    return this.records[this.records.length - 1];
  }
}

export interface Harness {
  readonly dynamo: LocalDynamoDb;
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly jwks: JwksServer;
  readonly key: TestKey;
  /** An untrusted key with the trusted key's kid: what a forger would sign with. */
  readonly otherKey: TestKey;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** Reaches DynamoDB Local and starts a JWKS server; returns what a test needs to build handlers. */
export async function startHarness(): Promise<Harness> {
  const dynamo = await LocalDynamoDb.start();
  const client = dynamo.client();
  const tableName = await createRevocationTable(client);
  const key = generateTestKey('RS256');
  const otherKey = generateTestKey('RS256', key.kid);
  const jwks = await JwksServer.start([key.jwk]);
  const authorizer = dynamo.as('authorizer', tableName);
  const env = {
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URI: jwks.uri,
    REVOCATION_TABLE_NAME: tableName,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: authorizer.endpoint,
    AWS_ACCESS_KEY_ID: authorizer.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: authorizer.credentials.secretAccessKey,
  };
  return {
    dynamo,
    client,
    tableName,
    jwks,
    key,
    otherKey,
    env,
    async stop() {
      client.destroy();
      for (const built of builtClients.splice(0)) built.destroy();
      await Promise.all([dynamo.stop(), jwks.stop()]);
    },
  };
}

const builtClients: DynamoDBClient[] = [];

export interface BuiltHandler {
  readonly handler: AuthorizerHandler;
  readonly deps: AuthorizerDeps;
  readonly config: AuthorizerConfig;
  readonly telemetry: RecordingTelemetry;
}

/** A fresh "container": its own config, verifier, cache and DynamoDB client. */
export function buildHandler(
  env: Record<string, string>,
  options: { now?: () => number } = {},
): BuiltHandler {
  const config = loadConfig(env);
  const telemetry = new RecordingTelemetry();
  const dynamoDbClient = createDynamoDbClient(config, credentialsFrom(env));
  builtClients.push(dynamoDbClient);
  const deps = createProductionDeps(config, { telemetry, now: options.now, dynamoDbClient });
  return { handler: createHandler(deps), deps, config, telemetry };
}

/** The credentials the settings carry, as Lambda's environment carries its role's. */
export function credentialsFrom(env: Record<string, string | undefined>): {
  credentials?: { accessKeyId: string; secretAccessKey: string };
} {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  return accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {};
}

/**
 * What API Gateway makes of the handler's answer to a REST TOKEN event carrying `token`: the
 * policy's effect (`Allow`, `Deny`), `Unauthorized` (401) or `FailClosed` (500).
 */
export async function effectOf(built: BuiltHandler, token: string): Promise<string> {
  try {
    const response = await built.handler(restTokenEvent(bearer(token)));
    return (response as PolicyResponse).policyDocument.Statement[0].Effect;
  } catch (error) {
    return (error as Error).message === 'Unauthorized' ? 'Unauthorized' : 'FailClosed';
  }
}
