/**
 * Every setting's environment variable, written once: the settings loader (`config.ts`) reads
 * these names and the CDK construct sets them, so the two cannot drift apart. Whole-number
 * settings carry their default and range here too; the construct derives its own defaults from
 * them. No imports: the construct reads this file without loading runtime code.
 *
 * The README's settings table lists every one of them, with its default.
 */

/** A whole-number setting: its variable, its default and the range it accepts. */
export interface IntegerSetting {
  readonly env: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

export const INTEGER_SETTINGS = {
  clockSkewSeconds: { env: 'JWT_CLOCK_SKEW_SECONDS', default: 5, min: 0, max: 300 },
  maxTokenBytes: { env: 'JWT_MAX_TOKEN_BYTES', default: 8192, min: 256, max: 65536 },
  notRevokedTtlSeconds: { env: 'NOT_REVOKED_TTL_SECONDS', default: 3600, min: 0, max: 86400 },
  generationPollSeconds: { env: 'GENERATION_POLL_SECONDS', default: 1, min: 0, max: 3600 },
  subjectRevocationRetentionSeconds: {
    env: 'SUBJECT_REVOCATION_RETENTION_SECONDS',
    default: 30 * 86400,
    min: 3600,
    max: 366 * 86400,
  },
  cacheMaxEntries: { env: 'CACHE_MAX_ENTRIES', default: 100_000, min: 1, max: 10_000_000 },
  storeTimeoutMs: { env: 'STORE_TIMEOUT_MS', default: 1000, min: 50, max: 30_000 },
  storeConnectTimeoutMs: { env: 'STORE_CONNECT_TIMEOUT_MS', default: 300, min: 10, max: 30_000 },
  storeMaxAttempts: { env: 'STORE_MAX_ATTEMPTS', default: 3, min: 1, max: 10 },
  jwksTimeoutMs: { env: 'JWKS_TIMEOUT_MS', default: 3000, min: 100, max: 30_000 },
  jwksCooldownSeconds: { env: 'JWKS_COOLDOWN_SECONDS', default: 10, min: 1, max: 3600 },
  jwksMaxAgeSeconds: { env: 'JWKS_MAX_AGE_SECONDS', default: 3600, min: 60, max: 86400 },
  verifiedTokenCacheEntries: {
    env: 'VERIFIED_TOKEN_CACHE_ENTRIES',
    default: 10_000,
    min: 0,
    max: 1_000_000,
  },
  metricsFlushSeconds: { env: 'METRICS_FLUSH_SECONDS', default: 10, min: 0, max: 60 },
  // Lambda gives a function's init phase 10 s; the prefetch must end well inside it.
  initPrefetchTimeoutMs: { env: 'INIT_PREFETCH_TIMEOUT_MS', default: 1500, min: 0, max: 8000 },
} as const satisfies Record<string, IntegerSetting>;

/** The other settings' variables. */
export const ENV = {
  issuer: 'JWT_ISSUER',
  audience: 'JWT_AUDIENCE',
  jwksUri: 'JWKS_URI',
  issuers: 'JWT_ISSUERS',
  audienceClaim: 'JWT_AUDIENCE_CLAIM',
  algorithms: 'JWT_ALGORITHMS',
  requiredTyp: 'JWT_REQUIRED_TYP',
  jtiClaim: 'JTI_CLAIM',
  allowTokensWithoutJti: 'ALLOW_TOKENS_WITHOUT_JTI',
  revokeRequireSameClient: 'REVOKE_REQUIRE_SAME_CLIENT',
  /** Further claims an Allow passes on, `claim` or `claim=key`, comma-separated. */
  contextClaims: 'CONTEXT_CLAIMS',
  revocationTableName: 'REVOCATION_TABLE_NAME',
  httpApiResponseMode: 'HTTP_API_RESPONSE_MODE',
  /** Scopes required per route, as JSON (`route-scopes.ts`). */
  routeScopes: 'ROUTE_SCOPES',
  dynamoDbEndpoint: 'AWS_ENDPOINT_URL_DYNAMODB',
  /**
   * Development only: host names whose JWKS may be fetched over plain HTTP (such as
   * `host.docker.internal` under `sam local invoke`). The construct refuses a value for it.
   */
  jwksAllowHttpHosts: 'JWKS_ALLOW_HTTP_HOSTS',
  /** The `instance` dimension of every metric (set by the construct, one per deployment). */
  metricsInstance: 'METRICS_INSTANCE',
} as const;
