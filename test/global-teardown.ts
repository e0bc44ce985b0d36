/** Removes what the global set-up wrote. */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ROLE_POLICIES_FILE } from '../local/iam/roles';

export default function globalTeardown(): void {
  const file = process.env[ROLE_POLICIES_FILE];
  if (file) rmSync(dirname(file), { recursive: true, force: true });
}
