/**
 * Answers "is this token revoked?" from a module-scope cache that outlives the invocation,
 * falling back to the revocation store. A token is revoked when its own (iss, jti) is, or when
 * its subject was revoked ("log out everywhere") after the token was issued.
 *
 * What the cache keeps, and for how long:
 * - "revoked" until the token's `exp` (or the revocation's end): a revoked token stays revoked;
 * - "not revoked" (and a subject's state) for at most `notRevokedTtlSeconds`, and only while
 *   the revocation generation it was read under is still the current one;
 * - nothing when the store fails: the next request asks again.
 *
 * The propagation window. Writers bump a generation record after every revocation. A cached
 * "not revoked" is used only when this container has confirmed the generation within the
 * last `generationPollSeconds`; otherwise the request waits for one shared, deadline-bound
 * read of the record first. When the generation moved, every "not revoked" read under an older
 * one is dropped. So a warm container stops accepting a revoked token at most about one poll
 * interval after the revocation was written, while cache hits in between cost no read.
 * With polling off (`generationPollSeconds` 0), the window is `notRevokedTtlSeconds`.
 *
 * Concurrent lookups of the same keys share one store request, as do concurrent polls.
 */
import { LRUCache } from 'lru-cache';
import type { Generation, Revocation, RevocationStore, StoreSnapshot } from './revocation-store';

export type RevocationSource = 'cache' | 'store';

export interface RevocationCheck {
  readonly revoked: boolean;
  /** `subject` when a "log out everywhere" revoked it. */
  readonly revokedBy?: 'token' | 'subject';
  /** Where the answer came from; an answer that needed any store read counts as `store`. */
  readonly source: RevocationSource;
  /** Time spent waiting for the store, in milliseconds (0 for cache hits). */
  readonly storeLatencyMs: number;
}

export interface CheckedToken {
  /** Key of (iss, jti); `undefined` for a token without one (revocable per subject only). */
  readonly revocationKey: string | undefined;
  /** Key of (iss, sub); `undefined` for a token without `sub`. */
  readonly subjectKey: string | undefined;
  /** Token expiry, epoch seconds. */
  readonly exp: number;
  /** Issued-at, epoch seconds; a token without it counts as issued before any subject revocation. */
  readonly iat: number | undefined;
}

export interface RevocationCheckerOptions {
  readonly store: RevocationStore;
  readonly notRevokedTtlSeconds: number;
  /** How old a confirmation of the generation may be before it is read again; 0 turns polling off. */
  readonly generationPollSeconds: number;
  readonly maxEntries: number;
  /** Upper bound of the cache's estimated size in bytes. */
  readonly maxBytes?: number;
  /** Clock in milliseconds. */
  readonly now?: () => number;
}

interface CacheEntry {
  /** The revocation in force, if any. */
  readonly revocation: Revocation | undefined;
  /** `gen` of the generation record known when the read started (-1: none known yet). */
  readonly generation: number;
}

// Rough bytes per entry besides the key: the LRU's slots, the entry object and the TTL arrays.
const ENTRY_OVERHEAD_BYTES = 120;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const UNKNOWN_GENERATION = -1;

export class RevocationChecker {
  private readonly store: RevocationStore;
  private readonly notRevokedTtlMs: number;
  private readonly pollIntervalMs: number;
  private readonly now: () => number;
  private readonly cache: LRUCache<string, CacheEntry>;
  private readonly inFlight = new Map<string, Promise<StoreSnapshot>>();
  private generation: Generation | undefined;
  /** When the read that last confirmed the generation started (clock ms). */
  private confirmedAt = -Infinity;
  private poll: Promise<void> | undefined;

  constructor(options: RevocationCheckerOptions) {
    this.store = options.store;
    this.notRevokedTtlMs = options.notRevokedTtlSeconds * 1000;
    this.pollIntervalMs = options.generationPollSeconds * 1000;
    this.now = options.now ?? Date.now;
    const now = this.now;
    this.cache = new LRUCache<string, CacheEntry>({
      max: options.maxEntries,
      maxSize: options.maxBytes ?? DEFAULT_MAX_BYTES,
      sizeCalculation: (_value, key) => key.length * 2 + ENTRY_OVERHEAD_BYTES,
      perf: { now },
      // Read the clock on every check: no stale cached "now", and no timer per millisecond.
      ttlResolution: 0,
    });
  }

  async check(token: CheckedToken): Promise<RevocationCheck> {
    const keys = relevantKeys(token);
    // A cached "revoked" needs no confirmation: revocations only end by expiring or by an
    // unrevoke, which clears the cache when this container learns of it.
    const cachedVerdict = this.verdictFromCache(token, keys, false);
    if (cachedVerdict?.revoked) return { ...cachedVerdict, source: 'cache', storeLatencyMs: 0 };

    const started = performance.now();
    let waited = false;
    if (!this.isConfirmed() && keys.every((key) => this.cache.has(key))) {
      await this.pollGeneration();
      waited = true;
    }
    const missing = keys.filter((key) => !this.isUsable(this.cache.get(key)));
    if (missing.length === 0) {
      const verdict = this.verdictFromCache(token, keys, true) ?? { revoked: false };
      return waited
        ? { ...verdict, source: 'store', storeLatencyMs: performance.now() - started }
        : { ...verdict, source: 'cache', storeLatencyMs: 0 };
    }

    const snapshot = await this.fetch(missing);
    const verdict = decide(token, (key) =>
      missing.includes(key) ? snapshot.revocations.get(key) : this.cache.get(key)?.revocation,
    );
    return { ...verdict, source: 'store', storeLatencyMs: performance.now() - started };
  }

  /** Entries currently held (stale ones included until they are evicted). */
  get size(): number {
    return this.cache.size;
  }

  /** Decides from cached entries alone; `undefined` when one is missing or unusable. */
  private verdictFromCache(
    token: CheckedToken,
    keys: readonly string[],
    requireUsable: boolean,
  ): Verdict | undefined {
    const entries = new Map<string, CacheEntry | undefined>();
    for (const key of keys) entries.set(key, this.cache.get(key));
    const verdict = decide(token, (key) => entries.get(key)?.revocation);
    if (verdict.revoked) return verdict;
    if (!requireUsable) return undefined;
    return [...entries.values()].every((entry) => this.isUsable(entry)) ? verdict : undefined;
  }

  private isConfirmed(): boolean {
    return this.pollIntervalMs === 0 || this.now() - this.confirmedAt < this.pollIntervalMs;
  }

  /** A cached entry may answer "not revoked" only under the current, confirmed generation. */
  private isUsable(entry: CacheEntry | undefined): boolean {
    if (entry === undefined) return false;
    if (this.pollIntervalMs === 0) return true;
    return this.isConfirmed() && entry.generation === this.generation?.revocations;
  }

  /** One shared read of the generation record. */
  private pollGeneration(): Promise<void> {
    this.poll ??= this.readStore([]).then(
      () => {
        this.poll = undefined;
      },
      (error: unknown) => {
        this.poll = undefined;
        throw error;
      },
    );
    return this.poll;
  }

  /** Reads keys (and the generation); concurrent reads of the same keys share one request. */
  private fetch(keys: readonly string[]): Promise<StoreSnapshot> {
    const id = keys.join('\n');
    let read = this.inFlight.get(id);
    if (read === undefined) {
      read = this.readStore(keys);
      this.inFlight.set(id, read);
      const forget = (): void => {
        this.inFlight.delete(id);
      };
      read.then(forget, forget);
    }
    return read;
  }

  private async readStore(keys: readonly string[]): Promise<StoreSnapshot> {
    const startedAt = this.now();
    // Entries are tagged with the generation known before the read: the items and the record
    // are read side by side, so a revocation written during the read may show in the record
    // but not in the item. Tagged with the older generation, such an entry is dropped as soon
    // as the newer one is learnt.
    const tag = this.generation?.revocations ?? UNKNOWN_GENERATION;
    const snapshot = await this.store.read(keys);
    this.learn(snapshot.generation, startedAt);
    for (const key of keys) this.remember(key, snapshot.revocations.get(key), tag);
    return snapshot;
  }

  private learn(generation: Generation, readStartedAt: number): void {
    const known = this.generation;
    if (known !== undefined && generation.unrevocations !== known.unrevocations) {
      // A revocation was removed somewhere: cached "revoked" answers may be wrong now.
      this.cache.clear();
    }
    if (
      known === undefined ||
      generation.revocations > known.revocations ||
      generation.unrevocations > known.unrevocations
    ) {
      this.generation = generation;
    }
    this.confirmedAt = Math.max(this.confirmedAt, readStartedAt);
  }

  private remember(key: string, revocation: Revocation | undefined, generation: number): void {
    const now = this.now();
    let ttlMs: number;
    if (revocation !== undefined && revocation.notBefore === undefined) {
      // A token revocation: kept until it ends (the token's exp, written by the writer).
      ttlMs = (revocation.until ?? Infinity) * 1000 - now;
    } else {
      ttlMs = this.notRevokedTtlMs;
      if (revocation?.until !== undefined) ttlMs = Math.min(ttlMs, revocation.until * 1000 - now);
    }
    ttlMs = Math.floor(Math.min(ttlMs, MAX_TTL_MS));
    if (ttlMs >= 1) this.cache.set(key, { revocation, generation }, { ttl: ttlMs });
  }
}

/** lru-cache wants a finite TTL; a day is far longer than any access token lives. */
const MAX_TTL_MS = 24 * 3600 * 1000;

interface Verdict {
  readonly revoked: boolean;
  readonly revokedBy?: 'token' | 'subject';
}

function relevantKeys(token: CheckedToken): string[] {
  const keys: string[] = [];
  if (token.revocationKey !== undefined) keys.push(token.revocationKey);
  if (token.subjectKey !== undefined) keys.push(token.subjectKey);
  return keys;
}

function decide(
  token: CheckedToken,
  revocationOf: (key: string) => Revocation | undefined,
): Verdict {
  if (token.revocationKey !== undefined && revocationOf(token.revocationKey) !== undefined) {
    return { revoked: true, revokedBy: 'token' };
  }
  if (token.subjectKey !== undefined) {
    const notBefore = revocationOf(token.subjectKey)?.notBefore;
    // A token without iat cannot show it was issued after the subject's revocation.
    if (notBefore !== undefined && (token.iat === undefined || token.iat < notBefore)) {
      return { revoked: true, revokedBy: 'subject' };
    }
  }
  return { revoked: false };
}
