/**
 * The cold start's head start. A new container's first request would otherwise wait for the
 * issuer keys, then the TLS connection to DynamoDB and the first generation read, one after
 * another. The Lambda entry runs this in the init phase (a top-level await) instead: every
 * issuer's JWKS and the generation read go out at once, under one deadline. The init phase never
 * fails because of it: whatever did not arrive in time, or failed, is left to the request path,
 * which then does exactly what it did before (nothing half-done is kept or joined, no cooldown
 * is started). With provisioned concurrency the first request then costs what a warm miss costs.
 */
import type { AuthorizerDeps } from './authorizer';

/** What became of one part of the prefetch. */
export type PrefetchOutcome = 'done' | 'failed' | 'timed out' | 'off';

export interface PrefetchReport {
  /** The issuers' JWKS. */
  readonly keys: PrefetchOutcome;
  /** The DynamoDB connection and the generation read. */
  readonly store: PrefetchOutcome;
  readonly durationMs: number;
  /** The failures, if any (they are not thrown). */
  readonly errors: readonly unknown[];
}

/**
 * Prefetches what the first request needs, for at most `timeoutMs` (0: nothing). Never rejects.
 */
export async function prefetch(
  deps: Pick<AuthorizerDeps, 'verifier' | 'revocations'>,
  timeoutMs: number,
): Promise<PrefetchReport> {
  if (timeoutMs <= 0) return { keys: 'off', store: 'off', durationMs: 0, errors: [] };
  const started = performance.now();
  // Aborted at the end, whatever happened: a part still running then is abandoned, and what it
  // brings back later is not kept.
  const abandon = new AbortController();
  const errors: unknown[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<PrefetchOutcome>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), timeoutMs);
  });
  const settle = (part: () => Promise<void>): Promise<PrefetchOutcome> =>
    Promise.race([
      // A part that throws before its first await is a failure like any other.
      Promise.resolve()
        .then(part)
        .then(
          (): PrefetchOutcome => 'done',
          (error: unknown): PrefetchOutcome => {
            errors.push(error);
            return 'failed';
          },
        ),
      deadline,
    ]);
  try {
    const [keys, store] = await Promise.all([
      settle(() => deps.verifier.prefetchKeys(abandon.signal)),
      settle(() => deps.revocations.prefetch(abandon.signal)),
    ]);
    return { keys, store, durationMs: performance.now() - started, errors };
  } finally {
    clearTimeout(timer);
    abandon.abort();
  }
}
