/**
 * How fast revocations reach warm containers, and what that costs in DynamoDB reads: the real
 * authorizer (createHandler with production dependencies: JWT verification, cache, store)
 * run as many containers under a skewed workload on a virtual clock, with revocations arriving
 * throughout, for three strategies on the same workload:
 * - the generation record (this project): poll every second, "not revoked" kept up to an hour (the defaults);
 * - a lookup on every request (no "not revoked" cache);
 * - a fixed 60 s "not revoked" TTL without the generation record.
 *
 * The store is a local DynamoDB (a fresh table per strategy, revocations written by the real
 * writer) or, for runs too large for one, the in-memory model in `memory-store.ts`.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createHandler,
  createProductionDeps,
  type AuthorizerHandler,
} from '../lambda/request/authorizer';
import { loadConfig } from '../lambda/shared/config';
import {
  DynamoDbRevocationStore,
  ensureRevocationTable,
  GENERATION_COPIES,
  MemoryRevocationStore,
  PartitionCapacity,
  subjectKey,
  ThrottledError,
  writeSubjectRevocation,
  writeTokenRevocation,
  type RevocationStore,
} from '../lambda/revocations/table';
import {
  AUDIENCE,
  ISSUER,
  jwksServer,
  makeWorkload,
  METHOD_ARN,
  type Workload,
} from './support/sim-workload';

export interface SimulationOptions {
  readonly requests: number;
  readonly containers: number;
  readonly tokens: number;
  /** Users the tokens belong to (each token has a `sub`). */
  readonly users: number;
  readonly zipfExponent: number;
  /** Virtual arrival rate of requests. */
  readonly requestsPerSecond: number;
  /** A revocation is written every this many virtual seconds. */
  readonly revocationEverySeconds: number;
  readonly seed: number;
  /** A local DynamoDB (a fresh table per strategy), or the in-memory model. */
  readonly dynamoDb?: SimulationDynamoDb;
  /** Called after each strategy, for progress. */
  readonly onProgress?: (line: string) => void;
  /** Strategies to run; default all of `STRATEGIES`. */
  readonly strategies?: readonly Strategy[];
  /**
   * Keep DynamoDB's per-partition ceilings in the in-memory store (`capacity.ts`): throttled
   * reads fail closed as they would in AWS.
   */
  readonly capacity?: boolean;
  /**
   * Containers come up as Lambda adds them (`LAMBDA_SCALING`), each getting this many requests a
   * second until the whole fleet is up; then `requests` arrive at `requestsPerSecond`.
   */
  readonly ramp?: { readonly requestsPerSecond: number };
  /** A wave of "log out everywhere": `subjects` distinct users spread over the given time. */
  readonly wave?: {
    readonly subjects: number;
    readonly startSeconds: number;
    readonly durationSeconds: number;
  };
}

/** A local DynamoDB for the simulation: who creates the tables, and who reads and revokes. */
export interface SimulationDynamoDb {
  /** Creates each strategy's table. */
  readonly admin: DynamoDBClient;
  /** The client of the authorizers (`reader`) or of the revocation writer (`revoker`). */
  readonly clientFor: (side: 'reader' | 'revoker', tableName: string) => DynamoDBClient;
}

export interface StrategyResult {
  readonly strategy: string;
  readonly requests: number;
  readonly allows: number;
  readonly denies: number;
  readonly storeReads: number;
  readonly keyReads: number;
  readonly generationReads: number;
  readonly readsPerRequest: number;
  readonly revocations: number;
  /** Allows of a token after its revocation was written. */
  readonly allowsOfRevoked: number;
  /** Largest time from a revocation's write to an Allow of that token (virtual ms). */
  readonly maxDelayMs: number;
  /** The window this strategy promises (virtual ms). */
  readonly boundMs: number;
  readonly allowsAfterBound: number;
  /** Sum over containers of the distinct tokens each saw. */
  readonly firstSights: number;
  /** Containers times poll intervals elapsed (the poll budget). */
  readonly pollIntervals: number;
  readonly containers: number;
  /** "Log out everywhere" writes of the wave. */
  readonly logouts: number;
  /** Requests the authorizer failed closed on (500), e.g. after a throttled read. */
  readonly failedClosed: number;
  /** With `capacity`: store reads DynamoDB would have throttled, and the busiest partition. */
  readonly throttledReads: number;
  readonly throttledWrites: number;
  readonly peakPartitionReadUnitsPerSecond: number;
  readonly peakPartitionWriteUnitsPerSecond: number;
  /** With `capacity`: read units served a second, and the busiest partition's, over time. */
  readonly readUnitsBySecond: readonly number[];
  readonly busiestReadUnitsBySecond: readonly number[];
  readonly wallSeconds: number;
}

export interface Strategy {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly boundMs: number;
}

export const STRATEGIES: readonly Strategy[] = [
  {
    name: 'generation record, poll 1 s',
    env: { GENERATION_POLL_SECONDS: '1', NOT_REVOKED_TTL_SECONDS: '3600' },
    boundMs: 1000,
  },
  {
    name: 'lookup on every request',
    env: { GENERATION_POLL_SECONDS: '0', NOT_REVOKED_TTL_SECONDS: '0' },
    boundMs: 0,
  },
  {
    name: 'fixed 60 s "not revoked" TTL',
    env: { GENERATION_POLL_SECONDS: '0', NOT_REVOKED_TTL_SECONDS: '60' },
    boundMs: 60_000,
  },
];

export async function simulate(options: SimulationOptions): Promise<StrategyResult[]> {
  const start = Date.UTC(2030, 0, 1);
  const workload = makeWorkload(options, start);
  const jwks = await jwksServer(workload.jwk);
  const results: StrategyResult[] = [];
  try {
    for (const [index, strategy] of (options.strategies ?? STRATEGIES).entries()) {
      const result = await runStrategy(options, workload, strategy, jwks.uri, start, index);
      results.push(result);
      options.onProgress?.(
        `${strategy.name}: ${result.storeReads} reads in ${result.wallSeconds.toFixed(1)} s`,
      );
    }
  } finally {
    await new Promise<void>((resolve) => jwks.server.close(() => resolve()));
  }
  return results;
}

async function runStrategy(
  options: SimulationOptions,
  workload: Workload,
  strategy: Strategy,
  jwksUri: string,
  start: number,
  index: number,
): Promise<StrategyResult> {
  const wallStart = performance.now();
  let clock = start;
  const now = (): number => clock;
  const tableName = `simulation-${options.seed}-${index}-${Date.now()}`;
  let store: RevocationStore;
  let revoke: (token: number) => Promise<unknown>;
  let logout: (user: number) => Promise<unknown>;
  let reads: () => { keyReads: number; generationReads: number };
  const capacity = options.capacity ? new PartitionCapacity(now) : undefined;
  const logoutOf = (user: number) => ({
    iss: ISSUER,
    sub: `user-${user}`,
    notBefore: Math.ceil(clock / 1000),
    keepUntil: workload.exp + 86400,
  });
  if (options.dynamoDb) {
    await ensureRevocationTable(options.dynamoDb.admin, tableName);
    const client = options.dynamoDb.clientFor('reader', tableName);
    const writer = options.dynamoDb.clientFor('revoker', tableName);
    store = new DynamoDbRevocationStore({ client, tableName, timeoutMs: 10_000, now });
    revoke = (token) =>
      writeTokenRevocation(
        writer,
        tableName,
        { iss: ISSUER, jti: workload.jtis[token] ?? '', exp: workload.exp },
        now,
      );
    logout = (user) => writeSubjectRevocation(writer, tableName, logoutOf(user), now);
    reads = () => ({ keyReads: 0, generationReads: 0 });
  } else {
    const memory = new MemoryRevocationStore(now, capacity);
    store = memory;
    revoke = (token) => {
      memory.revokeToken(ISSUER, workload.jtis[token] ?? '', workload.exp);
      return Promise.resolve();
    };
    logout = (user) => {
      const { iss, sub, notBefore, keepUntil } = logoutOf(user);
      memory.revokeKey(subjectKey(iss, sub), { until: keepUntil, notBefore });
      return Promise.resolve();
    };
    reads = () => ({ keyReads: memory.keyReads, generationReads: memory.generationReads });
  }
  const config = loadConfig({
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URI: jwksUri,
    REVOCATION_TABLE_NAME: tableName,
    AWS_REGION: 'us-east-1',
    JWT_CLOCK_SKEW_SECONDS: '0',
    ...strategy.env,
  });
  const silent = { record: () => undefined };
  // Copies of the generation record dealt out in turn, so that runs repeat exactly.
  const containers = Array.from({ length: options.containers }, (_, container) =>
    createProductionDeps(config, {
      store,
      now,
      telemetry: silent,
      generationCopy: container % GENERATION_COPIES,
    }),
  );
  const handlers: AuthorizerHandler[] = containers.map((deps) => createHandler(deps));
  const seen = containers.map(() => new Set<number>());
  const revokedAt = new Map<number, number>();
  // Token revocations and log-outs in time order; a throttled write is tried again a second later.
  const events: { at: number; token?: number; user?: number }[] = [
    ...workload.revocations,
    ...workload.logouts,
  ].sort((left, right) => left.at - right.at);
  let nextEvent = 0;
  let allows = 0;
  let denies = 0;
  let failedClosed = 0;
  let allowsOfRevoked = 0;
  let maxDelayMs = 0;
  let allowsAfterBound = 0;
  const requests = workload.requestAt.length;
  for (let request = 0; request < requests; request += 1) {
    const at = workload.requestAt[request] ?? 0;
    while (nextEvent < events.length && (events[nextEvent]?.at ?? Infinity) <= at) {
      const event = events[nextEvent];
      nextEvent += 1;
      if (!event) continue;
      clock = start + event.at;
      try {
        if (event.token !== undefined) await revoke(event.token);
        else await logout(event.user ?? 0);
      } catch (error) {
        if (!(error instanceof ThrottledError)) throw error;
        const retry = { ...event, at: event.at + 1000 };
        const position = events.findIndex(
          (later, index) => index >= nextEvent && later.at > retry.at,
        );
        events.splice(position < 0 ? events.length : position, 0, retry);
        continue;
      }
      for (const token of event.token !== undefined
        ? [event.token]
        : (workload.tokensOfUser[event.user ?? 0] ?? [])) {
        if (!revokedAt.has(token)) revokedAt.set(token, event.at);
      }
    }
    clock = start + at;
    const token = workload.requestToken[request] ?? 0;
    const container = workload.requestContainer[request] ?? 0;
    seen[container]?.add(token);
    let response;
    try {
      response = await (handlers[container] as AuthorizerHandler)({
        type: 'TOKEN',
        authorizationToken: `Bearer ${workload.tokens[token]}`,
        methodArn: METHOD_ARN,
      });
    } catch {
      failedClosed += 1;
      continue;
    }
    const allowed =
      'policyDocument' in response && response.policyDocument.Statement[0].Effect === 'Allow';
    if (!allowed) {
      denies += 1;
      continue;
    }
    allows += 1;
    const revokedTime = revokedAt.get(token);
    if (revokedTime !== undefined) {
      allowsOfRevoked += 1;
      const delay = at - revokedTime;
      maxDelayMs = Math.max(maxDelayMs, delay);
      if (delay > strategy.boundMs) allowsAfterBound += 1;
    }
  }
  const counted = containers
    .map((deps) => deps.revocations.counters)
    .reduce(
      (sum, counters) => ({
        keyReads: sum.keyReads + counters.keyReads,
        generationReads: sum.generationReads + counters.generationReads,
      }),
      { keyReads: 0, generationReads: 0 },
    );
  const modelled = reads();
  if (
    !options.dynamoDb &&
    (modelled.keyReads !== counted.keyReads || modelled.generationReads !== counted.generationReads)
  ) {
    throw new Error('store and checker disagree on the number of reads');
  }
  const durationSeconds = ((workload.requestAt[requests - 1] ?? 0) + 1) / 1000;
  const pollSeconds = Number(strategy.env.GENERATION_POLL_SECONDS);
  return {
    strategy: strategy.name,
    requests,
    allows,
    denies,
    storeReads: counted.keyReads + counted.generationReads,
    keyReads: counted.keyReads,
    generationReads: counted.generationReads,
    readsPerRequest: (counted.keyReads + counted.generationReads) / requests,
    revocations: workload.revocations.length,
    allowsOfRevoked,
    maxDelayMs,
    boundMs: strategy.boundMs,
    allowsAfterBound,
    firstSights: seen.reduce((sum, tokens) => sum + tokens.size, 0),
    pollIntervals:
      pollSeconds > 0 ? options.containers * Math.ceil(durationSeconds / pollSeconds) : 0,
    containers: options.containers,
    logouts: workload.logouts.length,
    failedClosed,
    throttledReads: capacity?.throttledReads ?? 0,
    throttledWrites: capacity?.throttledWrites ?? 0,
    peakPartitionReadUnitsPerSecond: capacity?.peakReadUnitsPerSecond ?? 0,
    peakPartitionWriteUnitsPerSecond: capacity?.peakWriteUnitsPerSecond ?? 0,
    readUnitsBySecond: capacity?.readUnitsBySecond ?? [],
    busiestReadUnitsBySecond: capacity?.busiestReadUnitsBySecond ?? [],
    wallSeconds: (performance.now() - wallStart) / 1000,
  };
}
