/**
 * The Lambda entry point. Everything here runs once per container, at cold start: the settings
 * are read and validated (a bad setting fails the cold start, naming it), and the verifier,
 * cache and DynamoDB client are built once and reused by every warm invocation.
 *
 * Then, still in the init phase, the first request's work is started ahead of it: the issuers'
 * keys, the DynamoDB connection and the first generation read, together, under
 * `INIT_PREFETCH_TIMEOUT_MS` (see `request/prefetch.ts`). The Lambda runtime waits for this
 * module's top-level await before the first invocation; that is why this entry is an ES module
 * (`.mts`: the rest of the code base is compiled as CommonJS for the tests, and bundled as ESM
 * for Lambda). The prefetch never fails the init: what it could not do, the first request does.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../shared/config.js';
import { createHandler, createProductionDeps } from '../request/authorizer.js';
import { prefetch } from '../request/prefetch.js';

const config = loadConfig();
const deps = createProductionDeps(config);
const report = await prefetch(deps, config.initPrefetchTimeoutMs);
if ([report.keys, report.store].some((part) => part === 'failed' || part === 'timed out')) {
  new Logger({ serviceName: 'jwt-revocation-authorizer' }).warn(
    'cold-start prefetch incomplete; the first request fetches what is missing',
    {
      keys: report.keys,
      store: report.store,
      durationMs: Math.round(report.durationMs),
      errors: report.errors.flatMap(describe),
    },
  );
}

export const handler = createHandler(deps);

function describe(error: unknown): string[] {
  if (error instanceof AggregateError) return (error.errors as unknown[]).flatMap(describe);
  return [error instanceof Error ? `${error.name}: ${error.message}` : String(error)];
}
