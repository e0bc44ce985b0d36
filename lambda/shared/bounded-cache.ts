/**
 * The LRU both caches use (revocation answers, verified tokens): per-entry TTL, bounded by an
 * entry count and by estimated bytes. lru-cache's own `max` would preallocate arrays of that
 * length at every cold start (about 10 ms for 100 000 entries, measured), so the cache is built
 * with a byte bound only and the count is kept here, by evicting the least recently used entry
 * before adding one to a full cache.
 */
import { LRUCache } from 'lru-cache';

export interface BoundedCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** Estimated bytes an entry takes, from its key. */
  readonly bytesOf: (key: string) => number;
  /** Clock in milliseconds. */
  readonly now: () => number;
}

export class BoundedCache<V extends object> {
  private readonly lru: LRUCache<string, V>;
  private readonly maxEntries: number;

  constructor(options: BoundedCacheOptions) {
    this.maxEntries = options.maxEntries;
    const { bytesOf } = options;
    this.lru = new LRUCache<string, V>({
      max: 0,
      maxSize: options.maxBytes,
      sizeCalculation: (_value, key) => bytesOf(key),
      perf: { now: options.now },
      // Read the clock on every check: no stale cached "now", and no timer per millisecond.
      ttlResolution: 0,
    });
  }

  /** The live entry, which becomes the most recently used. */
  get(key: string): V | undefined {
    return this.lru.get(key);
  }

  /** Whether a live entry exists; does not change the order. */
  has(key: string): boolean {
    return this.lru.has(key);
  }

  /** Keeps `value` for `ttlMs` (at least 1). */
  set(key: string, value: V, ttlMs: number): void {
    if (this.lru.size >= this.maxEntries && !this.lru.has(key)) this.lru.pop();
    this.lru.set(key, value, { ttl: ttlMs });
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  /** Entries held, stale ones included until they are evicted. */
  get size(): number {
    return this.lru.size;
  }
}
