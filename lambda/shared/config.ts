/**
 * The authorizer's settings, read once at cold start from environment variables into a frozen,
 * typed object. Every problem is collected and reported together, each naming its variable, so
 * a bad deployment fails its cold start with one clear message instead of answering wrongly.
 *
 * The variables' names (and the whole-number settings' defaults and ranges) are in
 * `settings.ts`, shared with the CDK construct; the README's settings table lists every one.
 */
import { ConfigurationError } from './errors';
import { parseRouteScopes, type RouteScopes } from './route-scopes';
import { ENV, INTEGER_SETTINGS as INT, type IntegerSetting } from './settings';

export const SUPPORTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type Algorithm = (typeof SUPPORTED_ALGORITHMS)[number];

export type HttpApiResponseMode = 'simple' | 'iam';

export interface IssuerConfig {
  /** Exact value of the `iss` claim. */
  readonly issuer: string;
  /** Accepted audiences: the token must name at least one. */
  readonly audience: readonly string[];
  /** Where the issuer publishes its keys. */
  readonly jwksUri: string;
}

export interface AuthorizerConfig {
  readonly issuers: readonly IssuerConfig[];
  /** Claim holding the audience: `aud`, or `client_id` for Cognito access tokens. */
  readonly audienceClaim: 'aud' | 'client_id';
  readonly algorithms: readonly Algorithm[];
  /** Required `typ` header (compared case-insensitively, `application/` prefix optional). */
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
  const issuers = readIssuers(env, problems, jwksAllowHttpHosts);
  const audienceClaim = read.oneOf(ENV.audienceClaim, ['aud', 'client_id'] as const, 'aud');
  const algorithms = read.list(ENV.algorithms, SUPPORTED_ALGORITHMS.join(','));
  for (const algorithm of algorithms) {
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(algorithm)) {
      problems.push(
        `JWT_ALGORITHMS: "${algorithm}" is not supported (use ${SUPPORTED_ALGORITHMS.join(', ')})`,
      );
    }
  }
  if (algorithms.length === 0) problems.push('JWT_ALGORITHMS: must name at least one algorithm');

  const config: AuthorizerConfig = {
    issuers,
    audienceClaim,
    algorithms: algorithms as Algorithm[],
    requiredTyp: read.optional(ENV.requiredTyp),
    clockSkewSeconds: read.integer(INT.clockSkewSeconds),
    maxTokenBytes: read.integer(INT.maxTokenBytes),
    jtiClaim: read.optional(ENV.jtiClaim) ?? 'jti',
    allowTokensWithoutJti: read.boolean(ENV.allowTokensWithoutJti, false),
    revocationTableName: read.required(ENV.revocationTableName),
    notRevokedTtlSeconds: read.integer(INT.notRevokedTtlSeconds),
    generationPollSeconds: read.integer(INT.generationPollSeconds),
    subjectRevocationRetentionSeconds: read.integer(INT.subjectRevocationRetentionSeconds),
    revokeRequireSameClient: read.boolean(ENV.revokeRequireSameClient, true),
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

/** The issuers: either `JWT_ISSUER` (+ `JWT_AUDIENCE`, `JWKS_URI`) or `JWT_ISSUERS` as JSON. */
function readIssuers(
  env: Env,
  problems: string[],
  allowHttpHosts: readonly string[],
): IssuerConfig[] {
  const json = env[ENV.issuers]?.trim();
  const single = env[ENV.issuer]?.trim();
  if (json && single) {
    problems.push('JWT_ISSUERS: set either JWT_ISSUERS or JWT_ISSUER, not both');
    return [];
  }
  if (json) return parseIssuersJson(json, problems, allowHttpHosts);
  if (!single) {
    problems.push('JWT_ISSUER: is required (or JWT_ISSUERS for several issuers)');
    return [];
  }
  const audience = splitList(env[ENV.audience] ?? '');
  if (audience.length === 0) problems.push('JWT_AUDIENCE: is required');
  const jwksUri = env[ENV.jwksUri]?.trim();
  const issuer = checkIssuer(ENV.issuer, single, audience, jwksUri, problems, allowHttpHosts);
  return issuer ? [issuer] : [];
}

function parseIssuersJson(
  json: string,
  problems: string[],
  allowHttpHosts: readonly string[],
): IssuerConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    problems.push('JWT_ISSUERS: is not valid JSON');
    return [];
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    problems.push('JWT_ISSUERS: must be a non-empty JSON array of {issuer, audience, jwksUri?}');
    return [];
  }
  const issuers: IssuerConfig[] = [];
  parsed.forEach((entry: unknown, index) => {
    const name = `JWT_ISSUERS[${index}]`;
    if (typeof entry !== 'object' || entry === null) {
      problems.push(`${name}: must be an object`);
      return;
    }
    const { issuer, audience, jwksUri } = entry as Record<string, unknown>;
    const audiences =
      typeof audience === 'string' ? [audience] : Array.isArray(audience) ? audience : [];
    if (typeof issuer !== 'string' || !issuer) {
      problems.push(`${name}.issuer: must be a non-empty string`);
      return;
    }
    if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || !a)) {
      problems.push(`${name}.audience: must be a non-empty string or array of strings`);
      return;
    }
    if (jwksUri !== undefined && typeof jwksUri !== 'string') {
      problems.push(`${name}.jwksUri: must be a string`);
      return;
    }
    const checked = checkIssuer(
      name,
      issuer,
      audiences as string[],
      jwksUri,
      problems,
      allowHttpHosts,
    );
    if (checked) issuers.push(checked);
  });
  const seen = new Set<string>();
  for (const { issuer } of issuers) {
    if (seen.has(issuer)) problems.push(`JWT_ISSUERS: issuer ${issuer} is listed twice`);
    seen.add(issuer);
  }
  return issuers;
}

function checkIssuer(
  name: string,
  issuer: string,
  audience: readonly string[],
  jwksUri: string | undefined,
  problems: string[],
  allowHttpHosts: readonly string[],
): IssuerConfig | undefined {
  const issuerUrl = parseUrl(issuer);
  if (!issuerUrl) {
    problems.push(`${name}: issuer "${issuer}" is not a URL`);
    return undefined;
  }
  const resolvedJwksUri = jwksUri || defaultJwksUri(issuer);
  const jwksUrl = parseUrl(resolvedJwksUri);
  if (!jwksUrl) {
    problems.push(`${name}: JWKS URI "${resolvedJwksUri}" is not a URL`);
    return undefined;
  }
  if (!isAllowedJwksUrl(jwksUrl, allowHttpHosts)) {
    problems.push(
      `${name}: JWKS URI "${resolvedJwksUri}" must use https (plain http is allowed on loopback${
        allowHttpHosts.length > 0 ? ` and ${ENV.jwksAllowHttpHosts}` : ''
      } only)`,
    );
    return undefined;
  }
  return { issuer, audience, jwksUri: resolvedJwksUri };
}

/** The OIDC convention aws-jwt-verify uses too: `<issuer>/.well-known/jwks.json`. */
export function defaultJwksUri(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/** Loopback hosts: 127.0.0.0/8, ::1 and localhost. Nothing else may be reached over plain HTTP. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * HTTPS anywhere; plain HTTP to loopback, and to the development hosts `JWKS_ALLOW_HTTP_HOSTS`
 * names (lower case, as `URL` gives host names), and nowhere else.
 */
export function isAllowedJwksUrl(url: URL, allowHttpHosts: readonly string[] = []): boolean {
  if (url.protocol === 'https:') return true;
  return (
    url.protocol === 'http:' &&
    (isLoopbackHost(url.hostname) || allowHttpHosts.includes(url.hostname))
  );
}

/** A DNS host name (or an IPv4 address): labels of letters, digits and inner hyphens. */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * `JWKS_ALLOW_HTTP_HOSTS`: bare host names only. A scheme, port, path, wildcard or address
 * range is refused rather than guessed at, so the exception stays exactly as narrow as written.
 */
function readAllowHttpHosts(hosts: readonly string[], problems: string[]): string[] {
  const allowed: string[] = [];
  for (const host of hosts) {
    const lower = host.toLowerCase();
    if (HOST_NAME.test(lower)) allowed.push(lower);
    else {
      problems.push(
        `${ENV.jwksAllowHttpHosts}: "${host}" is not a host name (list bare names such as host.docker.internal: no scheme, port, path or wildcard)`,
      );
    }
  }
  return allowed;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
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
