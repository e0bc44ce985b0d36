/**
 * The operator's reads (the `jti` CLI): one item's status, and the revocations in force a page
 * at a time. With the writer's calls these make up `TABLE_OPERATIONS.operator`.
 */
import { GetItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { keyOf, revocationStatus, type RevocationStatus } from './items';
import { PARTITION_KEY } from './layout';

/** Whether the item under `key` is a revocation in force, and what it says. */
export async function readRevocationStatus(
  client: DynamoDBClient,
  tableName: string,
  key: string,
  nowSeconds: number,
): Promise<RevocationStatus> {
  const output = await client.send(
    new GetItemCommand({ TableName: tableName, Key: keyOf(key), ConsistentRead: true }),
  );
  return revocationStatus(output.Item, nowSeconds);
}

export interface RevocationPage {
  /** The revocations in force on this page (token and subject items only). */
  readonly revocations: RevocationStatus[];
  /** Where the next page starts (an opaque cursor), when there is one. */
  readonly next: string | undefined;
}

/**
 * One page of a scan (a full table scan: for audits, not for hot paths). `next` is the cursor a
 * previous page returned.
 */
export async function listRevocations(
  client: DynamoDBClient,
  tableName: string,
  options: {
    readonly limit: number;
    readonly next?: string;
    readonly kind?: 'token' | 'subject';
    readonly nowSeconds: number;
  },
): Promise<RevocationPage> {
  const output = await client.send(
    new ScanCommand({
      TableName: tableName,
      Limit: options.limit,
      ExclusiveStartKey: options.next === undefined ? undefined : keyOf(decodeCursor(options.next)),
      ConsistentRead: true,
    }),
  );
  const revocations: RevocationStatus[] = [];
  for (const item of output.Items ?? []) {
    const status = revocationStatus(item, options.nowSeconds);
    if (!status.revoked || status.kind === undefined) continue;
    if (options.kind === undefined || options.kind === status.kind) revocations.push(status);
  }
  const lastKey = output.LastEvaluatedKey?.[PARTITION_KEY]?.S;
  return {
    revocations,
    next: lastKey === undefined ? undefined : Buffer.from(lastKey, 'utf8').toString('base64url'),
  };
}

/** The key a cursor names; throws a plain Error for anything `listRevocations` did not print. */
function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not a cursor printed by jti list');
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
