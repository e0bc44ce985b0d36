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
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createHandler,
  createProductionDeps,
  type AuthorizerHandler,
} from '../lambda/request/authorizer';
import { loadConfig } from '../lambda/shared/config';
import { DynamoDbRevocationStore, type RevocationStore } from '../lambda/revocations/table';
import { writeTokenRevocation } from '../lambda/revocations/table';
import { ensureRevocationTable } from '../lambda/revocations/table';
import { MemoryRevocationStore } from '../lambda/revocations/table';
import { generateSigningKeyPair, publicJwk, signCompactJws } from '../local/jwt-signing';

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
  readonly wallSeconds: number;
}

interface Strategy {
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

const ISSUER = 'https://issuer.simulation.example';
const AUDIENCE = 'simulated-api';
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:sim/prod/GET/orders';

/** A small, seeded PRNG (mulberry32): the same workload for every strategy. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function zipfSampler(size: number, exponent: number, random: () => number): () => number {
  const cdf = new Float64Array(size);
  let total = 0;
  for (let rank = 0; rank < size; rank += 1) {
    total += 1 / Math.pow(rank + 1, exponent);
    cdf[rank] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((cdf[mid] ?? 0) < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

interface Workload {
  readonly tokens: string[];
  readonly jtis: string[];
  /** Per request: token index and container index. */
  readonly requestToken: Uint32Array;
  readonly requestContainer: Uint16Array;
  /** Revocations in time order: virtual ms and token index. */
  readonly revocations: { at: number; token: number }[];
  readonly exp: number;
  /** The public key that signed the tokens, as the issuer publishes it. */
  readonly jwk: Record<string, string>;
}

function makeWorkload(options: SimulationOptions, start: number): Workload {
  const random = prng(options.seed);
  const zipf = zipfSampler(options.tokens, options.zipfExponent, random);
  const { privateKey } = generateSigningKeyPair('RS256');
  const exp = Math.floor(start / 1000) + 7 * 86400;
  const header = { alg: 'RS256', kid: 'sim', typ: 'JWT' };
  const jtis: string[] = [];
  const tokens: string[] = [];
  for (let index = 0; index < options.tokens; index += 1) {
    const jti = `sim-${options.seed}-${index}`;
    const payload = {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: `user-${index % options.users}`,
      jti,
      iat: Math.floor(start / 1000) - 60,
      exp,
    };
    tokens.push(signCompactJws('RS256', privateKey, header, payload));
    jtis.push(jti);
  }
  const requestToken = new Uint32Array(options.requests);
  const requestContainer = new Uint16Array(options.requests);
  for (let index = 0; index < options.requests; index += 1) {
    requestToken[index] = zipf();
    requestContainer[index] = Math.floor(random() * options.containers);
  }
  const durationMs = (options.requests * 1000) / options.requestsPerSecond;
  const revoked = new Set<number>();
  const revocations: { at: number; token: number }[] = [];
  for (
    let at = options.revocationEverySeconds * 1000;
    at < durationMs;
    at += options.revocationEverySeconds * 1000
  ) {
    let token = zipf();
    for (let tries = 0; revoked.has(token) && tries < 100; tries += 1) token = zipf();
    if (revoked.has(token)) continue;
    revoked.add(token);
    revocations.push({ at, token });
  }
  const jwk = publicJwk(privateKey, 'sim', 'RS256');
  return { tokens, jtis, requestToken, requestContainer, revocations, exp, jwk };
}

async function jwksServer(jwk: Record<string, string>): Promise<{ uri: string; server: Server }> {
  const jwks = JSON.stringify({ keys: [jwk] });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { uri: `http://127.0.0.1:${port}/jwks.json`, server };
}

export async function simulate(options: SimulationOptions): Promise<StrategyResult[]> {
  const start = Date.UTC(2030, 0, 1);
  const workload = makeWorkload(options, start);
  const jwks = await jwksServer(workload.jwk);
  const results: StrategyResult[] = [];
  try {
    for (const [index, strategy] of STRATEGIES.entries()) {
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
  let reads: () => { keyReads: number; generationReads: number };
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
    reads = () => ({ keyReads: 0, generationReads: 0 });
  } else {
    const memory = new MemoryRevocationStore(now);
    store = memory;
    revoke = (token) => {
      memory.revokeToken(ISSUER, workload.jtis[token] ?? '', workload.exp);
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
  const containers = Array.from({ length: options.containers }, () =>
    createProductionDeps(config, { store, now, telemetry: silent }),
  );
  const handlers: AuthorizerHandler[] = containers.map((deps) => createHandler(deps));
  const seen = containers.map(() => new Set<number>());
  const revokedAt = new Map<number, number>();
  let nextRevocation = 0;
  let allows = 0;
  let denies = 0;
  let allowsOfRevoked = 0;
  let maxDelayMs = 0;
  let allowsAfterBound = 0;
  for (let request = 0; request < options.requests; request += 1) {
    const at = (request * 1000) / options.requestsPerSecond;
    clock = start + at;
    while (
      nextRevocation < workload.revocations.length &&
      (workload.revocations[nextRevocation]?.at ?? Infinity) <= at
    ) {
      const revocation = workload.revocations[nextRevocation];
      nextRevocation += 1;
      if (!revocation) continue;
      clock = start + revocation.at;
      await revoke(revocation.token);
      revokedAt.set(revocation.token, revocation.at);
      clock = start + at;
    }
    const token = workload.requestToken[request] ?? 0;
    const container = workload.requestContainer[request] ?? 0;
    seen[container]?.add(token);
    const response = await (handlers[container] as AuthorizerHandler)({
      type: 'TOKEN',
      authorizationToken: `Bearer ${workload.tokens[token]}`,
      methodArn: METHOD_ARN,
    });
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
  const durationSeconds = options.requests / options.requestsPerSecond;
  const pollSeconds = Number(strategy.env.GENERATION_POLL_SECONDS);
  return {
    strategy: strategy.name,
    requests: options.requests,
    allows,
    denies,
    storeReads: counted.keyReads + counted.generationReads,
    keyReads: counted.keyReads,
    generationReads: counted.generationReads,
    readsPerRequest: (counted.keyReads + counted.generationReads) / options.requests,
    revocations: workload.revocations.length,
    allowsOfRevoked,
    maxDelayMs,
    boundMs: strategy.boundMs,
    allowsAfterBound,
    firstSights: seen.reduce((sum, tokens) => sum + tokens.size, 0),
    pollIntervals:
      pollSeconds > 0 ? options.containers * Math.ceil(durationSeconds / pollSeconds) : 0,
    wallSeconds: (performance.now() - wallStart) / 1000,
  };
}
