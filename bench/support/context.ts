/**
 * What every scenario of the benchmark is given: its settings, the authorizer as deployed, and
 * the loopback services the driver started (JWKS, DynamoDB Local with the revocation table).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Deployed } from './deployed';
import type { Row } from './statistics';
import type { SigningKey } from './tokens';

export interface Settings {
  readonly quick: boolean;
  readonly timeMs: number;
  /** Rounds the timed comparisons are cut into (after one warm-up round). */
  readonly rounds: number;
  readonly coldStartRuns: number;
  readonly cachedJtis: number;
  readonly concurrentCalls: number;
}

/** `npm run bench -- --quick`: the short form CI runs so the benchmark does not rot. */
export const QUICK: Settings = {
  quick: true,
  timeMs: 600,
  rounds: 6,
  coldStartRuns: 5,
  cachedJtis: 100_000,
  concurrentCalls: 2_000,
};

/** `npm run bench`: the form the figures in docs/performance.md come from. */
export const FULL: Settings = {
  quick: false,
  timeMs: 4_000,
  rounds: 40,
  coldStartRuns: 61,
  cachedJtis: 100_000,
  concurrentCalls: 20_000,
};

export interface BenchContext {
  readonly settings: Settings;
  readonly deployed: Deployed;
  /** The function's environment (issuer, audience, JWKS, table, DynamoDB endpoint). */
  readonly env: Record<string, string>;
  readonly tableName: string;
  readonly jwksUri: string;
  /** The bundle's own DynamoDB client, shared by the handlers and the bare baselines. */
  readonly client: DynamoDBClient;
  /**
   * A client with the SDK's default timeouts, for set-up (the table, revocations): the
   * authorizer's tight per-attempt deadline would make a slow CreateTable retry and collide with
   * itself.
   */
  readonly admin: DynamoDBClient;
  /** RS256 first, then ES256. */
  readonly keys: readonly [SigningKey, ...SigningKey[]];
  /** DynamoDB requests `client` has sent so far. */
  readonly operations: () => number;
}

export interface Scenario {
  /** What `--only` matches against, and what the progress line says. */
  readonly name: string;
  run(context: BenchContext): Promise<Row[]>;
}
