/**
 * The revocation table in memory: the one in-memory store of the project, used by the unit tests
 * of the cache logic, the property tests, the benchmark and the propagation simulation (for runs
 * too large for a local DynamoDB; a test checks it gives the same results as DynamoDB Local). It keeps
 * the items in their DynamoDB shape, built and read by the same functions as the DynamoDB reader
 * and writer (`items.ts`), so its answers are the table's: strongly consistent reads, expiry
 * checked on read, and the generation record with its ring of changes. With a
 * `PartitionCapacity` it also keeps DynamoDB's per-partition ceilings: each read and write costs
 * the units its items' sizes make, and a request over a ceiling fails as DynamoDB's throttling
 * does once the SDK has stopped retrying.
 */
import { StoreUnavailableError } from '../../shared/errors';
import {
  keyOf,
  mergeSubjectRevocation,
  nextGenerationRecord,
  readGenerationItem,
  revocationInForce,
  revocationUntil,
  subjectAttributes,
  tokenItem,
  type GenerationState,
  type Item,
  type Revocation,
} from './items';
import {
  decodeSubjectKey,
  decodeTokenKey,
  GENERATION_KEY,
  tokenKey,
  GENERATION_COPIES,
  generationCopyKey,
} from './keys';
import { TTL_ATTRIBUTE } from './layout';
import type { RevocationStore } from './reader';
import { readUnits, writeUnits, type PartitionCapacity } from './capacity';

/** What the SDK throws once DynamoDB has throttled every attempt. */
export class ThrottledError extends StoreUnavailableError {
  constructor(what: string) {
    super(`${what}: ProvisionedThroughputExceededException (throttled on every attempt)`);
  }
}

export class MemoryRevocationStore implements RevocationStore {
  private readonly items = new Map<string, Item>();
  /** Key reads (`read`) answered so far. */
  keyReads = 0;
  /** Generation reads answered so far. */
  generationReads = 0;
  /** The next `failNext` reads fail, as a store outage would. */
  failNext = 0;
  /** Every read takes this long. */
  delayMs = 0;
  /** When set, key reads wait for it before answering (with what they read when called). */
  gate: Promise<void> | undefined;

  constructor(
    private readonly now: () => number = Date.now,
    /** DynamoDB's per-partition ceilings; none when undefined. */
    readonly capacity?: PartitionCapacity,
  ) {}

  /** As the writer's token revocation: the item, then the change in the generation record. */
  revokeToken(iss: string, jti: string, exp: number): void {
    this.revokeKey(tokenKey(iss, jti), { until: revocationUntil(exp) });
  }

  /**
   * A token or subject revocation under `key`, then the change, as the writer's: nothing when the
   * same or a stronger revocation is already recorded (a token's that ends no sooner, a
   * subject's with a `notBefore` no earlier).
   */
  revokeKey(key: string, revocation: Revocation = { until: undefined }): void {
    const written = this.strengthened(key, revocation);
    if (written === undefined) return;
    this.chargeTransaction(key);
    this.putWithoutAnnouncing(key, written);
    this.recordChange(key);
  }

  /**
   * The writer's conditions: what `key` holds after `revocation`, or `undefined` when it changes
   * nothing (a token's that ends no sooner is recorded; a subject's merges as
   * `mergeSubjectRevocation` says).
   */
  private strengthened(key: string, revocation: Revocation): Revocation | undefined {
    const existing = this.items.get(key);
    if (existing === undefined) return revocation;
    if (decodeSubjectKey(key)) {
      const held = revocationInForce(existing, this.now() / 1000);
      const merged = mergeSubjectRevocation(
        existing,
        {
          notBefore: revocation.notBefore ?? Infinity,
          until: revocation.until ?? Number.MAX_SAFE_INTEGER,
        },
        this.now() / 1000,
      );
      if (merged === undefined) return undefined;
      return {
        notBefore: merged.notBefore ?? held?.notBefore,
        until: merged.until ?? held?.until,
      };
    }
    const until = existing[TTL_ATTRIBUTE];
    return until?.N !== undefined && Number(until.N) < (revocation.until ?? Infinity)
      ? revocation
      : undefined;
  }

  /**
   * Writes the item without recording the change, as a write that bypasses the project's writers
   * would: warm caches learn of it only when their "not revoked" entries expire.
   */
  putWithoutAnnouncing(key: string, revocation: Revocation): void {
    const until = revocation.until ?? Number.MAX_SAFE_INTEGER;
    const subject = decodeSubjectKey(key);
    const item = subject
      ? {
          ...keyOf(key),
          ...subjectAttributes(
            { ...subject, notBefore: revocation.notBefore ?? Infinity, until },
            this.now(),
          ),
        }
      : tokenItem(key, { ...(decodeTokenKey(key) ?? { iss: '', jti: key }), until }, this.now());
    if (revocation.until === undefined) delete item[TTL_ATTRIBUTE];
    this.items.set(key, item);
  }

  /** As the writer's removal: the item goes, then the change (when there was one). */
  unrevokeKey(key: string): void {
    if (!this.items.has(key)) return;
    this.chargeTransaction(key);
    this.items.delete(key);
    this.recordChange(key);
  }

  /**
   * A change and its announcement are one transaction: twice the write units of the item and of
   * every copy of the generation record (their sizes before the change, about as after), or a
   * throttle.
   */
  private chargeTransaction(key: string): void {
    if (this.capacity === undefined) return;
    const item = this.items.get(key) ?? keyOf(key);
    const record = this.items.get(GENERATION_KEY) ?? keyOf(GENERATION_KEY);
    const copies = Array.from({ length: GENERATION_COPIES }, (_, copy) => generationCopyKey(copy));
    const served = this.capacity.write(
      [key, ...copies],
      [writeUnits(item, true), ...copies.map(() => writeUnits(record, true))],
    );
    if (!served) throw new ThrottledError('TransactWriteItems');
  }

  private recordChange(key: string): void {
    const record = this.items.get(GENERATION_KEY);
    this.items.set(GENERATION_KEY, {
      ...keyOf(GENERATION_KEY),
      ...nextGenerationRecord(record, key),
    });
  }

  async read(keys: readonly string[]): Promise<ReadonlyMap<string, Revocation>> {
    this.keyReads += 1;
    this.charge(keys);
    const nowSeconds = this.now() / 1000;
    const found = new Map<string, Revocation>();
    for (const key of keys) {
      const revocation = revocationInForce(this.items.get(key), nowSeconds);
      if (revocation !== undefined) found.set(key, revocation);
    }
    if (this.gate !== undefined) await this.gate;
    await this.pause();
    return found;
  }

  async readGeneration(copy = 0): Promise<GenerationState> {
    this.generationReads += 1;
    // The copies are identical: one item stands for all, each charged on its own partition.
    this.charge([generationCopyKey(copy)], [GENERATION_KEY]);
    const state = readGenerationItem(this.items.get(GENERATION_KEY));
    await this.pause();
    return state;
  }

  /** A strongly consistent read of `keys` (whose items are `items`), or a throttle. */
  private charge(keys: readonly string[], items: readonly string[] = keys): void {
    if (this.capacity === undefined) return;
    const units = items.map((key) => readUnits(this.items.get(key)));
    if (!this.capacity.read(keys, units)) {
      throw new ThrottledError(keys.length > 1 ? 'BatchGetItem' : 'GetItem');
    }
  }

  /** Key reads and generation reads together. */
  get reads(): number {
    return this.keyReads + this.generationReads;
  }

  private async pause(): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new StoreUnavailableError('the in-memory store is set to fail');
    }
  }
}
