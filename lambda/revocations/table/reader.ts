/**
 * Where revocations live. The authorizer depends on the {@link RevocationStore} interface; the
 * DynamoDB implementation is the one deployed. Table layout (shared with every writer):
 *
 * | item                 | attributes                                                            |
 * |----------------------|-----------------------------------------------------------------------|
 * | `t#<len>#<iss>#<jti>`| `ttl` (N): epoch seconds until which the token is revoked (its `exp`)  |
 * | `s#<len>#<iss>#<sub>`| `notBefore` (N): tokens issued before it are revoked; `ttl` (N)        |
 * | `g#generation`       | `gen` (N): bumped after every change; `c0`..`c31` (M): a ring of the   |
 * |                      | last changes, `{ g: generation, k: key }`                             |
 *
 * `pk` (S) is the partition key; `ttl` is the table's TTL attribute, so DynamoDB deletes ended
 * revocations some time later. Audit fields (`revokedAt`, `reason`, `revokedBy`, ...) are never
 * read by the authorizer.
 */
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import type { AuthorizerConfig } from '../../shared/config';
import { StoreUnavailableError } from '../../shared/errors';
import { GENERATION_KEY, GENERATION_SLOTS } from './keys';

export const PARTITION_KEY = 'pk';
export const TTL_ATTRIBUTE = 'ttl';
export const NOT_BEFORE_ATTRIBUTE = 'notBefore';
export const GENERATION_ATTRIBUTE = 'gen';

/** Attribute of slot `i` of the generation record's change ring. */
export function changeSlotAttribute(slot: number): string {
  return `c${slot}`;
}

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

/** One change recorded in the generation record. */
export interface Change {
  readonly generation: number;
  readonly key: string;
}

/** What the generation record says. */
export interface GenerationState {
  /** Number of changes ever recorded (0 when there is no record yet). */
  readonly generation: number;
  /** The changes still in the ring, newest `GENERATION_SLOTS` at most. */
  readonly changes: readonly Change[];
}

export interface RevocationStore {
  /**
   * The revocations in force among `keys`, read with strongly consistent reads in one round
   * trip. Rejects with {@link StoreUnavailableError} when the store gives no usable answer
   * within its budget.
   */
  read(keys: readonly string[]): Promise<ReadonlyMap<string, Revocation>>;
  /** The generation record, read strongly consistently, within the same budget. */
  readGeneration(): Promise<GenerationState>;
}

export interface DynamoDbRevocationStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Overall deadline of one read, retries included. */
  readonly timeoutMs: number;
  /** Clock in milliseconds. */
  readonly now?: () => number;
}

/** Only what the authorizer reads of a revocation item. */
const PROJECTION = '#pk, #ttl, #nb';
const PROJECTION_NAMES = {
  '#pk': PARTITION_KEY,
  '#ttl': TTL_ATTRIBUTE,
  '#nb': NOT_BEFORE_ATTRIBUTE,
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

  async read(keys: readonly string[]): Promise<ReadonlyMap<string, Revocation>> {
    const items = await withDeadline(
      this.timeoutMs,
      (abortSignal) =>
        // One key (the usual miss: the subject is cached) is a plain GetItem.
        keys.length === 1
          ? this.getItem(keys[0] ?? '', abortSignal)
          : this.batchGet(keys, abortSignal),
      `revocation lookup in ${this.tableName}`,
    );
    const nowSeconds = this.now() / 1000;
    const revocations = new Map<string, Revocation>();
    for (const item of items) {
      const key = item[PARTITION_KEY]?.S;
      if (key === undefined || !keys.includes(key)) continue;
      const revocation = revocationInForce(item, nowSeconds);
      if (revocation !== undefined) revocations.set(key, revocation);
    }
    return revocations;
  }

  async readGeneration(): Promise<GenerationState> {
    const output = await withDeadline(
      this.timeoutMs,
      (abortSignal) =>
        this.client.send(
          new GetItemCommand({
            TableName: this.tableName,
            Key: { [PARTITION_KEY]: { S: GENERATION_KEY } },
            ConsistentRead: true,
          }),
          { abortSignal },
        ),
      `revocation generation read in ${this.tableName}`,
    );
    return readGenerationItem(output.Item);
  }

  private async getItem(
    key: string,
    abortSignal: DeadlineSignal,
  ): Promise<Record<string, AttributeValue>[]> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: { S: key } },
        // A stale "not revoked" would be cached, so reads are strongly consistent.
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
    abortSignal: DeadlineSignal,
  ): Promise<Record<string, AttributeValue>[]> {
    const found: Record<string, AttributeValue>[] = [];
    let pending: Record<string, AttributeValue>[] = keys.map((key) => ({
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

/**
 * Reads the generation record. Without a readable counter, cached answers cannot be confirmed,
 * so a malformed one is a store failure; an unreadable slot is left out (the reader then
 * treats the change log as incomplete).
 */
export function readGenerationItem(
  item: Record<string, AttributeValue> | undefined,
): GenerationState {
  if (item === undefined) return { generation: 0, changes: [] };
  const counter = item[GENERATION_ATTRIBUTE];
  const generation = numberAttribute(counter);
  if (counter !== undefined && (generation === undefined || !Number.isInteger(generation))) {
    throw new StoreUnavailableError('the revocation-generation record is malformed');
  }
  const changes: Change[] = [];
  for (let slot = 0; slot < GENERATION_SLOTS; slot += 1) {
    const entry = item[changeSlotAttribute(slot)];
    if (entry === undefined || !('M' in entry) || entry.M === undefined) continue;
    const g = numberAttribute(entry.M.g);
    const key = entry.M.k !== undefined && 'S' in entry.M.k ? entry.M.k.S : undefined;
    if (g !== undefined && key !== undefined) changes.push({ generation: g, key });
  }
  return { generation: generation ?? 0, changes };
}

function numberAttribute(value: AttributeValue | undefined): number | undefined {
  if (value === undefined || !('N' in value)) return undefined;
  const number = Number(value.N);
  return Number.isFinite(number) ? number : undefined;
}

/**
 * The cancellation handed to the SDK, in the minimal form its `abortSignal` option takes: an
 * `aborted` flag and one `onabort` handler, which the SDK's retry loop and HTTP handler each
 * set for the stage they are in (waiting between attempts, or a request on the wire), so that
 * aborting ends whichever is under way. Node's AbortController would do the same through
 * EventTarget listeners, at about 60 us a read (profiled: 5 % of a GetItem on loopback); this
 * costs nothing until the deadline. The tests check on real sockets that it closes the
 * connection and stops the retries.
 */
export class DeadlineSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: unknown, event?: unknown) => unknown) | null = null;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const handler = this.onabort;
    this.onabort = null;
    handler?.call(this);
  }
}

/**
 * Runs `operation` with an abort signal and rejects once `timeoutMs` has passed, whether or not
 * the operation noticed the abort: the deadline is hard.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  operation: (signal: DeadlineSignal) => Promise<T>,
  what: string,
): Promise<T> {
  const signal = new DeadlineSignal();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StoreUnavailableError(`${what} timed out after ${timeoutMs} ms`);
      signal.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([operation(signal), deadline]);
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
