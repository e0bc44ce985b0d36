/**
 * The store deadline's cancellation signal and its bookkeeping: one abort, one handler call,
 * the reason kept, no timer left behind, and failures that are not `Error`s still explained.
 */
import { StoreUnavailableError } from '../../../../lambda/shared/errors';
import { DeadlineSignal, withDeadline } from '../../../../lambda/revocations/table/deadline';

describe('DeadlineSignal', () => {
  it('calls the handler set for the current stage once, as the signal, and keeps the reason', () => {
    const signal = new DeadlineSignal();
    const calls: unknown[] = [];
    signal.onabort = function (this: unknown) {
      calls.push(this);
    };

    signal.abort('first');
    signal.abort('second');

    expect(calls).toEqual([signal]);
    expect(signal).toMatchObject({ aborted: true, reason: 'first', onabort: null });
  });

  it('starts neither aborted nor with a reason', () => {
    const signal = new DeadlineSignal();

    signal.abort(undefined);

    expect(new DeadlineSignal()).toMatchObject({ aborted: false, reason: undefined });
    expect(signal.aborted).toBe(true);
  });
});

describe('withDeadline', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('leaves no timer behind once the operation has answered or failed', async () => {
    jest.useFakeTimers();

    await withDeadline(1000, () => Promise.resolve('done'), 'lookup');
    await withDeadline(1000, () => Promise.reject(new Error('no')), 'lookup').catch(
      () => undefined,
    );

    expect(jest.getTimerCount()).toBe(0);
  });

  it('aborts the operation with the deadline error it rejects with', async () => {
    jest.useFakeTimers();
    let signal: DeadlineSignal | undefined;
    const outcome = withDeadline(
      50,
      (abortSignal) => {
        signal = abortSignal;
        return new Promise<never>(() => undefined);
      },
      'generation read',
    );
    const settled = outcome.catch((error: unknown) => error);

    jest.advanceTimersByTime(49);
    expect(signal?.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    const error = await settled;

    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(signal?.reason).toBe(error);
    expect((error as Error).message).toBe('generation read timed out after 50 ms');
  });

  it('explains a failure that is not an Error', async () => {
    // A dependency may reject with anything; this one rejects with a string on purpose.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    const outcome = withDeadline(1000, () => Promise.reject('socket hang up'), 'lookup');

    await expect(outcome).rejects.toMatchObject({
      name: 'StoreUnavailableError',
      message: 'lookup failed: Error: socket hang up',
      cause: 'socket hang up',
    });
  });

  it('passes a StoreUnavailableError of the operation through as it is', async () => {
    const failure = new StoreUnavailableError('DynamoDB left keys unprocessed after retries');

    await expect(withDeadline(1000, () => Promise.reject(failure), 'lookup')).rejects.toBe(failure);
  });
});
