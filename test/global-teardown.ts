/** Stops what the global set-up started and removes what it wrote. */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DynamoDbLocal } from '../local/dynamodb-local';
import { ROLE_POLICIES_FILE } from '../local/iam/roles';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { testDynamoDbLocal?: DynamoDbLocal }).testDynamoDbLocal?.stop();
  const file = process.env[ROLE_POLICIES_FILE];
  if (file) rmSync(dirname(file), { recursive: true, force: true });
}
