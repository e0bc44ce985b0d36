/**
 * DynamoDB's capacity arithmetic, as documented, for the simulation's throughput model and for
 * the tests that keep the table's items small:
 * - An item's size is the sum of its attribute names and values: a string is its UTF-8 bytes, a
 *   number about one byte per two significant digits plus one, a binary its raw bytes, a boolean
 *   or null one byte, a list or map 3 bytes plus its elements, each element one byte more
 *   (DynamoDB Developer Guide, "DynamoDB item sizes and formats").
 * - A strongly consistent read costs one read unit per 4 KB of the item, rounded up, and at
 *   least one even when there is no item; BatchGetItem costs each item as a GetItem would. A
 *   write costs one write unit per 1 KB; in a transaction, twice that ("Read/write capacity
 *   mode", "Transactions: capacity management").
 * - One partition serves at most 3 000 read units and 1 000 write units a second, whatever the
 *   table's mode; adaptive capacity moves throughput between partitions and splits hot ones by
 *   key, but one item lives in one partition, so no splitting lifts the limit for reads of a
 *   single item ("Partitions and data distribution", "Burst and adaptive capacity").
 *
 * The model gives each partition key a partition of its own and applies the ceilings per whole
 * second; a request over a ceiling is throttled and consumes nothing.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Item } from './items';
import { utf8Bytes } from './keys';

export const READ_UNIT_BYTES = 4096;
export const WRITE_UNIT_BYTES = 1024;
/** Per partition, a second. */
export const PARTITION_READ_UNITS = 3000;
export const PARTITION_WRITE_UNITS = 1000;

/** The size DynamoDB counts for one attribute value (its name aside). */
export function attributeValueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, text) => sum + utf8Bytes(text), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, text) => sum + numberBytes(text), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, bytes) => sum + bytes.byteLength, 0);
  if (value.L !== undefined) {
    return 3 + value.L.reduce((sum, element) => sum + 1 + attributeValueBytes(element), 0);
  }
  if (value.M !== undefined) {
    return (
      3 +
      Object.entries(value.M).reduce(
        (sum, [name, element]) => sum + 1 + utf8Bytes(name) + attributeValueBytes(element),
        0,
      )
    );
  }
  return 0;
}

/** About one byte per two significant digits, plus one (leading and trailing zeros trimmed). */
function numberBytes(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '');
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(significant.length, 1) / 2) + 1;
}

/** An item's size as DynamoDB counts it. */
export function itemBytes(item: Item): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    total += utf8Bytes(name) + attributeValueBytes(value);
  }
  return total;
}

/** Read units of a strongly consistent read of `item` (one when there is none). */
export function readUnits(item: Item | undefined): number {
  return item === undefined ? 1 : Math.max(1, Math.ceil(itemBytes(item) / READ_UNIT_BYTES));
}

/** Write units of writing `item` (the larger of before and after, as DynamoDB counts). */
export function writeUnits(item: Item, transactional: boolean): number {
  const units = Math.max(1, Math.ceil(itemBytes(item) / WRITE_UNIT_BYTES));
  return transactional ? 2 * units : units;
}

/** What one partition key consumed, second by second. */
interface PartitionUse {
  second: number;
  readUnits: number;
  writeUnits: number;
}

/**
 * The per-partition ceilings on a clock: each request asks for its units on its partition key
 * and is either served (the units are consumed in that second) or throttled.
 */
export class PartitionCapacity {
  private readonly use = new Map<string, PartitionUse>();
  /** Read requests throttled so far. */
  throttledReads = 0;
  throttledWrites = 0;
  /** The most read units one partition served in one second. */
  peakReadUnitsPerSecond = 0;
  peakWriteUnitsPerSecond = 0;
  /** Read units served, by second since the first request (for plots). */
  readonly readUnitsBySecond: number[] = [];
  /** The busiest partition's read units, by second. */
  readonly busiestReadUnitsBySecond: number[] = [];
  private firstSecond: number | undefined;

  constructor(
    private readonly now: () => number,
    readonly readCeiling = PARTITION_READ_UNITS,
    readonly writeCeiling = PARTITION_WRITE_UNITS,
  ) {}

  /** Serves a read of `units` per key (`units[i]` on `keys[i]`) if every partition has room. */
  read(keys: readonly string[], units: readonly number[]): boolean {
    const second = this.second();
    const uses = keys.map((key) => this.useOf(key, second));
    if (uses.some((use, index) => use.readUnits + (units[index] ?? 0) > this.readCeiling)) {
      this.throttledReads += 1;
      return false;
    }
    const offset = second - (this.firstSecond ?? second);
    uses.forEach((use, index) => {
      use.readUnits += units[index] ?? 0;
      this.peakReadUnitsPerSecond = Math.max(this.peakReadUnitsPerSecond, use.readUnits);
      this.readUnitsBySecond[offset] = (this.readUnitsBySecond[offset] ?? 0) + (units[index] ?? 0);
      this.busiestReadUnitsBySecond[offset] = Math.max(
        this.busiestReadUnitsBySecond[offset] ?? 0,
        use.readUnits,
      );
    });
    return true;
  }

  /** Serves a write (or a transaction's writes) if every partition has room. */
  write(keys: readonly string[], units: readonly number[]): boolean {
    const second = this.second();
    const uses = keys.map((key) => this.useOf(key, second));
    if (uses.some((use, index) => use.writeUnits + (units[index] ?? 0) > this.writeCeiling)) {
      this.throttledWrites += 1;
      return false;
    }
    uses.forEach((use, index) => {
      use.writeUnits += units[index] ?? 0;
      this.peakWriteUnitsPerSecond = Math.max(this.peakWriteUnitsPerSecond, use.writeUnits);
    });
    return true;
  }

  private second(): number {
    const second = Math.floor(this.now() / 1000);
    this.firstSecond ??= second;
    return second;
  }

  private useOf(key: string, second: number): PartitionUse {
    let use = this.use.get(key);
    if (use === undefined) {
      use = { second, readUnits: 0, writeUnits: 0 };
      this.use.set(key, use);
    } else if (use.second !== second) {
      use.second = second;
      use.readUnits = 0;
      use.writeUnits = 0;
    }
    return use;
  }
}
