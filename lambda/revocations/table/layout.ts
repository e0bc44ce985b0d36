/**
 * The revocation table's layout and the DynamoDB operations each side performs on it. Pure data
 * with no imports, so the CDK construct can read it without loading the SDK: the construct
 * creates the table from `TABLE_KEY` and `TTL_ATTRIBUTE`, and grants each function exactly the
 * operations declared here. A new call in the reader or the writer without its entry here fails
 * the tests that run each function under the IAM policy its synthesized role gets.
 *
 * | item                  | attributes                                                          |
 * |-----------------------|---------------------------------------------------------------------|
 * | `t#<len>#<iss>#<jti>` | `ttl` (N): epoch seconds until which the token is revoked           |
 * | `s#<len>#<iss>#<sub>` | `notBefore` (N): tokens issued before it are revoked; `ttl` (N)      |
 * | `g#generation`,       | `gen` (N): bumped after every change; `c0`..`c31` (M): a ring of the |
 * | `g#generation#1`..`#15` | last changes, `{ g: generation, k: key }`; 16 identical copies     |
 *
 * `pk` (S) is the partition key; `ttl` is the table's TTL attribute, so DynamoDB deletes ended
 * revocations some time later. Audit attributes (`kind`, `iss`, `jti`, `sub`, `revokedAt`,
 * `reason`, `revokedBy`) are for people and are never read by the authorizer.
 */

/** The partition key: a string, the only key of the table. */
export const PARTITION_KEY = 'pk';
/** The table's TTL attribute: epoch seconds after which DynamoDB may delete the item. */
export const TTL_ATTRIBUTE = 'ttl';
/** Subject revocations: tokens whose `iat` is before this (epoch seconds) are revoked. */
export const NOT_BEFORE_ATTRIBUTE = 'notBefore';
/** The generation record's counter. */
export const GENERATION_ATTRIBUTE = 'gen';

/** The key schema, for whoever creates the table (the construct, local mode, the tests). */
export const TABLE_KEY = { name: PARTITION_KEY, type: 'S' } as const;

/** Attribute of slot `i` of the generation record's change ring. */
export function changeSlotAttribute(slot: number): string {
  return `c${slot}`;
}

/** A DynamoDB API operation, as IAM names it after `dynamodb:`. */
export type TableOperation =
  'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Scan';

/**
 * The operations each side of the table performs, and nothing more:
 * - `reader`: the authorizer, which reads a token's and a subject's items (one GetItem, or one
 *   BatchGetItem for both) and the generation record (GetItem);
 * - `revoker`: whoever revokes (the revocation endpoint): reads the generation record's counter
 *   and, for a subject, the subject's item to merge with (GetItem), then in one TransactWriteItems (which IAM checks as its inner operations) writes
 *   a token item (a conditional Put, PutItem) or a subject item (a conditional UpdateItem) and
 *   records the change in every copy of the generation record (Put, conditional on copy 0);
 * - `operator`: the `jti` CLI, run with an operator's own credentials: what the revoker does,
 *   plus removing a revocation (DeleteItem), reading one item's status (GetItem) and listing the
 *   revocations in force (Scan).
 */
export const TABLE_OPERATIONS = {
  reader: ['GetItem', 'BatchGetItem'],
  revoker: ['GetItem', 'PutItem', 'UpdateItem'],
  operator: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Scan'],
} as const satisfies Record<string, readonly TableOperation[]>;

export type TableSide = keyof typeof TABLE_OPERATIONS;

/** The IAM actions of one side, e.g. `dynamodb:GetItem`. */
export function iamActions(side: TableSide): string[] {
  return TABLE_OPERATIONS[side].map((operation) => `dynamodb:${operation}`);
}
