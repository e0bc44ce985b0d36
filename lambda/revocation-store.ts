/**
 * Where revocations live. The authorizer depends on the {@link RevocationStore} interface; the
 * DynamoDB implementation is the one deployed. Table layout (shared with every writer):
 *
 * | attribute   | type | meaning                                                            |
 * |-------------|------|--------------------------------------------------------------------|
 * | `pk`        | S    | key from `revocation-key.ts` (partition key): token, subject or     |
 * |             |      | the generation record                                              |
 * | `ttl`       | N    | epoch seconds until which a revocation is in force; the table's TTL |
 * |             |      | attribute, so DynamoDB deletes the item some time after             |
 * | `notBefore` | N    | subject items: tokens issued (`iat`) before this are revoked        |
 * | `gen`       | N    | generation record: bumped after every revocation                   |
 * | `ugen`      | N    | generation record: bumped after every removal of a revocation      |
 * | others      |      | audit fields (who, why, when), never read by the authorizer        |
 */
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import type { AuthorizerConfig } from './config';
import { StoreUnavailableError } from './errors';
import { GENERATION_KEY } from './revocation-key';

export const PARTITION_KEY = 'pk';
export const TTL_ATTRIBUTE = 'ttl';
export const NOT_BEFORE_ATTRIBUTE = 'notBefore';
export const GENERATION_ATTRIBUTE = 'gen';
export const UNREVOCATION_GENERATION_ATTRIBUTE = 'ugen';

/** A revocation that is in force. */
export interface Revocation {
  /** Epoch seconds until which it holds; `undefined` when the item does not say (held forever). */
  readonly until: number | undefined;
  /**
   * Subject revocations: tokens whose `iat` is before this (epoch seconds) are revoked.
   * `undefined` for a token revocation.
   */
  readonly notBefore?: number;
}

/** Counters of the generation record; both only grow. */
export interface Generation {
  /** Bumped after every revocation written. */
  readonly revocations: number;
  /** Bumped after every revocation removed (`jti unrevoke`). */
  readonly unrevocations: number;
}

/** What one read of the store saw. */
export interface StoreSnapshot {
  /** The revocations in force among the keys asked for; absent keys have none. */
  readonly revocations: ReadonlyMap<string, Revocation>;
  readonly generation: Generation;
}

export interface RevocationStore {
  /**
   * Reads the given keys and the generation record, in one round trip, with strongly
   * consistent reads. Rejects with {@link StoreUnavailableError} when the store gives no usable
   * answer within its budget.
   */
  read(keys: readonly string[]): Promise<StoreSnapshot>;
}

export interface DynamoDbRevocationStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Overall deadline of one read, retries included. */
  readonly timeoutMs: number;
  /** Clock in milliseconds. */
  readonly now?: () => number;
}

const PROJECTION = '#pk, #ttl, #nb, #gen, #ugen';
const PROJECTION_NAMES = {
  '#pk': PARTITION_KEY,
  '#ttl': TTL_ATTRIBUTE,
  '#nb': NOT_BEFORE_ATTRIBUTE,
  '#gen': GENERATION_ATTRIBUTE,
  '#ugen': UNREVOCATION_GENERATION_ATTRIBUTE,
};
/** BatchGetItem may leave keys unprocessed under load; they are asked again this often. */
const MAX_BATCH_ROUNDS = 3;

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

  async read(keys: readonly string[]): Promise<StoreSnapshot> {
    const items = await withDeadline(
      this.timeoutMs,
      (abortSignal) =>
        keys.length === 0 ? this.getGeneration(abortSignal) : this.batchGet(keys, abortSignal),
      `revocation lookup in ${this.tableName}`,
    );
    const nowSeconds = this.now() / 1000;
    const revocations = new Map<string, Revocation>();
    let generation: Generation = { revocations: 0, unrevocations: 0 };
    for (const item of items) {
      const key = item[PARTITION_KEY]?.S;
      if (key === GENERATION_KEY) {
        generation = readGeneration(item);
      } else if (key !== undefined && keys.includes(key)) {
        const revocation = revocationInForce(item, nowSeconds);
        if (revocation !== undefined) revocations.set(key, revocation);
      }
    }
    return { revocations, generation };
  }

  private async getGeneration(abortSignal: AbortSignal): Promise<Record<string, AttributeValue>[]> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: { S: GENERATION_KEY } },
        ConsistentRead: true,
        ProjectionExpression: PROJECTION,
        ExpressionAttributeNames: PROJECTION_NAMES,
      }),
      { abortSignal },
    );
    return output.Item ? [output.Item] : [];
  }

  private async batchGet(
    keys: readonly string[],
    abortSignal: AbortSignal,
  ): Promise<Record<string, AttributeValue>[]> {
    const found: Record<string, AttributeValue>[] = [];
    let pending: Record<string, AttributeValue>[] = [...keys, GENERATION_KEY].map((key) => ({
      [PARTITION_KEY]: { S: key },
    }));
    for (let round = 0; round < MAX_BATCH_ROUNDS && pending.length > 0; round += 1) {
      const output = await this.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: pending,
              // A stale "not revoked" would be cached, so reads are strongly consistent.
              ConsistentRead: true,
              ProjectionExpression: PROJECTION,
              ExpressionAttributeNames: PROJECTION_NAMES,
            },
          },
        }),
        { abortSignal },
      );
      found.push(...(output.Responses?.[this.tableName] ?? []));
      pending = [...(output.UnprocessedKeys?.[this.tableName]?.Keys ?? [])];
    }
    if (pending.length > 0) {
      throw new StoreUnavailableError('DynamoDB left keys unprocessed after retries');
    }
    return found;
  }
}

/**
 * Reads a revocation item. An item that exists counts as a revocation unless it says, in a
 * well-formed `ttl`, that it has ended: DynamoDB's TTL deletion lags by up to two days, so
 * expiry is checked here, and a malformed item must never turn into an Allow. A subject item
 * whose `notBefore` is unreadable revokes every token of the subject.
 */
export function revocationInForce(
  item: Record<string, AttributeValue> | undefined,
  nowSeconds: number,
): Revocation | undefined {
  if (item === undefined) return undefined;
  const until = numberAttribute(item[TTL_ATTRIBUTE]);
  if (until !== undefined && until <= nowSeconds) return undefined;
  const key = item[PARTITION_KEY]?.S ?? '';
  if (key.startsWith('s#')) {
    return { until, notBefore: numberAttribute(item[NOT_BEFORE_ATTRIBUTE]) ?? Infinity };
  }
  return { until };
}

function readGeneration(item: Record<string, AttributeValue>): Generation {
  const revocations = numberAttribute(item[GENERATION_ATTRIBUTE]);
  const unrevocations = numberAttribute(item[UNREVOCATION_GENERATION_ATTRIBUTE]);
  if (
    (item[GENERATION_ATTRIBUTE] !== undefined && revocations === undefined) ||
    (item[UNREVOCATION_GENERATION_ATTRIBUTE] !== undefined && unrevocations === undefined)
  ) {
    // Without a readable generation, cached answers cannot be confirmed.
    throw new StoreUnavailableError('the revocation-generation record is malformed');
  }
  return { revocations: revocations ?? 0, unrevocations: unrevocations ?? 0 };
}

function numberAttribute(value: AttributeValue | undefined): number | undefined {
  if (value === undefined || !('N' in value)) return undefined;
  const number = Number(value.N);
  return Number.isFinite(number) ? number : undefined;
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
