/**
 * Runs once before the test files:
 * - synthesizes the construct's role policies (a second or two) and hands them to every test
 *   file through a file, so each file does not synthesize again;
 * - starts one DynamoDB Local for the run (in memory); each test file puts its own counting
 *   proxy and IAM-enforcing endpoint in front of it and makes its own tables.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbLocal } from '../local/dynamodb-local';
import { ROLE_POLICIES_FILE, writeRolePolicies } from '../local/iam/roles';
import { SHARED_DYNAMODB_ENDPOINT } from './helpers/dynamodb';

export default async function globalSetup(): Promise<void> {
  // As in the test files (setup-env.ts): the SDK's notice about Node 20 is not news here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const file = join(mkdtempSync(join(tmpdir(), 'role-policies-')), 'role-policies.json');
  writeRolePolicies(file);
  const store = await DynamoDbLocal.start();
  // Read by the global teardown, which runs in this process.
  (globalThis as { testDynamoDbLocal?: DynamoDbLocal }).testDynamoDbLocal = store;
  // Test files run in workers started after this, which inherit the environment.
  process.env[ROLE_POLICIES_FILE] = file;
  process.env[SHARED_DYNAMODB_ENDPOINT] = store.endpoint;
}
