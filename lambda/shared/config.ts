/**
 * The authorizer's settings, read once at cold start from environment variables into a frozen,
 * typed object. Every problem is collected and reported together, each naming its variable, so
 * a bad deployment fails its cold start with one clear message instead of answering wrongly.
 *
 * The variables' names (and the whole-number settings' defaults and ranges) are in
 * `settings.ts`, shared with the CDK construct; the README's settings table lists every one.
 */
import { parseContextClaims, type ContextClaim } from './context-claims';
import { ConfigurationError } from './errors';
import { parseRouteScopes, type RouteScopes } from './route-scopes';
import { AUDIENCE_CLAIMS, SUPPORTED_ALGORITHMS, type Algorithm } from './issuer-rules';
import { readAllowHttpHosts, readIssuers, splitList, type IssuerConfig } from './issuers-config';
import { ENV, INTEGER_SETTINGS as INT, type IntegerSetting } from './settings';

export { SUPPORTED_ALGORITHMS, type Algorithm } from './issuer-rules';
export type { IssuerConfig } from './issuers-config';

export type HttpApiResponseMode = 'simple' | 'iam';

export interface AuthorizerConfig {
  /** The trusted issuers, each with its own rules (the three settings below by default). */
  readonly issuers: readonly IssuerConfig[];
  /** Default claim holding the audience: `aud`, or `client_id` for Cognito access tokens. */
  readonly audienceClaim: 'aud' | 'client_id';
  /** Default signature algorithms accepted. */
  readonly algorithms: readonly Algorithm[];
  /** Default required `typ` header (case-insensitive, `application/` prefix optional). */
  readonly requiredTyp: string | undefined;
  readonly clockSkewSeconds: number;
  readonly maxTokenBytes: number;
  /** Claim that names the token for revocation. */
  readonly jtiClaim: string;
  /** Accept tokens without the `jtiClaim`; they stay revocable per subject only. */
  readonly allowTokensWithoutJti: boolean;
  readonly revocationTableName: string;
  /** Longest a "not revoked" answer is reused by this container. */
  readonly notRevokedTtlSeconds: number;
  /** How often a warm container re-reads the revocation generation; 0 turns it off. */
  readonly generationPollSeconds: number;
  /** How long the revocation endpoint keeps a "log out everywhere" record. */
  readonly subjectRevocationRetentionSeconds: number;
  /**
   * `POST /revoke` revokes only tokens issued to the calling client (RFC 7009 section 2.1);
   * `false` for single-client deployments.
   */
  readonly revokeRequireSameClient: boolean;
  /** Further claims an Allow passes to the integration, each under its context key. */
  readonly contextClaims: readonly ContextClaim[];
  readonly cacheMaxEntries: number;
  /** Overall deadline of one revocation lookup, retries included. */
  readonly storeTimeoutMs: number;
  readonly storeConnectTimeoutMs: number;
  readonly storeMaxAttempts: number;
  readonly jwksTimeoutMs: number;
  readonly jwksCooldownSeconds: number;
  /** A JWKS older than this is read again, so withdrawn keys stop being trusted. */
  readonly jwksMaxAgeSeconds: number;
  /** Verified tokens remembered by their exact string (0: verify every time). */
  readonly verifiedTokenCacheEntries: number;
  readonly httpApiResponseMode: HttpApiResponseMode;
  /** Scopes required per route (`ROUTE_SCOPES`); a route not listed requires none. */
  readonly routeScopes: RouteScopes;
  /** Metrics are published at most this often (0: every invocation). */
  readonly metricsFlushSeconds: number;
  /**
   * Deadline of the cold start's prefetch (issuer keys, DynamoDB connection, generation record)
   * in the init phase; 0 turns it off.
   */
  readonly initPrefetchTimeoutMs: number;
  /** `AWS_REGION`; the SDK needs one. */
  readonly region: string;
  /** `AWS_ENDPOINT_URL_DYNAMODB`, for a local DynamoDB. */
  readonly dynamoDbEndpoint: string | undefined;
  /**
   * `JWKS_ALLOW_HTTP_HOSTS`: development hosts (lower case) whose JWKS may be fetched over plain
   * HTTP, besides loopback. Empty unless set.
   */
  readonly jwksAllowHttpHosts: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the settings; throws one {@link ConfigurationError} listing every problem. */
export function loadConfig(env: Env = process.env): AuthorizerConfig {
  const problems: string[] = [];
  const read = new SettingReader(env, problems);

  const jwksAllowHttpHosts = readAllowHttpHosts(read.list(ENV.jwksAllowHttpHosts, ''), problems);
  const audienceClaim = read.oneOf(ENV.audienceClaim, AUDIENCE_CLAIMS, 'aud');
  const algorithms = read.list(ENV.algorithms, SUPPORTED_ALGORITHMS.join(','));
  for (const algorithm of algorithms) {
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(algorithm)) {
      problems.push(
        `JWT_ALGORITHMS: "${algorithm}" is not supported (use ${SUPPORTED_ALGORITHMS.join(', ')})`,
      );
    }
  }
  if (algorithms.length === 0) problems.push('JWT_ALGORITHMS: must name at least one algorithm');
  const defaults = {
    audienceClaim,
    algorithms: algorithms as Algorithm[],
    requiredTyp: read.optional(ENV.requiredTyp),
  };
  // The issuers' problems come first, as the issuers come first in the settings table.
  const issuerProblems: string[] = [];
  const issuers = readIssuers(env, defaults, issuerProblems, jwksAllowHttpHosts);
  problems.unshift(...issuerProblems);

  const config: AuthorizerConfig = {
    issuers,
    ...defaults,
    clockSkewSeconds: read.integer(INT.clockSkewSeconds),
    maxTokenBytes: read.integer(INT.maxTokenBytes),
    jtiClaim: read.optional(ENV.jtiClaim) ?? 'jti',
    allowTokensWithoutJti: read.boolean(ENV.allowTokensWithoutJti, false),
    revocationTableName: read.required(ENV.revocationTableName),
    notRevokedTtlSeconds: read.integer(INT.notRevokedTtlSeconds),
    generationPollSeconds: read.integer(INT.generationPollSeconds),
    subjectRevocationRetentionSeconds: read.integer(INT.subjectRevocationRetentionSeconds),
    revokeRequireSameClient: read.boolean(ENV.revokeRequireSameClient, true),
    contextClaims: read.contextClaims(ENV.contextClaims),
    cacheMaxEntries: read.integer(INT.cacheMaxEntries),
    storeTimeoutMs: read.integer(INT.storeTimeoutMs),
    storeConnectTimeoutMs: read.integer(INT.storeConnectTimeoutMs),
    storeMaxAttempts: read.integer(INT.storeMaxAttempts),
    jwksTimeoutMs: read.integer(INT.jwksTimeoutMs),
    jwksCooldownSeconds: read.integer(INT.jwksCooldownSeconds),
    jwksMaxAgeSeconds: read.integer(INT.jwksMaxAgeSeconds),
    verifiedTokenCacheEntries: read.integer(INT.verifiedTokenCacheEntries),
    httpApiResponseMode: read.oneOf(ENV.httpApiResponseMode, ['simple', 'iam'] as const, 'simple'),
    routeScopes: parseRouteScopes(
      read.optional(ENV.routeScopes) ?? '{}',
      ENV.routeScopes,
      problems,
    ),
    metricsFlushSeconds: read.integer(INT.metricsFlushSeconds),
    initPrefetchTimeoutMs: read.integer(INT.initPrefetchTimeoutMs),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '',
    dynamoDbEndpoint: read.optional(ENV.dynamoDbEndpoint),
    jwksAllowHttpHosts,
  };
  if (!config.region) {
    if (config.dynamoDbEndpoint) {
      // A local DynamoDB ignores the region, but the SDK still wants one.
      (config as { region: string }).region = 'us-east-1';
    } else {
      problems.push('AWS_REGION: is required');
    }
  }
  if (config.storeConnectTimeoutMs > config.storeTimeoutMs) {
    problems.push('STORE_CONNECT_TIMEOUT_MS: must not exceed STORE_TIMEOUT_MS');
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return deepFreeze(config);
}

class SettingReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) this.problems.push(`${name}: is required`);
    return value ?? '';
  }

  integer({ env: name, default: fallback, min, max }: IntegerSetting): number {
    const text = this.optional(name);
    if (text === undefined) return fallback;
    if (!/^-?\d+$/.test(text)) {
      this.problems.push(`${name}: "${text}" is not a whole number`);
      return fallback;
    }
    const value = Number(text);
    if (value < min || value > max) {
      this.problems.push(`${name}: ${value} is outside ${min}..${max}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const text = this.optional(name);
    if (text === undefined) return fallback;
    if (!(choices as readonly string[]).includes(text)) {
      this.problems.push(`${name}: "${text}" is not one of ${choices.join(', ')}`);
      return fallback;
    }
    return text as T;
  }

  boolean(name: string, fallback: boolean): boolean {
    const text = this.optional(name)?.toLowerCase();
    if (text === undefined) return fallback;
    if (text === 'true') return true;
    if (text === 'false') return false;
    this.problems.push(`${name}: "${text}" is not true or false`);
    return fallback;
  }

  contextClaims(name: string): ContextClaim[] {
    const { claims, problems } = parseContextClaims(this.list(name, ''));
    this.problems.push(...problems.map((problem) => `${name}: ${problem}`));
    return claims;
  }

  list(name: string, fallback: string): string[] {
    return splitList(this.optional(name) ?? fallback);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
