/**
 * The hard deadline of every authorizer read: the store fails closed quickly instead of hanging
 * until the Lambda times out.
 */
import { StoreUnavailableError } from '../../shared/errors';

/**
 * The cancellation handed to the SDK, in the minimal form its `abortSignal` option takes: an
 * `aborted` flag and one `onabort` handler, which the SDK's retry loop and HTTP handler each
 * set for the stage they are in (waiting between attempts, or a request on the wire), so that
 * aborting ends whichever is under way. Node's AbortController would do the same through
 * EventTarget listeners, at about 60 us a read (profiled: 5 % of a GetItem on loopback); this
 * costs nothing until the deadline. The tests check on real sockets that it closes the
 * connection and stops the retries.
 */
export class DeadlineSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: unknown, event?: unknown) => unknown) | null = null;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const handler = this.onabort;
    this.onabort = null;
    handler?.call(this);
  }
}

/**
 * Runs `operation` with an abort signal and rejects once `timeoutMs` has passed, whether or not
 * the operation noticed the abort: the deadline is hard.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  operation: (signal: DeadlineSignal) => Promise<T>,
  what: string,
): Promise<T> {
  const signal = new DeadlineSignal();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StoreUnavailableError(`${what} timed out after ${timeoutMs} ms`);
      signal.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([operation(signal), deadline]);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    throw new StoreUnavailableError(`${what} failed: ${name}: ${message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
