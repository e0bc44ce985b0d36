/**
 * The table's items: how each is built from a revocation and read back. The DynamoDB reader and
 * writer and the in-memory store all go through here, so an item has one shape wherever it is.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../../shared/errors';
import { INTEGER_SETTINGS } from '../../shared/settings';
import { decodeSubjectKey, decodeTokenKey, GENERATION_SLOTS, isSubjectKey } from './keys';
import {
  changeSlotAttribute,
  GENERATION_ATTRIBUTE,
  NOT_BEFORE_ATTRIBUTE,
  PARTITION_KEY,
  TTL_ATTRIBUTE,
} from './layout';

export type Item = Record<string, AttributeValue>;

/** The largest clock-skew leeway an authorizer may apply (`JWT_CLOCK_SKEW_SECONDS`' maximum). */
export const MAX_LEEWAY_SECONDS = INTEGER_SETTINGS.clockSkewSeconds.max;

/**
 * The latest instant stored (9999-12-31T23:59:59Z). DynamoDB numbers stop near 1e126, so an
 * absurd `exp` would make the write fail and leave the token unrevocable; held until then, it is
 * revoked for as long as anyone will care.
 */
export const LATEST_STORED_SECONDS = 253_402_300_799;

/**
 * Until when the revocation of a token that expires at `exp` must hold: as long as an authorizer
 * could still accept the token, which is `exp` plus the largest leeway it may be set to (the
 * writer cannot know the one each authorizer uses), capped to what DynamoDB stores. The item's
 * TTL, the cached "revoked" and every "already expired" judgement follow from it.
 */
export function revocationUntil(exp: number): number {
  return Math.min(Math.ceil(exp) + MAX_LEEWAY_SECONDS, LATEST_STORED_SECONDS);
}

/** A revocation that is in force. */
export interface Revocation {
  /** Epoch seconds until which it holds; `undefined` when the item does not say (held forever). */
  readonly until: number | undefined;
  /**
   * Subject revocations: tokens whose `iat` is before this (epoch seconds) are revoked.
   * `undefined` for a token revocation.
   */
  readonly notBefore?: number;
}

/** One change recorded in the generation record. */
export interface Change {
  readonly generation: number;
  readonly key: string;
}

/** What the generation record says. */
export interface GenerationState {
  /** Number of changes ever recorded (0 when there is no record yet). */
  readonly generation: number;
  /** The changes still in the ring, newest `GENERATION_SLOTS` at most. */
  readonly changes: readonly Change[];
}

/** Who revoked, why and when: kept on the item for people, never read by the authorizer. */
export interface AuditFields {
  readonly reason?: string;
  readonly revokedBy?: string;
}

/** The key attribute of an item. */
export function keyOf(key: string): Item {
  return { [PARTITION_KEY]: { S: key } };
}

/** The item of a token revocation, with its audit attributes. */
export function tokenItem(
  key: string,
  fields: { iss: string; jti: string; until: number; sub?: string } & AuditFields,
  revokedAtMs: number,
): Item {
  return {
    ...keyOf(key),
    [TTL_ATTRIBUTE]: { N: String(Math.ceil(fields.until)) },
    kind: { S: 'token' },
    iss: { S: fields.iss },
    jti: { S: fields.jti },
    ...(fields.sub ? { sub: { S: fields.sub } } : {}),
    ...auditAttributes(fields, revokedAtMs),
  };
}

/** The attributes a subject revocation sets (its key aside), with its audit attributes. */
export function subjectAttributes(
  fields: { iss: string; sub: string; notBefore: number; until: number } & AuditFields,
  revokedAtMs: number,
): Item {
  return {
    [NOT_BEFORE_ATTRIBUTE]: { N: String(fields.notBefore) },
    [TTL_ATTRIBUTE]: { N: String(Math.ceil(fields.until)) },
    kind: { S: 'subject' },
    iss: { S: fields.iss },
    sub: { S: fields.sub },
    ...auditAttributes(fields, revokedAtMs),
  };
}

function auditAttributes(fields: AuditFields, revokedAtMs: number): Item {
  return {
    revokedAt: { S: new Date(revokedAtMs).toISOString() },
    ...(fields.reason ? { reason: { S: fields.reason } } : {}),
    ...(fields.revokedBy ? { revokedBy: { S: fields.revokedBy } } : {}),
  };
}

/**
 * Reads a revocation item. An item that exists counts as a revocation unless it says, in a
 * well-formed `ttl`, that it has ended: DynamoDB's TTL deletion lags by up to two days, so
 * expiry is checked here, and a malformed item must never turn into an Allow. A subject item
 * whose `notBefore` is unreadable revokes every token of the subject.
 */
export function revocationInForce(
  item: Item | undefined,
  nowSeconds: number,
): Revocation | undefined {
  if (item === undefined) return undefined;
  const until = numberAttribute(item[TTL_ATTRIBUTE]);
  if (until !== undefined && hasEnded(until, nowSeconds)) return undefined;
  if (isSubjectKey(item[PARTITION_KEY]?.S ?? '')) {
    return { until, notBefore: numberAttribute(item[NOT_BEFORE_ATTRIBUTE]) ?? Infinity };
  }
  return { until };
}

/**
 * The one expiry rule of a revocation: one that holds until `until` (epoch seconds) has ended at
 * that instant. The reader, the in-memory store, the operator's status and the CLI's "already
 * expired" all judge by it.
 */
export function hasEnded(until: number, nowSeconds: number): boolean {
  return until <= nowSeconds;
}

/**
 * What a subject revocation makes of the subject's item, or `undefined` when it changes nothing.
 * Revocations of a subject only ever widen: the later `notBefore` and the later end win, so a
 * second "log out everywhere" with a shorter keep cannot end the first one's sooner. A record
 * that has ended is no revocation at all (as the reader judges), so the new one replaces it
 * whatever its times. `undefined` in the result leaves that attribute as it is: a `notBefore`
 * that cannot be read (which revokes every token), or an item held for good.
 */
export function mergeSubjectRevocation(
  existing: Item | undefined,
  wanted: { readonly notBefore: number; readonly until: number },
  nowSeconds: number,
): { notBefore: number | undefined; until: number | undefined } | undefined {
  const held = revocationInForce(existing, nowSeconds);
  if (held === undefined) return { notBefore: wanted.notBefore, until: Math.ceil(wanted.until) };
  const heldNotBefore = held.notBefore ?? Infinity;
  const notBefore = wanted.notBefore > heldNotBefore ? wanted.notBefore : undefined;
  const wantedUntil = Math.ceil(wanted.until);
  const until = held.until !== undefined && wantedUntil > held.until ? wantedUntil : undefined;
  if (notBefore === undefined && until === undefined) return undefined;
  return { notBefore, until };
}

/**
 * The counter of a generation record (0 when there is none), for the writer's next update. A
 * counter that is not a whole number is a store failure: no change could be announced after it.
 */
export function generationCounter(item: Item | undefined): number {
  const counter = item?.[GENERATION_ATTRIBUTE];
  if (counter === undefined) return 0;
  const value = numberAttribute(counter);
  if (value === undefined || !Number.isInteger(value)) {
    throw new StoreUnavailableError('the revocation-generation record is malformed');
  }
  return value;
}

/** The change ring entry recorded for generation `generation`, and the slot it takes. */
export function changeEntry(
  generation: number,
  key: string,
): { slot: string; entry: AttributeValue } {
  return {
    slot: changeSlotAttribute(generation % GENERATION_SLOTS),
    entry: { M: { g: { N: String(generation) }, k: { S: key } } },
  };
}

/**
 * The generation record after one more change of `key`: the counter moved by one and `key` in
 * the counter's slot of the ring, the other slots as they were. Its attributes without the key,
 * to be written to every copy.
 */
export function nextGenerationRecord(record: Item | undefined, key: string): Item {
  const next = generationCounter(record) + 1;
  const change = changeEntry(next, key);
  const { [PARTITION_KEY]: _key, ...rest } = record ?? {};
  return {
    ...rest,
    [GENERATION_ATTRIBUTE]: { N: String(next) },
    [change.slot]: change.entry,
  };
}

/**
 * Reads the generation record. Without a readable counter, cached answers cannot be confirmed,
 * so a malformed one is a store failure; an unreadable slot is
 * left out (the reader then treats the change log as incomplete).
 */
export function readGenerationItem(item: Item | undefined): GenerationState {
  if (item === undefined) return { generation: 0, changes: [] };
  const counter = item[GENERATION_ATTRIBUTE];
  const generation = numberAttribute(counter);
  if (counter !== undefined && (generation === undefined || !Number.isInteger(generation))) {
    throw new StoreUnavailableError('the revocation-generation record is malformed');
  }
  const changes: Change[] = [];
  for (let slot = 0; slot < GENERATION_SLOTS; slot += 1) {
    const entry = item[changeSlotAttribute(slot)];
    if (entry === undefined || !('M' in entry) || entry.M === undefined) continue;
    const g = numberAttribute(entry.M.g);
    const key = entry.M.k !== undefined && 'S' in entry.M.k ? entry.M.k.S : undefined;
    if (g !== undefined && key !== undefined) changes.push({ generation: g, key });
  }
  return { generation: generation ?? 0, changes };
}

/** What an operator sees of one item: whether it is in force, since when, until when, why. */
export interface RevocationStatus {
  readonly revoked: boolean;
  readonly kind?: 'token' | 'subject';
  readonly iss?: string;
  readonly jti?: string;
  readonly sub?: string;
  /** ISO instants. */
  readonly notBefore?: string;
  readonly revokedAt?: string;
  readonly until?: string;
  readonly expiredAt?: string;
  readonly reason?: string;
  readonly revokedBy?: string;
}

/** Reads an item for people (the CLI's status and list), with the same expiry rule. */
export function revocationStatus(item: Item | undefined, nowSeconds: number): RevocationStatus {
  if (!item) return { revoked: false };
  const key = item[PARTITION_KEY]?.S ?? '';
  const token = decodeTokenKey(key);
  const subject = decodeSubjectKey(key);
  const until = numberAttribute(item[TTL_ATTRIBUTE]);
  const notBefore = numberAttribute(item[NOT_BEFORE_ATTRIBUTE]);
  const common = {
    ...(token ? { kind: 'token' as const, iss: token.iss, jti: token.jti } : {}),
    ...(subject ? { kind: 'subject' as const, iss: subject.iss, sub: subject.sub } : {}),
    ...(notBefore !== undefined ? { notBefore: isoSeconds(notBefore) } : {}),
    revokedAt: item.revokedAt?.S,
    reason: item.reason?.S,
    revokedBy: item.revokedBy?.S,
  };
  if (revocationInForce(item, nowSeconds) === undefined) {
    return {
      revoked: false,
      expiredAt: until !== undefined ? isoSeconds(until) : undefined,
      ...common,
    };
  }
  return { revoked: true, until: until !== undefined ? isoSeconds(until) : undefined, ...common };
}

export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}

function numberAttribute(value: AttributeValue | undefined): number | undefined {
  if (value === undefined || !('N' in value)) return undefined;
  const number = Number(value.N);
  return Number.isFinite(number) ? number : undefined;
}
