/**
 * The revoking side of the table: writes revocations in the layout the authorizer reads. Every
 * writer (the CLI, the revocation endpoint, the revocation client, local mode) goes through here,
 * and every change goes through `announce.ts` (the item and its announcement in one transaction).
 *
 * A write that changes nothing (the same or a stronger revocation already in force, a removal of
 * nothing) writes nothing and announces nothing: repeating a revocation cannot move the
 * generation record, so it cannot flush the warm containers' caches.
 *
 * Revoking performs `TABLE_OPERATIONS.revoker` (GetItem of copy 0 and of a subject's item, then
 * Put or Update items inside the transaction); removing a revocation adds DeleteItem
 * (`TABLE_OPERATIONS.operator`).
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readItem, writeAndAnnounce, type WriteLimits, type WriteOutcome } from './announce';
import {
  keyOf,
  LATEST_STORED_SECONDS,
  mergeSubjectRevocation,
  revocationUntil,
  subjectAttributes,
  tokenItem,
  type AuditFields,
  type Item,
} from './items';
import { subjectKey, subjectKeyProblem, tokenKey, tokenKeyProblem } from './keys';
import { NOT_BEFORE_ATTRIBUTE, PARTITION_KEY, TTL_ATTRIBUTE } from './layout';

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
  /**
   * Until when the record is kept (epoch seconds): longer than any token issued before
   * `notBefore` lives. It holds for the largest clock-skew leeway after that, as a token
   * revocation does, and at most until `LATEST_STORED_SECONDS`.
   */
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
  if (
    !Number.isFinite(revocation.notBefore) ||
    revocation.notBefore <= 0 ||
    revocation.notBefore > LATEST_STORED_SECONDS
  ) {
    return 'the revocation time must be a positive number of seconds since the epoch, before the year 10000';
  }
  // A keep past what DynamoDB stores (Infinity, 1e130) is kept as long as it can be.
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
 * Revokes every token of (iss, sub) issued before `notBefore`, keeping the record until
 * `keepUntil`. Revocations of a subject only ever widen (`mergeSubjectRevocation`): a later
 * revocation time or a later end already recorded is kept. The item is read first and written on
 * the condition that it is still as read; a concurrent change makes the writer read it again.
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
  const outcome = await writeAndAnnounce(client, tableName, key, limits, async () => {
    const existing = await readItem(client, tableName, key);
    const merged = mergeSubjectRevocation(
      existing,
      // Held the largest leeway past its keep, as a token's revocation is past its exp.
      { notBefore: revocation.notBefore, until: revocationUntil(revocation.keepUntil) },
      now() / 1000,
    );
    if (merged === undefined) return undefined;
    const attributes = subjectAttributes(
      { ...revocation, notBefore: merged.notBefore ?? 0, until: merged.until ?? 0 },
      now(),
    );
    // What the merge keeps as it is stays out of the update.
    if (merged.notBefore === undefined) delete attributes[NOT_BEFORE_ATTRIBUTE];
    if (merged.until === undefined) delete attributes[TTL_ATTRIBUTE];
    const names = Object.keys(attributes);
    const unchanged = unchangedSince(existing, [NOT_BEFORE_ATTRIBUTE, TTL_ATTRIBUTE]);
    return {
      retryOnConflict: true,
      write: {
        Update: {
          TableName: tableName,
          Key: keyOf(key),
          UpdateExpression: `SET ${names.map((_, index) => `#a${index} = :a${index}`).join(', ')}`,
          ConditionExpression: unchanged.expression,
          ExpressionAttributeNames: {
            ...unchanged.names,
            ...Object.fromEntries(names.map((name, index) => [`#a${index}`, name])),
          },
          ExpressionAttributeValues: {
            ...unchanged.values,
            ...Object.fromEntries(names.map((name, index) => [`:a${index}`, attributes[name]!])),
          },
        },
      },
    };
  });
  return { notBefore: revocation.notBefore, ...outcome };
}

/**
 * A condition that holds while `attributes` of an item are as `existing` had them (absent item:
 * still absent), for a write computed from that read.
 */
function unchangedSince(
  existing: Item | undefined,
  attributes: readonly string[],
): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue> | undefined;
} {
  if (existing === undefined) {
    return {
      expression: 'attribute_not_exists(#pk)',
      names: { '#pk': PARTITION_KEY },
      values: undefined,
    };
  }
  const parts: string[] = ['attribute_exists(#pk)'];
  const names: Record<string, string> = { '#pk': PARTITION_KEY };
  const values: Record<string, AttributeValue> = {};
  attributes.forEach((attribute, index) => {
    names[`#c${index}`] = attribute;
    const value = existing[attribute];
    if (value === undefined) {
      parts.push(`attribute_not_exists(#c${index})`);
    } else {
      parts.push(`#c${index} = :c${index}`);
      values[`:c${index}`] = value;
    }
  });
  return { expression: parts.join(' AND '), names, values };
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
