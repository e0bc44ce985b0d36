/**
 * Where revocations live. The authorizer depends on the {@link RevocationStore} interface; the
 * DynamoDB implementation is the one deployed. Table layout (shared with every writer):
 *
 * | attribute | type | meaning                                                            |
 * |-----------|------|--------------------------------------------------------------------|
 * | `pk`      | S    | revocation key from `revocation-key.ts` (partition key)            |
 * | `ttl`     | N    | epoch seconds until which the revocation is in force (token `exp`); |
 * |           |      | the table's TTL attribute, so DynamoDB deletes the item after it    |
 * | others    |      | audit fields (who, why, when), never read by the authorizer        |
 */
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AuthorizerConfig } from './config';
import { StoreUnavailableError } from './errors';

export const PARTITION_KEY = 'pk';
export const TTL_ATTRIBUTE = 'ttl';

/** A revocation that is in force. */
export interface Revocation {
  /** Epoch seconds until which it holds; `undefined` when the item does not say (held forever). */
  readonly until: number | undefined;
}

export interface RevocationStore {
  /**
   * The revocation of `key` in force now, or `undefined` when there is none. Rejects with
   * {@link StoreUnavailableError} when the store gives no usable answer within its budget.
   */
  findRevocation(key: string): Promise<Revocation | undefined>;
}

export interface DynamoDbRevocationStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Overall deadline of one lookup, retries included. */
  readonly timeoutMs: number;
  /** Clock in milliseconds. */
  readonly now?: () => number;
}

export class DynamoDbRevocationStore implements RevocationStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(options: DynamoDbRevocationStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.timeoutMs = options.timeoutMs;
    this.now = options.now ?? Date.now;
  }

  async findRevocation(key: string): Promise<Revocation | undefined> {
    const command = new GetItemCommand({
      TableName: this.tableName,
      Key: { [PARTITION_KEY]: { S: key } },
      // A stale "not revoked" would be cached, so reads are strongly consistent.
      ConsistentRead: true,
      ProjectionExpression: '#pk, #ttl',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#ttl': TTL_ATTRIBUTE },
    });
    const output = await withDeadline(
      this.timeoutMs,
      (abortSignal) => this.client.send(command, { abortSignal }),
      `revocation lookup in ${this.tableName}`,
    );
    return revocationInForce(output.Item, this.now() / 1000);
  }
}

/**
 * Reads an item. An item that exists counts as a revocation unless it says, in a well-formed
 * `ttl`, that it has ended: DynamoDB's TTL deletion lags by up to two days, so expiry is checked
 * here, and a malformed item must never turn into an Allow.
 */
export function revocationInForce(
  item: Record<string, AttributeValue> | undefined,
  nowSeconds: number,
): Revocation | undefined {
  if (item === undefined) return undefined;
  const ttl = item[TTL_ATTRIBUTE];
  const until = ttl !== undefined && 'N' in ttl ? Number(ttl.N) : Number.NaN;
  if (!Number.isFinite(until)) return { until: undefined };
  return until > nowSeconds ? { until } : undefined;
}

/**
 * Runs `operation` with an abort signal and rejects once `timeoutMs` has passed, whether or not
 * the operation noticed the abort: the deadline is hard.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  operation: (signal: AbortSignal) => Promise<T>,
  what: string,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StoreUnavailableError(`${what} timed out after ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([operation(controller.signal), deadline]);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    throw new StoreUnavailableError(`${what} failed: ${name}: ${message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The DynamoDB client the authorizer uses: keep-alive connections, a connection timeout, a
 * per-attempt request timeout that really throws, and bounded retries. The overall deadline
 * is `withDeadline`'s.
 */
export function createDynamoDbClient(config: AuthorizerConfig): DynamoDBClient {
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
  });
}
