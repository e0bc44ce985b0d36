/**
 * The identities that call the revocation table, with the policies each really gets:
 * - `authorizer` and `endpoint`: the roles of the construct's two functions, as synthesized;
 * - `operator`: whoever runs the `jti` CLI with their own credentials, granted exactly what the
 *   table module declares for that side (`TABLE_OPERATIONS.operator`), as `docs/permissions.md`
 *   tells operators to grant.
 *
 * Synthesizing takes a second or two, so it is done once: `npm test` does it in jest's global
 * set-up and hands the result to every test file through a file named in
 * `ROLE_POLICIES_FILE`; anything else (local mode, a test file run alone) synthesizes on first use.
 * The policies are synthesized for a placeholder table and resolved for each real table by
 * replacing its name, which is what resolving the template for that name gives.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { iamActions } from '../../lambda/revocations/table';
import type { PolicyDocument } from './policy-evaluator';
import { synthesizeRolePolicies, type RolePolicies } from './role-policies';

export type RoleName = 'authorizer' | 'endpoint' | 'operator';

export const ROLE_POLICIES_FILE = 'ROLE_POLICIES_FILE';
const PLACEHOLDER_TABLE = 'ROLE-POLICY-PLACEHOLDER-TABLE';
/**
 * The region and account the local IAM endpoint names resources in. Not us-east-1, the SDK's and
 * many examples' default, so that a grant with a region written out by hand fails locally too.
 */
export const LOCAL_REGION = 'eu-central-1';
export const LOCAL_ACCOUNT = '123456789012';
const REGION = LOCAL_REGION;
const ACCOUNT = LOCAL_ACCOUNT;

let synthesized: RolePolicies | undefined;

/** The construct's role policies for the placeholder table, synthesized once per process. */
function placeholderPolicies(env: NodeJS.ProcessEnv = process.env): RolePolicies {
  const file = env[ROLE_POLICIES_FILE];
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as RolePolicies;
  synthesized ??= synthesizeRolePolicies({
    tableName: PLACEHOLDER_TABLE,
    region: REGION,
    account: ACCOUNT,
  });
  return synthesized;
}

/** Synthesizes now and writes the policies to `file` (jest's global set-up). */
export function writeRolePolicies(file: string): void {
  writeFileSync(file, JSON.stringify(placeholderPolicies({})));
}

/** The ARN of a table of the local account. */
export function tableArn(tableName: string): string {
  return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${tableName}`;
}

/** The policy an operator running the CLI needs on the table, and nothing more. */
export function operatorPolicy(tableName: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: iamActions('operator'), Resource: tableArn(tableName) }],
  };
}

/** The identity policies `role` gets for the table named `tableName`. */
export function policiesFor(role: RoleName, tableName: string): PolicyDocument[] {
  if (role === 'operator') return [operatorPolicy(tableName)];
  const policies = placeholderPolicies()[role];
  return JSON.parse(
    JSON.stringify(policies).replaceAll(PLACEHOLDER_TABLE, tableName),
  ) as PolicyDocument[];
}
