/**
 * The chosen claims (`CONTEXT_CLAIMS`) in an Allow's context, as API Gateway takes them: flat
 * strings only, each at most `MAX_CONTEXT_CLAIM_BYTES`, the whole context within its budget.
 * A claim that cannot be passed so is left out whole: an integration then sees no value, which
 * grants nothing, where a mangled one could grant something.
 */
import { MAX_CONTEXT_CLAIM_BYTES, type ContextClaim } from '../shared/context-claims';

/** Why a chosen claim the token carries is not in the context. */
export type DroppedReason = 'not-flat' | 'too-long' | 'context-full';

export interface DroppedClaim {
  readonly claim: string;
  readonly reason: DroppedReason;
}

/**
 * A claim's value as one flat string: a string as it is, a number or a boolean as text, a list
 * of strings joined with spaces. Anything else is `undefined`: an object, null, a mixed list,
 * and a list whose joined form would be ambiguous (an item that is empty or holds white space:
 * `["Team A"]` would read as the groups `Team` and `A`).
 */
export function flattenClaimValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  if (
    Array.isArray(value) &&
    value.every((item) => typeof item === 'string' && item.length > 0 && !/\s/u.test(item))
  ) {
    return value.join(' ');
  }
  return undefined;
}

/** The bytes one entry adds to the context's JSON: key and value as JSON strings, `:` and `,`. */
export function contextEntryBytes(key: string, value: string): number {
  return Buffer.byteLength(JSON.stringify(key)) + Buffer.byteLength(JSON.stringify(value)) + 2;
}

/**
 * Adds the chosen claims to `context`, in their configured order, each only if it is flat, at
 * most `MAX_CONTEXT_CLAIM_BYTES` and still fits in `budgetBytes` (what the context may grow by).
 */
export function addContextClaims(
  context: Record<string, string>,
  payload: Readonly<Record<string, unknown>>,
  claims: readonly ContextClaim[],
  budgetBytes: number,
): void {
  let left = budgetBytes;
  for (const { claim, key } of claims) {
    const value = passableValue(payload, claim);
    if (value === undefined) continue;
    const bytes = contextEntryBytes(key, value);
    if (bytes > left) continue;
    context[key] = value;
    left -= bytes;
  }
}

/**
 * The chosen claims the token carries but the context left out, and why: for logs, by name
 * only, never with their values.
 */
export function droppedContextClaims(
  payload: Readonly<Record<string, unknown>>,
  claims: readonly ContextClaim[],
  context: Readonly<Record<string, string>>,
): DroppedClaim[] {
  const dropped: DroppedClaim[] = [];
  for (const { claim, key } of claims) {
    if (!Object.hasOwn(payload, claim) || Object.hasOwn(context, key)) continue;
    const value = flattenClaimValue(payload[claim]);
    const reason: DroppedReason =
      value === undefined
        ? 'not-flat'
        : Buffer.byteLength(value) > MAX_CONTEXT_CLAIM_BYTES
          ? 'too-long'
          : 'context-full';
    dropped.push({ claim, reason });
  }
  return dropped;
}

/** The claim's flat value when it may be passed on at all; own properties only. */
function passableValue(
  payload: Readonly<Record<string, unknown>>,
  claim: string,
): string | undefined {
  if (!Object.hasOwn(payload, claim)) return undefined;
  const value = flattenClaimValue(payload[claim]);
  if (value === undefined || Buffer.byteLength(value) > MAX_CONTEXT_CLAIM_BYTES) return undefined;
  return value;
}
