/**
 * The authorizer's side of the table: the {@link RevocationStore} interface it depends on, and
 * the DynamoDB implementation that is deployed. It performs exactly `TABLE_OPERATIONS.reader`
 * (GetItem, BatchGetItem), every read strongly consistent and under a hard deadline.
 */
import { BatchGetItemCommand, GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../../shared/errors';
import { withDeadline, type DeadlineSignal } from './deadline';
import {
  keyOf,
  readGenerationItem,
  revocationInForce,
  type GenerationState,
  type Item,
  type Revocation,
} from './items';
import { generationCopyKey } from './keys';
import { NOT_BEFORE_ATTRIBUTE, PARTITION_KEY, TTL_ATTRIBUTE } from './layout';

export interface RevocationStore {
  /**
   * The revocations in force among `keys`, read with strongly consistent reads in one round
   * trip. Rejects with {@link StoreUnavailableError} when the store gives no usable answer
   * within its budget.
   */
  read(keys: readonly string[]): Promise<ReadonlyMap<string, Revocation>>;
  /**
   * Copy `copy` (default 0) of the generation record, read strongly consistently, within the
   * same budget. Every copy says the same; each container reads its own to spread the load.
   */
  readGeneration(copy?: number): Promise<GenerationState>;
}

export interface DynamoDbRevocationStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Overall deadline of one read, retries included. */
  readonly timeoutMs: number;
  /** Clock in milliseconds. */
  readonly now?: () => number;
}

/**
 * How the authorizer reads a revocation item: strongly consistent (a stale "not revoked" would
 * be cached), and only the attributes it uses. The benchmark's bare-GetItem baseline reads the
 * same way.
 */
export const ITEM_READ = {
  ConsistentRead: true,
  ProjectionExpression: '#pk, #ttl, #nb',
  ExpressionAttributeNames: {
    '#pk': PARTITION_KEY,
    '#ttl': TTL_ATTRIBUTE,
    '#nb': NOT_BEFORE_ATTRIBUTE,
  },
} as const;

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

  async readGeneration(copy = 0): Promise<GenerationState> {
    const output = await withDeadline(
      this.timeoutMs,
      (abortSignal) =>
        this.client.send(
          new GetItemCommand({
            TableName: this.tableName,
            Key: keyOf(generationCopyKey(copy)),
            ConsistentRead: true,
          }),
          { abortSignal },
        ),
      `revocation generation read in ${this.tableName}`,
    );
    return readGenerationItem(output.Item);
  }

  private async getItem(key: string, abortSignal: DeadlineSignal): Promise<Item[]> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: keyOf(key),
        ...ITEM_READ,
      }),
      { abortSignal },
    );
    return output.Item ? [output.Item] : [];
  }

  private async batchGet(keys: readonly string[], abortSignal: DeadlineSignal): Promise<Item[]> {
    const found: Item[] = [];
    let pending: Item[] = keys.map(keyOf);
    for (let round = 0; round < MAX_BATCH_ROUNDS && pending.length > 0; round += 1) {
      const output = await this.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: pending,
              ...ITEM_READ,
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
