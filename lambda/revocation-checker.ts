/**
 * Answers "is this token revoked?" from a module-scope cache that outlives the invocation,
 * falling back to the revocation store.
 *
 * - "Revoked" is cached until the token's `exp`: a revoked token stays revoked.
 * - "Not revoked" is cached for `notRevokedTtlSeconds` (never past the token's `exp`): this is
 *   the window in which a warm container may still accept a token revoked since it looked.
 * - Store errors are never cached: the next request asks again.
 * - Concurrent lookups of one key share one store request.
 * - The cache is bounded by entries and by an estimate of its bytes.
 */
import { LRUCache } from 'lru-cache';
import type { RevocationStore } from './revocation-store';

export type RevocationSource = 'cache' | 'store';

export interface RevocationCheck {
  readonly revoked: boolean;
  /** Where the answer came from; a coalesced lookup counts as `store`. */
  readonly source: RevocationSource;
  /** Time spent waiting for the store, in milliseconds (0 for cache hits). */
  readonly storeLatencyMs: number;
}

export interface CheckedToken {
  readonly revocationKey: string;
  /** Token expiry, epoch seconds. */
  readonly exp: number;
}

export interface RevocationCheckerOptions {
  readonly store: RevocationStore;
  readonly notRevokedTtlSeconds: number;
  readonly maxEntries: number;
  /** Upper bound of the cache's estimated size in bytes. */
  readonly maxBytes?: number;
  /** Clock in milliseconds. */
  readonly now?: () => number;
}

// Rough bytes per entry besides the key: the LRU's slots, the boxed value and the TTL arrays.
const ENTRY_OVERHEAD_BYTES = 96;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

export class RevocationChecker {
  private readonly store: RevocationStore;
  private readonly notRevokedTtlMs: number;
  private readonly now: () => number;
  private readonly cache: LRUCache<string, boolean>;
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(options: RevocationCheckerOptions) {
    this.store = options.store;
    this.notRevokedTtlMs = options.notRevokedTtlSeconds * 1000;
    this.now = options.now ?? Date.now;
    const now = this.now;
    this.cache = new LRUCache<string, boolean>({
      max: options.maxEntries,
      maxSize: options.maxBytes ?? DEFAULT_MAX_BYTES,
      sizeCalculation: (_value, key) => key.length * 2 + ENTRY_OVERHEAD_BYTES,
      perf: { now },
      // Read the clock on every check: no stale cached "now", and no timer per millisecond.
      ttlResolution: 0,
    });
  }

  async check(token: CheckedToken): Promise<RevocationCheck> {
    const cached = this.cache.get(token.revocationKey);
    if (cached !== undefined) return { revoked: cached, source: 'cache', storeLatencyMs: 0 };

    const started = performance.now();
    let lookup = this.inFlight.get(token.revocationKey);
    if (lookup === undefined) {
      lookup = this.lookUp(token);
      this.inFlight.set(token.revocationKey, lookup);
      // Whatever the outcome, the next caller starts afresh; errors are not kept.
      const forget = (): void => {
        this.inFlight.delete(token.revocationKey);
      };
      lookup.then(forget, forget);
    }
    const revoked = await lookup;
    return { revoked, source: 'store', storeLatencyMs: performance.now() - started };
  }

  /** Entries currently held (stale ones included until they are evicted). */
  get size(): number {
    return this.cache.size;
  }

  private async lookUp(token: CheckedToken): Promise<boolean> {
    const revocation = await this.store.findRevocation(token.revocationKey);
    const untilTokenExpires = token.exp * 1000 - this.now();
    if (revocation !== undefined) {
      const untilRevocationEnds = (revocation.until ?? Infinity) * 1000 - this.now();
      this.remember(token.revocationKey, true, Math.min(untilTokenExpires, untilRevocationEnds));
      return true;
    }
    this.remember(token.revocationKey, false, Math.min(this.notRevokedTtlMs, untilTokenExpires));
    return false;
  }

  private remember(key: string, revoked: boolean, ttlMs: number): void {
    const ttl = Math.floor(ttlMs);
    if (ttl >= 1) this.cache.set(key, revoked, { ttl });
  }
}
