/**
 * Where the CLI reads and writes revocations (explicit settings first, then a running
 * npm start), the DynamoDB client it does so with, and what it says when the store fails.
 */
import { ENV } from '../lambda/shared/settings';
import { DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { localDataDir, readState, type LocalState } from '../local/state';
import { UsageError } from './arguments';
import type { CliIo, CommandValues } from './command';

export interface StoreTarget {
  readonly endpoint: string | undefined;
  readonly tableName: string;
  readonly local: LocalState | undefined;
}

/** Where the CLI writes: explicit settings first, then a running npm start. */
export function resolveStore(io: CliIo, tableOption: string | undefined): StoreTarget {
  const local = readState(localDataDir(io.env));
  const endpoint = io.env[ENV.dynamoDbEndpoint] ?? local?.dynamoDbEndpoint;
  const tableName = tableOption ?? io.env[ENV.revocationTableName] ?? local?.tableName;
  if (!tableName) {
    throw new UsageError(
      'no table: set REVOCATION_TABLE_NAME (or --table), or start the local mode with npm start',
    );
  }
  return { endpoint, tableName, local };
}

/** Runs `work` with a client for the resolved table, and destroys the client afterwards. */
export async function withStore<T>(
  io: CliIo,
  values: CommandValues,
  work: (client: DynamoDBClient, tableName: string) => Promise<T>,
): Promise<T> {
  const target = resolveStore(io, typeof values.table === 'string' ? values.table : undefined);
  const credentials = storeCredentials(io.env, target);
  const client = new DynamoDBClient({
    region:
      io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? (target.endpoint ? 'us-east-1' : undefined),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: 3,
  });
  try {
    return await work(client, target.tableName);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw new Error(
        `table ${target.tableName} does not exist${target.endpoint ? ` at ${target.endpoint}` : ''}`,
      );
    }
    throw error;
  } finally {
    client.destroy();
  }
}

/**
 * The credentials to sign with, when the SDK's own chain should not choose: the operator
 * identity of the running npm start when its store is the target (its IAM-enforcing endpoint
 * knows no other key, whatever AWS credentials the shell holds); else keys given in the CLI's
 * environment; else, for any other endpoint with no credentials set, placeholders a local
 * DynamoDB accepts. `undefined` leaves the choice to the SDK (profiles, SSO, instance roles).
 */
function storeCredentials(
  env: NodeJS.ProcessEnv,
  target: StoreTarget,
): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  const local = target.local;
  if (local?.operatorCredentials && target.endpoint === local.dynamoDbEndpoint) {
    return local.operatorCredentials;
  }
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (accessKeyId && secretAccessKey) {
    return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN };
  }
  if (target.endpoint === undefined || env.AWS_PROFILE) return undefined;
  return { accessKeyId: 'local', secretAccessKey: 'local' };
}

/** A store failure (exit code 1) in words that say what to set or start. */
export function storeErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'CredentialsProviderError' || /credential/i.test(error.message)) {
    return `no AWS credentials: ${error.message} (set AWS_PROFILE or AWS_ACCESS_KEY_ID, or AWS_ENDPOINT_URL_DYNAMODB for a local DynamoDB)`;
  }
  if (
    (error as NodeJS.ErrnoException).code === 'ECONNREFUSED' ||
    /ECONNREFUSED/.test(error.message)
  ) {
    return `cannot reach DynamoDB: ${error.message}`;
  }
  return error.message;
}
