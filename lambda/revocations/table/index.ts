/**
 * The revocation table module: the one owner of the table's layout (keys, attributes, items),
 * its reads and writes, the in-memory store, and the DynamoDB operations each side performs.
 * Everything outside this folder (the authorizer, the endpoint, the CLI, local mode, the bench,
 * the tests, the construct) uses what this file exports and writes no table detail of its own;
 * the lint configuration refuses imports of the files behind it.
 */
export {
  decodeSubjectKey,
  decodeTokenKey,
  GENERATION_COPIES,
  generationCopyKey,
  GENERATION_KEY,
  GENERATION_SLOTS,
  isWellFormedText,
  MAX_PARTITION_KEY_BYTES,
  maxJtiBytes,
  subjectKey,
  subjectKeyProblem,
  tokenKey,
  tokenKeyProblem,
  utf8Bytes,
  type TokenId,
} from './keys';
export {
  iamActions,
  TABLE_KEY,
  TABLE_OPERATIONS,
  TTL_ATTRIBUTE,
  type TableOperation,
  type TableSide,
} from './layout';
export {
  hasEnded,
  isoSeconds,
  keyOf,
  LATEST_STORED_SECONDS,
  MAX_LEEWAY_SECONDS,
  revocationUntil,
  revocationInForce,
  type Change,
  type GenerationState,
  type Revocation,
  type RevocationStatus,
} from './items';
export {
  DynamoDbRevocationStore,
  ITEM_READ,
  type DynamoDbRevocationStoreOptions,
  type RevocationStore,
} from './reader';
export { createDynamoDbClient } from './client';
export {
  deleteSubjectRevocation,
  deleteTokenRevocation,
  subjectRevocationProblem,
  tokenRevocationProblem,
  writeSubjectRevocation,
  writeTokenRevocation,
  type SubjectRevocation,
  type TokenRevocation,
} from './writer';
export { WRITE_ATTEMPTS, type WriteLimits, type WriteOutcome } from './announce';
export { listRevocations, readRevocationStatus, type RevocationPage } from './operator';
export { MemoryRevocationStore, ThrottledError } from './memory-store';
export {
  itemBytes,
  PARTITION_READ_UNITS,
  PARTITION_WRITE_UNITS,
  PartitionCapacity,
  readUnits,
  writeUnits,
} from './capacity';
export { ensureRevocationTable } from './create-table';
