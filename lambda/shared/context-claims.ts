/**
 * `CONTEXT_CLAIMS`: further claims the authorizer passes to the integration as
 * `$context.authorizer.<key>`, written `claim` or `claim=key`. No imports: the CDK construct
 * validates its `contextClaims` prop with the same rules, without loading runtime code.
 */

/** One claim passed on: the token's claim, and the context key it is passed as. */
export interface ContextClaim {
  readonly claim: string;
  readonly key: string;
}

/**
 * The keys the authorizer's own answers carry (`responses.ts`: the Allow's context, and the
 * Deny's `reason`). A chosen claim may not take one of them over.
 */
export const FIXED_CONTEXT_KEYS = ['iss', 'jti', 'sub', 'client_id', 'azp', 'scope', 'reason'];

/**
 * Names API Gateway itself gives under `$context.authorizer` (the Lambda authorizer's
 * `principalId`, the Cognito and JWT authorizers' `claims` and `scopes`, and the authorizer
 * figures of the access-log variables): a context key of the same name would be shadowed, or
 * would shadow them.
 */
export const API_GATEWAY_AUTHORIZER_KEYS = [
  'principalId',
  'claims',
  'scopes',
  'error',
  'integrationLatency',
  'integrationStatus',
  'latency',
  'requestId',
  'status',
];

/**
 * The longest value passed on, in UTF-8 bytes. A longer value is left out whole, never cut: a
 * cut value could name something else (a group `admins-readonly` cut to `admins`).
 */
export const MAX_CONTEXT_CLAIM_BYTES = 1024;

/** A claim name: no white space, and neither `,` (the list separator) nor `=` (the renaming). */
const CLAIM_NAME = /^[^\s,=]{1,256}$/u;
/** A context key: printable ASCII but space, `,` and `=`. */
const CONTEXT_KEY = /^[\x21-\x2b\x2d-\x3c\x3e-\x7e]{1,128}$/;

/**
 * Reads the entries (`claim` or `claim=key`); every problem is returned, none thrown. A key may
 * not be one the context already carries (the authorizer's, API Gateway's; compared without
 * regard to case), nor be given twice.
 */
export function parseContextClaims(entries: readonly string[]): {
  claims: ContextClaim[];
  problems: string[];
} {
  const claims: ContextClaim[] = [];
  const problems: string[] = [];
  const reserved = new Map(
    [...FIXED_CONTEXT_KEYS, ...API_GATEWAY_AUTHORIZER_KEYS].map((key) => [key.toLowerCase(), key]),
  );
  const taken = new Set<string>();
  for (const entry of entries) {
    const [claimPart, keyPart, ...rest] = entry.split('=');
    const claim = (claimPart ?? '').trim();
    const key = keyPart === undefined ? claim : keyPart.trim();
    if (rest.length > 0 || !CLAIM_NAME.test(claim)) {
      problems.push(
        `"${entry}" is not a claim name, or claim=key (no white space, "," or "=" in the name)`,
      );
      continue;
    }
    if (!CONTEXT_KEY.test(key)) {
      problems.push(
        `"${entry}": the context key must be 1 to 128 printable ASCII characters, without space, "," or "=" (rename it: ${claim}=newName)`,
      );
      continue;
    }
    if (key === '__proto__') {
      problems.push(`"${entry}": "__proto__" cannot be a context key; rename it: ${claim}=newName`);
      continue;
    }
    const clash = reserved.get(key.toLowerCase());
    if (clash !== undefined) {
      problems.push(
        `"${entry}": the context already has "${clash}" (the authorizer's ${FIXED_CONTEXT_KEYS.join(', ')}; API Gateway's ${API_GATEWAY_AUTHORIZER_KEYS.join(', ')}); rename it: ${claim}=newName`,
      );
      continue;
    }
    if (taken.has(key.toLowerCase())) {
      problems.push(`"${entry}": the context key "${key}" is given twice`);
      continue;
    }
    taken.add(key.toLowerCase());
    claims.push({ claim, key });
  }
  return { claims, problems };
}
