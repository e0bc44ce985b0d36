/**
 * Runs once before the test files: synthesizes the construct's role policies (a second or two)
 * and hands them to every test file through a file, so each file does not synthesize again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROLE_POLICIES_FILE, writeRolePolicies } from '../local/iam/roles';

export default function globalSetup(): void {
  const file = join(mkdtempSync(join(tmpdir(), 'role-policies-')), 'role-policies.json');
  writeRolePolicies(file);
  // Test files run in workers started after this, which inherit the environment.
  process.env[ROLE_POLICIES_FILE] = file;
}
