/**
 * Answers "is this token revoked?" from a module-scope cache that outlives the invocation,
 * falling back to the revocation store. A token is revoked when its own (iss, jti) is, or when
 * its subject was revoked ("log out everywhere") after the token was issued.
 *
 * What the cache keeps:
 * - "revoked" until the token's `exp` (or the revocation's end);
 * - "not revoked", and a subject's state, for at most `notRevokedTtlSeconds`;
 * - nothing when the store fails: the next request asks again.
 *
 * The propagation window. Every writer records its change in the generation record: a counter
 * and a short ring of the keys that changed. A cached answer is used only when this container
 * has read that record within the last `generationPollSeconds`; otherwise the request first
 * waits for one shared, deadline-bound read of it. Each change read there drops the one key it
 * names from the cache (a full clear only if the container fell so far behind that the ring no
 * longer holds every change it missed). So a warm container stops accepting a revoked token at
 * most about one poll interval after the revocation was written, cache hits in between cost no
 * read, and revocations elsewhere do not empty the cache. With polling off
 * (`generationPollSeconds` 0), the window is `notRevokedTtlSeconds`.
 *
 * Concurrent lookups of the same keys share one store request, as do concurrent polls.
 *
 * Two clocks. Durations (how long ago the generation record was read, how long a "not revoked"
 * is kept, how long the store took) move by the larger of the wall clock's and a monotonic
 * clock's advance, never backward: a wall clock set back (an NTP correction) does not keep an
 * unconfirmed cache trusted, nor does a monotonic clock that stood still while the container was
 * frozen. Instants (a revocation's end) are wall-clock times.
 */
import { BoundedCache } from '../shared/bounded-cache';
import { elapsedClock } from '../shared/elapsed-clock';
import {
  GENERATION_COPIES,
  generationCopyKey,
  type Change,
  type GenerationState,
  type Revocation,
  type RevocationStore,
} from '../revocations/table';

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
  /** How old a reading of the generation record may be before it is read again; 0 turns polling off. */
  readonly generationPollSeconds: number;
  readonly maxEntries: number;
  /** Upper bound of the cache's estimated size in bytes. */
  readonly maxBytes?: number;
  /** Wall clock in milliseconds since the epoch, for instants such as a revocation's end. */
  readonly now?: () => number;
  /**
   * Monotonic clock in milliseconds; durations move by the larger of its advance and the wall
   * clock's.
   * @default `now` when `now` is given (a test or simulation that drives one virtual clock
   *   keeps every duration on it), else `performance.now`
   */
  readonly monotonicNow?: () => number;
  /**
   * Which copy of the generation record this container reads (they are identical; each is a
   * partition of its own, so spreading the containers spreads the reads).
   * @default one of `GENERATION_COPIES`, at random
   */
  readonly generationCopy?: number;
}

interface CacheEntry {
  /** The revocation in force, if any. */
  readonly revocation: Revocation | undefined;
}

// Rough bytes per entry besides the key: the LRU's slots, the entry object and the TTL arrays.
const ENTRY_OVERHEAD_BYTES = 120;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
/** lru-cache wants a finite TTL; a day is far longer than any access token lives. */
const MAX_TTL_MS = 24 * 3600 * 1000;
/** Applied changes remembered, to reject answers read before a change but stored after it. */
const REMEMBERED_CHANGES = 256;

export class RevocationChecker {
  private readonly store: RevocationStore;
  private readonly generationCopy: number;
  private readonly notRevokedTtlMs: number;
  private readonly pollIntervalMs: number;
  private readonly now: () => number;
  private readonly monotonicNow: () => number;
  private readonly cache: BoundedCache<CacheEntry>;
  private readonly inFlight = new Map<string, Promise<ReadonlyMap<string, Revocation>>>();
  /** The generation whose changes have all been applied to the cache; unknown at cold start. */
  private generation: number | undefined;
  /** When the read that last confirmed `generation` started (monotonic ms). */
  private confirmedAt = -Infinity;
  /** Changes applied, oldest first; complete for generations above `changesKnownFrom`. */
  private recentChanges: Change[] = [];
  private changesKnownFrom = 0;
  private poll: Promise<void> | undefined;
  private readonly stats = { keyReads: 0, generationReads: 0, clears: 0 };

  constructor(options: RevocationCheckerOptions) {
    this.store = options.store;
    this.generationCopy = options.generationCopy ?? Math.floor(Math.random() * GENERATION_COPIES);
    generationCopyKey(this.generationCopy); // refuses a copy no writer writes, before any read
    this.notRevokedTtlMs = options.notRevokedTtlSeconds * 1000;
    this.pollIntervalMs = options.generationPollSeconds * 1000;
    this.now = options.now ?? Date.now;
    // Durations believe whichever clock moved more (see elapsed-clock.ts). Given only a wall
    // clock, durations follow it alone: a virtual clock that a test advances must not be paired
    // with the real monotonic clock, which would barely move.
    this.monotonicNow = elapsedClock(
      this.now,
      options.monotonicNow ?? options.now ?? ((): number => performance.now()),
    );
    this.cache = new BoundedCache<CacheEntry>({
      maxEntries: options.maxEntries,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      bytesOf: (key) => key.length * 2 + ENTRY_OVERHEAD_BYTES,
      // Entry lifetimes are durations; a revocation's end is turned into one when it is cached.
      now: this.monotonicNow,
    });
  }

  async check(token: CheckedToken): Promise<RevocationCheck> {
    // The hot path: both entries from the cache.
    const tokenEntry =
      token.revocationKey === undefined ? undefined : this.cache.get(token.revocationKey);
    const subjectEntry =
      token.subjectKey === undefined ? undefined : this.cache.get(token.subjectKey);
    const cached = verdict(token, tokenEntry?.revocation, subjectEntry?.revocation);
    if (cached.revoked) {
      // A cached "revoked" needs no confirmation: a revocation only ends by expiring, or by an
      // unrevoke, which drops the key when this container reads of it. Still learn of unrevokes
      // in time, without making this answer wait for (or fail with) the store.
      if (!this.isConfirmed()) this.pollGeneration().catch(() => undefined);
      return { ...cached, source: 'cache', storeLatencyMs: 0 };
    }
    const allCached =
      (token.revocationKey === undefined || tokenEntry !== undefined) &&
      (token.subjectKey === undefined || subjectEntry !== undefined);
    if (allCached && this.generation !== undefined && this.isConfirmed()) {
      return { revoked: false, source: 'cache', storeLatencyMs: 0 };
    }
    return this.checkWithStore(token);
  }

  private async checkWithStore(token: CheckedToken): Promise<RevocationCheck> {
    const keys = relevantKeys(token);
    const lookup = (key: string): Revocation | undefined => this.cache.get(key)?.revocation;
    if (this.pollIntervalMs > 0 && this.generation === undefined) {
      // Cold start: learn the generation before reading any key, so that every answer cached
      // here is known to be read after the changes the counter counts.
      await this.pollGeneration();
    }
    if (this.isConfirmed() && keys.every((key) => this.cache.has(key))) {
      const answer = decide(token, lookup);
      return { ...answer, source: 'cache', storeLatencyMs: 0 };
    }

    const started = this.monotonicNow();
    const fetched = new Map<string, Revocation | undefined>();
    const fetchMissing = async (): Promise<void> => {
      const missing = keys.filter((key) => !fetched.has(key) && !this.cache.has(key));
      if (missing.length === 0) return;
      const revocations = await this.fetch(missing);
      for (const key of missing) fetched.set(key, revocations.get(key));
    };
    // The poll and the read of missing keys go out together: one round trip.
    await Promise.all([this.isConfirmed() ? undefined : this.pollGeneration(), fetchMissing()]);
    // The poll joined may have started too long ago to confirm anything now, or the reading may
    // have aged past the interval while the keys were read: the cached keys need a fresh one.
    if (!this.isConfirmed()) await this.pollGeneration();
    // The poll may have dropped a key this token needs: read it now (rare).
    await fetchMissing();
    const answer = decide(token, (key) => (fetched.has(key) ? fetched.get(key) : lookup(key)));
    return { ...answer, source: 'store', storeLatencyMs: this.monotonicNow() - started };
  }

  /** Entries currently held (stale ones included until they are evicted). */
  get size(): number {
    return this.cache.size;
  }

  /** Store reads made so far, by kind, and how often the cache had to be emptied. */
  get counters(): Readonly<{ keyReads: number; generationReads: number; clears: number }> {
    return { ...this.stats };
  }

  private isConfirmed(): boolean {
    return (
      this.pollIntervalMs === 0 || this.monotonicNow() - this.confirmedAt < this.pollIntervalMs
    );
  }

  /** One shared read of the generation record, applying the changes it lists. */
  private pollGeneration(): Promise<void> {
    this.poll ??= this.readGeneration().finally(() => {
      this.poll = undefined;
    });
    return this.poll;
  }

  /**
   * The cold start's first generation read, made in the init phase before any request (it also
   * opens the store's connection). Its reading is kept, as a request's poll would keep it, only
   * when it arrives before `signal` aborts and no request has read the record meanwhile: the
   * first request then reads just its keys. A failed or late read changes nothing, and, unlike
   * a poll, is never joined by a request, so the first request reads the record itself as it
   * would have without the prefetch. With polling off the reading is not needed; the read still
   * opens the connection.
   */
  async prefetch(signal: AbortSignal): Promise<void> {
    const startedAt = this.monotonicNow();
    this.stats.generationReads += 1;
    const state = await this.store.readGeneration(this.generationCopy);
    if (signal.aborted || this.pollIntervalMs === 0 || this.generation !== undefined) return;
    this.apply(state, startedAt);
  }

  private async readGeneration(): Promise<void> {
    const startedAt = this.monotonicNow();
    this.stats.generationReads += 1;
    this.apply(await this.store.readGeneration(this.generationCopy), startedAt);
  }

  /** Applies a reading of the generation record made by a read that started at `startedAt`. */
  private apply(state: GenerationState, startedAt: number): void {
    const known = this.generation;
    if (known === undefined) {
      // Nothing is cached yet (the cold start reads the record first).
      this.changesKnownFrom = state.generation;
    } else if (state.generation > known) {
      const byGeneration = new Map(state.changes.map((change) => [change.generation, change]));
      const missed: Change[] = [];
      for (let generation = known + 1; generation <= state.generation; generation += 1) {
        const change = byGeneration.get(generation);
        if (change === undefined) break;
        missed.push(change);
      }
      if (missed.length === state.generation - known) {
        for (const change of missed) this.cache.delete(change.key);
        this.recentChanges.push(...missed);
        if (this.recentChanges.length > REMEMBERED_CHANGES) {
          const dropped = this.recentChanges.splice(
            0,
            this.recentChanges.length - REMEMBERED_CHANGES,
          );
          this.changesKnownFrom = dropped[dropped.length - 1]?.generation ?? this.changesKnownFrom;
        }
      } else {
        // Fell behind the ring: which keys changed is unknown, so forget everything.
        this.clear(state.generation);
      }
    } else if (state.generation < known) {
      // The counter went back (the table was recreated): nothing cached can be trusted.
      this.clear(state.generation);
    }
    this.generation = state.generation;
    this.confirmedAt = Math.max(this.confirmedAt, startedAt);
  }

  private clear(generation: number): void {
    this.stats.clears += 1;
    this.cache.clear();
    this.recentChanges = [];
    this.changesKnownFrom = generation;
  }

  /** Reads keys; concurrent reads of the same keys share one request. */
  private fetch(keys: readonly string[]): Promise<ReadonlyMap<string, Revocation>> {
    // An injective id of the list: a jti may contain any separator, and a crafted one that
    // spelt another token's keys must not join (and answer) that token's read.
    const id = JSON.stringify(keys);
    let read = this.inFlight.get(id);
    if (read === undefined) {
      read = this.readKeys(keys);
      this.inFlight.set(id, read);
      const forget = (): void => {
        this.inFlight.delete(id);
      };
      read.then(forget, forget);
    }
    return read;
  }

  private async readKeys(keys: readonly string[]): Promise<ReadonlyMap<string, Revocation>> {
    // The answers reflect every change up to the generation known now, whose changes were all
    // written before it was read.
    const readUnder = this.generation;
    this.stats.keyReads += 1;
    const revocations = await this.store.read(keys);
    for (const key of keys) {
      if (this.changedSince(key, readUnder)) continue;
      this.remember(key, revocations.get(key));
    }
    return revocations;
  }

  /** True when `key` may have changed after a read made under generation `readUnder`. */
  private changedSince(key: string, readUnder: number | undefined): boolean {
    if (this.pollIntervalMs === 0) return false;
    if (readUnder === undefined || this.generation === undefined) return true;
    if (readUnder >= this.generation) return false;
    if (readUnder < this.changesKnownFrom) return true;
    return this.recentChanges.some((change) => change.key === key && change.generation > readUnder);
  }

  private remember(key: string, revocation: Revocation | undefined): void {
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
    if (ttlMs < 1) return;
    this.cache.set(key, { revocation }, ttlMs);
  }
}

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

/** The verdict from the token's own revocation and its subject's, whichever apply. */
function verdict(
  token: CheckedToken,
  tokenRevocation: Revocation | undefined,
  subjectRevocation: Revocation | undefined,
): Verdict {
  if (tokenRevocation !== undefined) return { revoked: true, revokedBy: 'token' };
  const notBefore = subjectRevocation?.notBefore;
  // A token without iat cannot show it was issued after the subject's revocation.
  if (notBefore !== undefined && (token.iat === undefined || token.iat < notBefore)) {
    return { revoked: true, revokedBy: 'subject' };
  }
  return { revoked: false };
}

function decide(
  token: CheckedToken,
  revocationOf: (key: string) => Revocation | undefined,
): Verdict {
  return verdict(
    token,
    token.revocationKey === undefined ? undefined : revocationOf(token.revocationKey),
    token.subjectKey === undefined ? undefined : revocationOf(token.subjectKey),
  );
}
