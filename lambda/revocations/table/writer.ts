/**
 * The revoking side of the table: writes revocations in the layout the authorizer reads, and
 * records each change in the generation record so that warm authorizer containers learn of it
 * within one poll interval. Every writer (the CLI, the revocation endpoint, the revocation
 * client, local mode) goes through here.
 *
 * - A write that changes nothing (the same or a stronger revocation already in force, a removal
 *   of nothing) writes nothing and announces nothing: repeating a revocation cannot move the
 *   generation record, so it cannot flush the warm containers' caches.
 * - A write that changes something puts the item and its announcement in one
 *   `TransactWriteItems`: both happen or neither does. The announcement is the generation
 *   record written whole to each of its `GENERATION_COPIES` copies (authorizer containers each
 *   read one, so no partition takes all their reads).
 * - Concurrent writers take turns on the generation record by optimistic concurrency (its counter
 *   is the condition); a writer that lost the race learns the new counter from the cancellation
 *   and tries again after a jittered, growing pause, up to `WRITE_ATTEMPTS` times, then fails
 *   with nothing written.
 *
 * Revoking performs `TABLE_OPERATIONS.revoker` (a GetItem of copy 0, then Put or Update
 * items inside the transaction); removing a revocation adds DeleteItem (`TABLE_OPERATIONS.operator`).
 */
import {
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import {
  generationCounter,
  keyOf,
  nextGenerationRecord,
  revocationUntil,
  subjectAttributes,
  tokenItem,
  type AuditFields,
  type Item,
} from './items';
import {
  GENERATION_COPIES,
  generationCopyKey,
  GENERATION_KEY,
  subjectKey,
  subjectKeyProblem,
  tokenKey,
  tokenKeyProblem,
} from './keys';
import { GENERATION_ATTRIBUTE, NOT_BEFORE_ATTRIBUTE, PARTITION_KEY, TTL_ATTRIBUTE } from './layout';

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

function inTurn<T>(client: DynamoDBClient, tableName: string, write: () => Promise<T>): Promise<T> {
  let tables = turns.get(client);
  if (tables === undefined) {
    tables = new Map();
    turns.set(client, tables);
  }
  const queue = tables;
  const result = (queue.get(tableName) ?? Promise.resolve()).then(write, write);
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

export interface TokenRevocation extends AuditFields {
  readonly iss: string;
  readonly jti: string;
  /**
   * Token expiry (epoch seconds): the revocation holds until `revocationUntil(exp)` (exp plus the
   * largest leeway), and DynamoDB's TTL deletes it after.
   */
  readonly exp: number;
  readonly sub?: string;
  /** Free text for the audit trail. */
  readonly reason?: string;
  /** Who asked for it (a user, a tool). */
  readonly revokedBy?: string;
}

export interface SubjectRevocation extends AuditFields {
  readonly iss: string;
  readonly sub: string;
  /** Tokens of the subject issued (`iat`) before this instant, epoch seconds, are revoked. */
  readonly notBefore: number;
  /** Until when the record is kept (epoch seconds): longer than any token issued before `notBefore` lives. */
  readonly keepUntil: number;
  readonly reason?: string;
  readonly revokedBy?: string;
}

/** Why a revocation cannot be written, or `undefined` when it can. */
export function tokenRevocationProblem(revocation: TokenRevocation): string | undefined {
  if (!revocation.iss) return 'iss is empty';
  if (!Number.isFinite(revocation.exp) || revocation.exp <= 0) {
    return 'exp must be a positive number of seconds since the epoch';
  }
  return tokenKeyProblem(revocation.iss, revocation.jti);
}

export function subjectRevocationProblem(revocation: SubjectRevocation): string | undefined {
  if (!revocation.iss) return 'iss is empty';
  if (!Number.isFinite(revocation.notBefore) || revocation.notBefore <= 0) {
    return 'the revocation time must be a positive number of seconds since the epoch';
  }
  if (!(revocation.keepUntil > revocation.notBefore)) {
    return 'the record must be kept until after the revocation time';
  }
  return subjectKeyProblem(revocation.iss, revocation.sub);
}

/**
 * Revokes one token until `revocationUntil(exp)`. A revocation of the token already in force
 * until then or later is left as it is (nothing written, nothing announced).
 */
export async function writeTokenRevocation(
  client: DynamoDBClient,
  tableName: string,
  revocation: TokenRevocation,
  now: () => number = Date.now,
  limits: WriteLimits = {},
): Promise<WriteOutcome> {
  const problem = tokenRevocationProblem(revocation);
  if (problem !== undefined) throw new Error(`cannot revoke: ${problem}`);
  const key = tokenKey(revocation.iss, revocation.jti);
  const until = revocationUntil(revocation.exp);
  return writeAndAnnounce(client, tableName, key, limits, {
    Put: {
      TableName: tableName,
      Item: tokenItem(key, { ...revocation, until }, now()),
      // Only a stronger revocation is written: none yet, or one that ends sooner. An item
      // without a readable end is in force for good, and stays.
      ConditionExpression: 'attribute_not_exists(#pk) OR #ttl < :until',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ':until': { N: String(until) } },
    },
  });
}

/**
 * Revokes every token of (iss, sub) issued before `notBefore`. A later revocation time that is
 * already recorded is kept: revocations of a subject only ever move forward.
 */
export async function writeSubjectRevocation(
  client: DynamoDBClient,
  tableName: string,
  revocation: SubjectRevocation,
  now: () => number = Date.now,
  limits: WriteLimits = {},
): Promise<{ notBefore: number } & WriteOutcome> {
  const problem = subjectRevocationProblem(revocation);
  if (problem !== undefined) throw new Error(`cannot revoke: ${problem}`);
  const key = subjectKey(revocation.iss, revocation.sub);
  const attributes = subjectAttributes({ ...revocation, until: revocation.keepUntil }, now());
  const names = Object.keys(attributes);
  const outcome = await writeAndAnnounce(client, tableName, key, limits, {
    Update: {
      TableName: tableName,
      Key: keyOf(key),
      UpdateExpression: `SET ${names.map((_, index) => `#a${index} = :a${index}`).join(', ')}`,
      // Revocations of a subject only ever move forward.
      ConditionExpression: 'attribute_not_exists(#nb) OR #nb < :nb',
      ExpressionAttributeNames: {
        '#nb': NOT_BEFORE_ATTRIBUTE,
        ...Object.fromEntries(names.map((name, index) => [`#a${index}`, name])),
      },
      ExpressionAttributeValues: {
        ':nb': attributes[NOT_BEFORE_ATTRIBUTE]!,
        ...Object.fromEntries(names.map((name, index) => [`:a${index}`, attributes[name]!])),
      },
    },
  });
  return { notBefore: revocation.notBefore, ...outcome };
}

/** Removes a token revocation; true when there was one. */
export async function deleteTokenRevocation(
  client: DynamoDBClient,
  tableName: string,
  iss: string,
  jti: string,
): Promise<boolean> {
  return deleteRevocation(client, tableName, tokenKey(iss, jti));
}

/** Removes a subject revocation; true when there was one. */
export async function deleteSubjectRevocation(
  client: DynamoDBClient,
  tableName: string,
  iss: string,
  sub: string,
): Promise<boolean> {
  return deleteRevocation(client, tableName, subjectKey(iss, sub));
}

async function deleteRevocation(
  client: DynamoDBClient,
  tableName: string,
  key: string,
): Promise<boolean> {
  const outcome = await writeAndAnnounce(
    client,
    tableName,
    key,
    {},
    {
      Delete: {
        TableName: tableName,
        Key: keyOf(key),
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      },
    },
  );
  return outcome.changed;
}

/**
 * Writes `change` (a Put, Update or Delete of `key` whose condition says whether it changes
 * anything) and records it in the generation record, in one transaction: the counter moves by
 * one and `key` takes the counter's slot in the ring of changes, on the condition that the
 * counter is still what this writer read. A failed change condition means there was nothing to
 * do; a failed counter condition (or a conflicting transaction) means another writer went first:
 * try again with the counter it left.
 */
function writeAndAnnounce(
  client: DynamoDBClient,
  tableName: string,
  key: string,
  limits: WriteLimits,
  change: TransactWriteItem,
): Promise<WriteOutcome> {
  return inTurn(client, tableName, async () => {
    const attempts = limits.attempts ?? WRITE_ATTEMPTS;
    let record = await readRecord(client, tableName);
    for (let attempt = 1; ; attempt += 1) {
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
              change,
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
        if (changeReason?.Code === 'ConditionalCheckFailed') return { changed: false };
        const retry =
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
async function readRecord(client: DynamoDBClient, tableName: string): Promise<Item | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: keyOf(GENERATION_KEY),
      ConsistentRead: true,
    }),
  );
  return Item;
}
