import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../../../../lambda/shared/errors';
import { withDeadline, type DeadlineSignal } from '../../../../lambda/revocations/table/deadline';
import { readGenerationItem, revocationInForce } from '../../../../lambda/revocations/table/items';
import { DynamoDbRevocationStore } from '../../../../lambda/revocations/table/reader';
import { FaultyDynamoDb } from '../../../helpers/dynamodb';

describe('revocationInForce', () => {
  const now = 1_800_000_000;

  it.each([
    ['no item', undefined, undefined],
    [
      'an item whose ttl is ahead',
      { pk: { S: 'k' }, ttl: { N: String(now + 1) } },
      { until: now + 1 },
    ],
    ['an item whose ttl has passed', { pk: { S: 'k' }, ttl: { N: String(now) } }, undefined],
    ['an item without ttl', { pk: { S: 'k' } }, { until: undefined }],
    ['an item whose ttl is a string', { pk: { S: 'k' }, ttl: { S: '1' } }, { until: undefined }],
    [
      'an item whose ttl is not a number',
      { pk: { S: 'k' }, ttl: { N: 'NaN' } },
      { until: undefined },
    ],
    ['an empty item', {}, { until: undefined }],
  ])('reads %s', (_name, item, expected) => {
    expect(revocationInForce(item, now)).toEqual(expected);
  });
});

describe('withDeadline', () => {
  it('rejects at the deadline even when the operation ignores the abort, and aborts it', async () => {
    let signal: DeadlineSignal | undefined;
    const started = performance.now();

    const outcome = withDeadline(
      50,
      (abortSignal) => {
        signal = abortSignal;
        return new Promise<never>(() => undefined);
      },
      'lookup',
    );

    await expect(outcome).rejects.toThrow(
      new StoreUnavailableError('lookup timed out after 50 ms'),
    );
    expect(signal?.aborted).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('wraps a failure of the operation, keeping its cause', async () => {
    const cause = new Error('ResourceNotFoundException');

    const outcome = withDeadline(1000, () => Promise.reject(cause), 'lookup');

    await expect(outcome).rejects.toMatchObject({
      name: 'StoreUnavailableError',
      message: 'lookup failed: Error: ResourceNotFoundException',
      cause,
    });
  });

  it('passes a result through', async () => {
    await expect(withDeadline(1000, () => Promise.resolve(42), 'lookup')).resolves.toBe(42);
  });
});

describe('the deadline cancels the SDK request (DynamoDB that never answers, real sockets)', () => {
  /** Polls `condition` every 10 ms for at most `ms`; its last value. */
  async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (!condition() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    return condition();
  }

  /** A store in front of a DynamoDB that accepts requests and never answers. */
  async function withSilentDynamoDb(
    sdk: { requestTimeout: number; maxAttempts: number },
    timeoutMs: number,
    work: (store: DynamoDbRevocationStore, proxy: FaultyDynamoDb) => Promise<void>,
  ): Promise<void> {
    const proxy = await FaultyDynamoDb.start('hang');
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: sdk.maxAttempts,
      requestHandler: {
        requestTimeout: sdk.requestTimeout,
        throwOnRequestTimeout: true,
        connectionTimeout: 5000,
      },
    });
    try {
      await work(new DynamoDbRevocationStore({ client, tableName: 'tbl', timeoutMs }), proxy);
    } finally {
      client.destroy();
      await proxy.stop();
    }
  }

  it('closes the connection of a request the SDK would wait a minute for', async () => {
    await withSilentDynamoDb(
      { requestTimeout: 60_000, maxAttempts: 1 },
      200,
      async (store, proxy) => {
        await expect(store.read(['t#1#i#j'])).rejects.toThrow(StoreUnavailableError);
        const closed = await eventually(() => proxy.openConnections === 0, 5000);

        expect(proxy.requests).toBe(1);
        expect(closed).toBe(true);
      },
    );
  });

  it('closes the connection of a batch read (a token and its subject) too', async () => {
    await withSilentDynamoDb(
      { requestTimeout: 60_000, maxAttempts: 1 },
      200,
      async (store, proxy) => {
        await expect(store.read(['t#1#i#j', 's#1#i#alice'])).rejects.toThrow(StoreUnavailableError);
        const closed = await eventually(() => proxy.openConnections === 0, 5000);

        expect(proxy.requests).toBe(1);
        expect(closed).toBe(true);
      },
    );
  });

  it('stops the retries: no attempt starts after the deadline', async () => {
    // Attempts of 100 ms, up to 10 of them: without cancellation they would go on for a second.
    await withSilentDynamoDb(
      { requestTimeout: 100, maxAttempts: 10 },
      150,
      async (store, proxy) => {
        await expect(store.readGeneration()).rejects.toThrow(StoreUnavailableError);
        const atDeadline = proxy.requests;
        await new Promise((r) => setTimeout(r, 1500));

        expect(atDeadline).toBeGreaterThanOrEqual(1);
        expect(proxy.requests).toBe(atDeadline);
      },
    );
  });
});

describe('readGenerationItem', () => {
  it('reads the counter and the ring of changes', () => {
    const state = readGenerationItem({
      pk: { S: 'g#generation' },
      gen: { N: '34' },
      c1: { M: { g: { N: '33' }, k: { S: 't#1#i#a' } } },
      c2: { M: { g: { N: '34' }, k: { S: 's#1#i#b' } } },
      c3: { S: 'not a change' },
      c4: { M: { g: { S: 'x' }, k: { S: 'k' } } },
    });

    expect(state).toEqual({
      generation: 34,
      changes: [
        { generation: 33, key: 't#1#i#a' },
        { generation: 34, key: 's#1#i#b' },
      ],
    });
  });

  it('reads a missing record as generation 0', () => {
    expect(readGenerationItem(undefined)).toEqual({ generation: 0, changes: [] });
    expect(readGenerationItem({ pk: { S: 'g#generation' } })).toEqual({
      generation: 0,
      changes: [],
    });
  });

  it.each([{ S: '3' }, { N: '1.5' }, { BOOL: true }])('refuses a malformed counter %j', (gen) => {
    expect(() => readGenerationItem({ pk: { S: 'g#generation' }, gen })).toThrow(/malformed/);
  });
});
