/**
 * DynamoDB's capacity arithmetic (item sizes, read and write units, per-partition ceilings) as
 * documented, and the in-memory store keeping it: the simulation's throughput model rests on it.
 */
import {
  GENERATION_KEY,
  itemBytes,
  MemoryRevocationStore,
  PARTITION_READ_UNITS,
  PartitionCapacity,
  readUnits,
  ThrottledError,
  tokenKey,
  writeUnits,
} from '../../../../lambda/revocations/table';

describe('item sizes, as the developer guide counts them', () => {
  it('counts names and values: strings in UTF-8, numbers by significant digits, maps with overhead', () => {
    expect(itemBytes({ pk: { S: 'abc' } })).toBe(2 + 3);
    expect(itemBytes({ nom: { S: 'é' } })).toBe(3 + 2);
    // Trailing zeros are trimmed: 1700000000 has 2 significant digits (1 byte + 1), 1700000001
    // has 10 (5 bytes + 1).
    expect(itemBytes({ ttl: { N: '1700000000' } })).toBe(3 + 2);
    expect(itemBytes({ ttl: { N: '1700000001' } })).toBe(3 + 6);
    expect(itemBytes({ n: { N: '123' } })).toBe(1 + 3);
    expect(itemBytes({ b: { BOOL: true } })).toBe(1 + 1);
    expect(itemBytes({ x: { B: new Uint8Array(10) } })).toBe(1 + 10);
    // A map: 3 bytes, then per element 1 byte + name + value.
    expect(itemBytes({ c0: { M: { g: { N: '7' }, k: { S: 'key' } } } })).toBe(
      2 + 3 + (1 + 1 + 2) + (1 + 1 + 3),
    );
  });

  it('charges whole read units of 4 KB, at least one, and write units of 1 KB, doubled in a transaction', () => {
    // `pk` with 'k' is 3 bytes, the name `v` 1.
    const sized = (bytes: number) => ({ pk: { S: 'k' }, v: { S: 'x'.repeat(bytes - 4) } });

    expect(itemBytes(sized(4096))).toBe(4096);
    expect(readUnits(sized(4096))).toBe(1);
    expect(readUnits(sized(4097))).toBe(2);
    expect(readUnits(undefined)).toBe(1);
    expect(writeUnits(sized(1024), false)).toBe(1);
    expect(writeUnits(sized(1025), false)).toBe(2);
    expect(writeUnits(sized(1025), true)).toBe(4);
  });
});

describe('per-partition ceilings', () => {
  it('serves 3 000 read units a second on one partition, throttles the next, and starts again the next second', () => {
    let clock = 1_000_000;
    const capacity = new PartitionCapacity(() => clock);

    const served = Array.from({ length: PARTITION_READ_UNITS }, () => capacity.read(['a'], [1]));
    const over = capacity.read(['a'], [1]);
    const otherPartition = capacity.read(['b'], [1]);
    clock += 1000;
    const nextSecond = capacity.read(['a'], [1]);

    expect(served.every(Boolean)).toBe(true);
    expect([over, otherPartition, nextSecond]).toEqual([false, true, true]);
    expect(capacity.throttledReads).toBe(1);
    expect(capacity.peakReadUnitsPerSecond).toBe(PARTITION_READ_UNITS);
  });

  it('throttles a batch read when one of its partitions is full, and charges none of it', () => {
    const capacity = new PartitionCapacity(() => 0, 2);

    expect(capacity.read(['a', 'b'], [1, 1])).toBe(true);
    expect(capacity.read(['b'], [1])).toBe(true);
    expect(capacity.read(['a', 'b'], [1, 1])).toBe(false);
    expect(capacity.read(['a'], [1])).toBe(true);
  });
});

describe('the in-memory store under the ceilings', () => {
  it('fails a read over the ceiling as the SDK does after its retries, and counts it', async () => {
    const capacity = new PartitionCapacity(() => 0, 3);
    const store = new MemoryRevocationStore(() => 0, capacity);

    for (let i = 0; i < 3; i += 1) await store.readGeneration();
    const throttled = store.readGeneration();

    await expect(throttled).rejects.toThrow(ThrottledError);
    await expect(store.read([tokenKey('https://issuer', 'j')])).resolves.toEqual(new Map());
    expect(capacity.throttledReads).toBe(1);
  });

  it('charges the generation record by its size: 32 long keys in the ring cost two read units', async () => {
    const capacity = new PartitionCapacity(() => 0);
    const store = new MemoryRevocationStore(() => 0, capacity);
    const issuer = `https://${'i'.repeat(60)}.example`;
    await store.readGeneration();
    const before = capacity.readUnitsBySecond[0];

    for (let i = 0; i < 32; i += 1) store.revokeToken(issuer, `${'j'.repeat(90)}-${i}`, 2e9);
    await store.readGeneration();

    expect(before).toBe(1);
    expect((capacity.readUnitsBySecond[0] ?? 0) - (before ?? 0)).toBe(2);
    expect(capacity.peakWriteUnitsPerSecond).toBeGreaterThan(32 * 2);
    expect(GENERATION_KEY).toBe('g#generation');
  });
});
