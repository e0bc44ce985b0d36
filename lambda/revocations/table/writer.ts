/**
 * The revoking side of the table: writes revocations in the layout the authorizer reads, and
 * records each change in the generation record so that warm authorizer containers learn of it
 * within one poll interval. Every writer (the CLI, the revocation endpoint, local mode) goes
 * through here. Revoking performs `TABLE_OPERATIONS.revoker`; removing a revocation adds
 * DeleteItem (`TABLE_OPERATIONS.operator`).
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  changeEntry,
  generationCounter,
  keyOf,
  revocationUntil,
  subjectAttributes,
  tokenItem,
  type AuditFields,
} from './items';
import { GENERATION_KEY, subjectKey, subjectKeyProblem, tokenKey, tokenKeyProblem } from './keys';
import { GENERATION_ATTRIBUTE, NOT_BEFORE_ATTRIBUTE } from './layout';

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

export async function writeTokenRevocation(
  client: DynamoDBClient,
  tableName: string,
  revocation: TokenRevocation,
  now: () => number = Date.now,
): Promise<void> {
  const problem = tokenRevocationProblem(revocation);
  if (problem !== undefined) throw new Error(`cannot revoke: ${problem}`);
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: tokenItem(
        tokenKey(revocation.iss, revocation.jti),
        { ...revocation, until: revocationUntil(revocation.exp) },
        now(),
      ),
    }),
  );
  await recordChange(client, tableName, tokenKey(revocation.iss, revocation.jti));
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
): Promise<{ notBefore: number }> {
  const problem = subjectRevocationProblem(revocation);
  if (problem !== undefined) throw new Error(`cannot revoke: ${problem}`);
  const attributes = subjectAttributes({ ...revocation, until: revocation.keepUntil }, now());
  const names = Object.keys(attributes);
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: keyOf(subjectKey(revocation.iss, revocation.sub)),
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
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // A later revocation of this subject is already in force: nothing changed.
    return { notBefore: revocation.notBefore };
  }
  await recordChange(client, tableName, subjectKey(revocation.iss, revocation.sub));
  return { notBefore: revocation.notBefore };
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
  const output = await client.send(
    new DeleteItemCommand({
      TableName: tableName,
      Key: keyOf(key),
      ReturnValues: 'ALL_OLD',
    }),
  );
  const existed = output.Attributes !== undefined;
  if (existed) await recordChange(client, tableName, key);
  return existed;
}

/**
 * Records a change in the generation record, so that warm authorizer containers learn of it at
 * their next poll and drop `key` from their caches: the counter moves by one and the key takes
 * the counter's slot in the ring, in one conditional write (optimistic concurrency: on a
 * concurrent change, read again and retry). Returns the new generation.
 */
export async function recordChange(
  client: DynamoDBClient,
  tableName: string,
  key: string,
  maxAttempts = 20,
): Promise<number> {
  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: keyOf(GENERATION_KEY),
        ConsistentRead: true,
        ProjectionExpression: '#gen',
        ExpressionAttributeNames: { '#gen': GENERATION_ATTRIBUTE },
      }),
    );
    const current = generationCounter(Item);
    const next = current + 1;
    const change = changeEntry(next, key);
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: keyOf(GENERATION_KEY),
          UpdateExpression: 'SET #gen = :next, #slot = :change',
          ConditionExpression:
            current === 0 ? 'attribute_not_exists(#gen) OR #gen = :current' : '#gen = :current',
          ExpressionAttributeNames: {
            '#gen': GENERATION_ATTRIBUTE,
            '#slot': change.slot,
          },
          ExpressionAttributeValues: {
            ':next': { N: String(next) },
            ':current': { N: String(current) },
            ':change': change.entry,
          },
        }),
      );
      return next;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Another writer took this generation: back off a little, read again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));
    }
  }
  throw new Error('could not record the change: the generation record is too contended');
}
