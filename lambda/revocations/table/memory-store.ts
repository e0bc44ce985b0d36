/**
 * The revocation table in memory, with the semantics the authorizer relies on: strongly
 * consistent reads, item expiry, and the generation record with its ring of changes, written
 * as `revocation-writer.ts` writes it. The propagation simulation uses it for runs too large
 * for a local DynamoDB; its test checks that it gives the same results as dynalite.
 */
import { GENERATION_SLOTS, tokenKey } from './keys';
import type {
  Change,
  GenerationState,
  Revocation,
  RevocationStore,
} from './reader';

export class MemoryRevocationStore implements RevocationStore {
  private readonly items = new Map<string, Revocation>();
  private generation = 0;
  private readonly ring: (Change | undefined)[] = Array.from({ length: GENERATION_SLOTS });
  keyReads = 0;
  generationReads = 0;

  constructor(private readonly now: () => number) {}

  /** As `writeTokenRevocation`: the item, then the change in the generation record. */
  revokeToken(iss: string, jti: string, exp: number): void {
    this.revokeKey(tokenKey(iss, jti), { until: exp });
  }

  /** Any revocation item (token or subject), then the change. */
  revokeKey(key: string, revocation: Revocation): void {
    this.items.set(key, revocation);
    this.recordChange(key);
  }

  /** As `deleteTokenRevocation`: the item goes, then the change. */
  unrevokeKey(key: string): void {
    if (this.items.delete(key)) this.recordChange(key);
  }

  private recordChange(key: string): void {
    this.generation += 1;
    this.ring[this.generation % GENERATION_SLOTS] = { generation: this.generation, key };
  }

  read(keys: readonly string[]): Promise<ReadonlyMap<string, Revocation>> {
    this.keyReads += 1;
    const nowSeconds = this.now() / 1000;
    const found = new Map<string, Revocation>();
    for (const key of keys) {
      const item = this.items.get(key);
      if (item && (item.until === undefined || item.until > nowSeconds)) found.set(key, item);
    }
    return Promise.resolve(found);
  }

  readGeneration(): Promise<GenerationState> {
    this.generationReads += 1;
    return Promise.resolve({
      generation: this.generation,
      changes: this.ring.filter((change): change is Change => change !== undefined),
    });
  }
}
