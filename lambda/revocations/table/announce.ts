/**
 * How every change to the table is made and announced: the change (a Put, Update or Delete of
 * one item) and the generation record, written whole to each of its `GENERATION_COPIES` copies,
 * in one `TransactWriteItems`, so both happen or neither does. Concurrent writers take turns on
 * the generation record by optimistic concurrency (its counter is the condition); a writer that
 * lost the race learns the new counter from the cancellation and tries again after a jittered,
 * growing pause, up to `WRITE_ATTEMPTS` times, then fails with nothing written. `writer.ts` holds
 * the revocations built on it.
 */
import {
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { generationCounter, keyOf, nextGenerationRecord, type Item } from './items';
import { GENERATION_COPIES, generationCopyKey, GENERATION_KEY } from './keys';
import { GENERATION_ATTRIBUTE } from './layout';

/** What a write did. */
export interface WriteOutcome {
  /** False when the table already said as much (nothing was written or announced). */
  readonly changed: boolean;
  /** The generation the change was announced as; `undefined` when nothing changed. */
  readonly generation?: number;
}

/** How many times a writer tries before giving up on a contended generation record. */
export const WRITE_ATTEMPTS = 40;

/** When a writer gives up on a contended generation record (nothing is written then). */
export interface WriteLimits {
  /** Attempts at most; default `WRITE_ATTEMPTS`. */
  readonly attempts?: number;
  /**
   * No retry starts after this instant (epoch ms, `Date.now()`), e.g. a Lambda function's
   * deadline less a margin, so that the caller answers with a clear error rather than time out.
   */
  readonly giveUpAtMs?: number;
}
/** The pause after losing attempt n is drawn at random below 10 ms * 2^n, capped here. */
const MAX_BACKOFF_MS = 2000;

/**
 * Writes through one client to one table take turns: racing each other for the generation
 * record would only waste attempts (with 50 writers in one process, 11 transactions were sent
 * for each change). Writers in other processes are met by the backoff.
 */
const turns = new WeakMap<DynamoDBClient, Map<string, Promise<unknown>>>();

function inTurn<T>(
  client: DynamoDBClient,
  tableName: string,
  write: (waited: boolean) => Promise<T>,
): Promise<T> {
  let tables = turns.get(client);
  if (tables === undefined) {
    tables = new Map();
    turns.set(client, tables);
  }
  const queue = tables;
  const before = queue.get(tableName);
  const waited = before !== undefined;
  const result = (before ?? Promise.resolve()).then(
    () => write(waited),
    () => write(waited),
  );
  const settled = result.then(
    () => undefined,
    () => undefined,
  );
  queue.set(tableName, settled);
  void settled.then(() => {
    if (queue.get(tableName) === settled) queue.delete(tableName);
  });
  return result;
}

/** A write computed from a read of its item, and what a failed condition on it means. */
export interface PlannedWrite {
  readonly write: TransactWriteItem;
  /** True: the item changed since it was read, plan again; false: there is nothing to do. */
  readonly retryOnConflict: boolean;
}

/**
 * Plans a write; `undefined` when the table already says as much. A fixed write (a Put, Update
 * or Delete whose own condition says whether it changes anything) needs no read.
 */
export type Planner = () => Promise<PlannedWrite | undefined>;

/**
 * Writes the planned change of `key` and records it in the generation record, in one
 * transaction: the counter moves by one and `key` takes the counter's slot in the ring of
 * changes, on the condition that the counter is still what this writer read. A failed change
 * condition means there was nothing to do (or, for a planned write, that the item changed since
 * it was read: plan again); a failed counter condition (or a conflicting transaction) means
 * another writer went first: try again with the counter it left.
 */
export function writeAndAnnounce(
  client: DynamoDBClient,
  tableName: string,
  key: string,
  limits: WriteLimits,
  change: TransactWriteItem | Planner,
): Promise<WriteOutcome> {
  const plan: Planner =
    typeof change === 'function'
      ? change
      : () => Promise.resolve({ write: change, retryOnConflict: false });
  return inTurn(client, tableName, async (waited) => {
    // A write that waited for its turn past its deadline does not start.
    if (waited && limits.giveUpAtMs !== undefined && Date.now() >= limits.giveUpAtMs) {
      throw contended('while it waited for its turn (0 attempts)');
    }
    const attempts = limits.attempts ?? WRITE_ATTEMPTS;
    let record = await readRecord(client, tableName);
    for (let attempt = 1; ; attempt += 1) {
      const planned = await plan();
      if (planned === undefined) return { changed: false };
      const current = generationCounter(record);
      const body = nextGenerationRecord(record, key);
      const copies: TransactWriteItem[] = [];
      for (let copy = 1; copy < GENERATION_COPIES; copy += 1) {
        copies.push({
          Put: { TableName: tableName, Item: { ...keyOf(generationCopyKey(copy)), ...body } },
        });
      }
      try {
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              planned.write,
              {
                // Copy 0 carries the condition: the counter is still what this writer read.
                Put: {
                  TableName: tableName,
                  Item: { ...keyOf(GENERATION_KEY), ...body },
                  ConditionExpression:
                    current === 0
                      ? 'attribute_not_exists(#gen) OR #gen = :current'
                      : '#gen = :current',
                  ExpressionAttributeNames: { '#gen': GENERATION_ATTRIBUTE },
                  ExpressionAttributeValues: { ':current': { N: String(current) } },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              // The other copies follow copy 0 in the same transaction, so all stay identical.
              ...copies,
            ],
          }),
        );
        return { changed: true, generation: current + 1 };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const [changeReason, counterReason] = reasons;
        const changeFailed = changeReason?.Code === 'ConditionalCheckFailed';
        if (changeFailed && !planned.retryOnConflict) return { changed: false };
        const retry =
          changeFailed ||
          counterReason?.Code === 'ConditionalCheckFailed' ||
          reasons.some((reason) => reason.Code === 'TransactionConflict');
        if (!retry) throw error;
        if (attempt >= attempts) throw contended(`through ${attempts} attempts`);
        const pause = Math.random() * Math.min(MAX_BACKOFF_MS, 10 * 2 ** attempt);
        if (limits.giveUpAtMs !== undefined && Date.now() + pause >= limits.giveUpAtMs) {
          throw contended(`until the deadline (${attempt} attempts)`);
        }
        record =
          counterReason?.Item?.[GENERATION_ATTRIBUTE] !== undefined
            ? counterReason.Item
            : await readRecord(client, tableName);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  });
}

/** The error of a writer that gave up: the transaction never went through, nothing is written. */
function contended(how: string): Error {
  return new Error(
    `could not record the change: the generation record stayed contended ${how}; nothing was written`,
  );
}

/** Copy 0 of the generation record, read strongly consistently (`undefined` when there is none). */
function readRecord(client: DynamoDBClient, tableName: string): Promise<Item | undefined> {
  return readItem(client, tableName, GENERATION_KEY);
}

/** One item, read strongly consistently (`undefined` when there is none). */
export async function readItem(
  client: DynamoDBClient,
  tableName: string,
  key: string,
): Promise<Item | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: tableName, Key: keyOf(key), ConsistentRead: true }),
  );
  return Item;
}
