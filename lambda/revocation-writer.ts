/**
 * Writes revocations in the table layout the authorizer reads (see `revocation-store.ts`), and
 * bumps the revocation-generation record after each change so that warm authorizer containers
 * learn of it within one poll interval. Every writer (the CLI, the revocation endpoint, the
 * local server) goes through here, so the key encoding and item shapes exist once.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  GENERATION_ATTRIBUTE,
  NOT_BEFORE_ATTRIBUTE,
  PARTITION_KEY,
  TTL_ATTRIBUTE,
  UNREVOCATION_GENERATION_ATTRIBUTE,
} from './revocation-store';
import {
  GENERATION_KEY,
  subjectKey,
  subjectKeyProblem,
  tokenKey,
  tokenKeyProblem,
} from './revocation-key';

export interface TokenRevocation {
  readonly iss: string;
  readonly jti: string;
  /** Token expiry (epoch seconds): the revocation holds until then, and DynamoDB's TTL deletes it after. */
  readonly exp: number;
  readonly sub?: string;
  /** Free text for the audit trail. */
  readonly reason?: string;
  /** Who asked for it (a user, a tool). */
  readonly revokedBy?: string;
}

export interface SubjectRevocation {
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

function auditAttributes(
  revocation: { reason?: string; revokedBy?: string },
  now: () => number,
): Record<string, { S: string }> {
  return {
    revokedAt: { S: new Date(now()).toISOString() },
    ...(revocation.reason ? { reason: { S: revocation.reason } } : {}),
    ...(revocation.revokedBy ? { revokedBy: { S: revocation.revokedBy } } : {}),
  };
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
      Item: {
        [PARTITION_KEY]: { S: tokenKey(revocation.iss, revocation.jti) },
        [TTL_ATTRIBUTE]: { N: String(Math.ceil(revocation.exp)) },
        kind: { S: 'token' },
        iss: { S: revocation.iss },
        jti: { S: revocation.jti },
        ...(revocation.sub ? { sub: { S: revocation.sub } } : {}),
        ...auditAttributes(revocation, now),
      },
    }),
  );
  await bumpGeneration(client, tableName, 'revocation');
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
  const audit = auditAttributes(revocation, now);
  const auditNames = Object.keys(audit);
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { [PARTITION_KEY]: { S: subjectKey(revocation.iss, revocation.sub) } },
        UpdateExpression: `SET #nb = :nb, #ttl = :ttl, #kind = :kind, #iss = :iss, #sub = :sub, ${auditNames
          .map((name) => `#${name} = :${name}`)
          .join(', ')}`,
        ConditionExpression: 'attribute_not_exists(#nb) OR #nb < :nb',
        ExpressionAttributeNames: {
          '#nb': NOT_BEFORE_ATTRIBUTE,
          '#ttl': TTL_ATTRIBUTE,
          '#kind': 'kind',
          '#iss': 'iss',
          '#sub': 'sub',
          ...Object.fromEntries(auditNames.map((name) => [`#${name}`, name])),
        },
        ExpressionAttributeValues: {
          ':nb': { N: String(revocation.notBefore) },
          ':ttl': { N: String(Math.ceil(revocation.keepUntil)) },
          ':kind': { S: 'subject' },
          ':iss': { S: revocation.iss },
          ':sub': { S: revocation.sub },
          ...Object.fromEntries(auditNames.map((name) => [`:${name}`, audit[name]!])),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // A later revocation of this subject is already in force: nothing to widen.
  }
  await bumpGeneration(client, tableName, 'revocation');
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
      Key: { [PARTITION_KEY]: { S: key } },
      ReturnValues: 'ALL_OLD',
    }),
  );
  const existed = output.Attributes !== undefined;
  if (existed) await bumpGeneration(client, tableName, 'unrevocation');
  return existed;
}

/**
 * Tells warm authorizer containers that something changed. A revocation bumps `gen` (they drop
 * cached "not revoked" answers); a removal bumps `ugen` too (they drop everything).
 */
export async function bumpGeneration(
  client: DynamoDBClient,
  tableName: string,
  change: 'revocation' | 'unrevocation',
): Promise<void> {
  await client.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { [PARTITION_KEY]: { S: GENERATION_KEY } },
      UpdateExpression: change === 'revocation' ? 'ADD #gen :one' : 'ADD #gen :one, #ugen :one',
      ExpressionAttributeNames:
        change === 'revocation'
          ? { '#gen': GENERATION_ATTRIBUTE }
          : { '#gen': GENERATION_ATTRIBUTE, '#ugen': UNREVOCATION_GENERATION_ATTRIBUTE },
      ExpressionAttributeValues: { ':one': { N: '1' } },
    }),
  );
}
