import { StoreUnavailableError } from '../../lambda/errors';
import { revocationInForce, withDeadline } from '../../lambda/revocation-store';

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
    let signal: AbortSignal | undefined;
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
