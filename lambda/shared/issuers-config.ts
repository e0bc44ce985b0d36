/**
 * The trusted issuers and each one's rules, read from `JWT_ISSUER` (+ `JWT_AUDIENCE`,
 * `JWKS_URI`) or from `JWT_ISSUERS` (a JSON array). An entry's own `audienceClaim`,
 * `requiredTyp`, `algorithms` and `tokenUse` override the global settings, which stay the
 * defaults. Problems are collected, each naming its setting (and entry).
 */
import { ENV } from './settings';
import {
  AUDIENCE_CLAIMS,
  defaultTokenUse,
  issuerRuleProblems,
  SUPPORTED_ALGORITHMS,
  TOKEN_USES,
  type Algorithm,
  type AudienceClaim,
  type TokenUse,
} from './issuer-rules';

export interface IssuerConfig {
  /** Exact value of the `iss` claim. */
  readonly issuer: string;
  /** Accepted audiences: the token must name at least one. */
  readonly audience: readonly string[];
  /** Where the issuer publishes its keys. */
  readonly jwksUri: string;
  /** Claim holding the audience: `aud`, or `client_id` for Cognito access tokens. */
  readonly audienceClaim: AudienceClaim;
  /** Signature algorithms accepted from this issuer. */
  readonly algorithms: readonly Algorithm[];
  /** Required `typ` header (compared case-insensitively, `application/` prefix optional). */
  readonly requiredTyp: string | undefined;
  /** Required `token_use` (Cognito issuers only; `access` unless the entry says `id`). */
  readonly tokenUse: TokenUse | undefined;
}

/** The global settings: every issuer's rules unless its entry sets its own. */
export interface IssuerDefaults {
  readonly audienceClaim: AudienceClaim;
  readonly algorithms: readonly Algorithm[];
  readonly requiredTyp: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const ENTRY_FIELDS = [
  'issuer',
  'audience',
  'jwksUri',
  'audienceClaim',
  'requiredTyp',
  'algorithms',
  'tokenUse',
] as const;

/** The issuers: either `JWT_ISSUER` (+ `JWT_AUDIENCE`, `JWKS_URI`) or `JWT_ISSUERS` as JSON. */
export function readIssuers(
  env: Env,
  defaults: IssuerDefaults,
  problems: string[],
  allowHttpHosts: readonly string[] = [],
): IssuerConfig[] {
  const json = env[ENV.issuers]?.trim();
  const single = env[ENV.issuer]?.trim();
  if (json && single) {
    problems.push('JWT_ISSUERS: set either JWT_ISSUERS or JWT_ISSUER, not both');
    return [];
  }
  if (json) return parseIssuersJson(json, defaults, problems, allowHttpHosts);
  if (!single) {
    problems.push('JWT_ISSUER: is required (or JWT_ISSUERS for several issuers)');
    return [];
  }
  const audience = splitList(env[ENV.audience] ?? '');
  if (audience.length === 0) problems.push('JWT_AUDIENCE: is required');
  const jwksUri = env[ENV.jwksUri]?.trim();
  const location = checkLocation(ENV.issuer, single, jwksUri, problems, allowHttpHosts);
  if (!location) return [];
  const ruleProblems = issuerRuleProblems(
    { issuer: single, audienceClaim: defaults.audienceClaim, tokenUse: undefined },
    { audienceClaim: ENV.audienceClaim, tokenUse: 'tokenUse (in JWT_ISSUERS)' },
  );
  problems.push(...ruleProblems.map((problem) => `${ENV.issuer}: ${problem}`));
  return [
    {
      issuer: single,
      audience,
      jwksUri: location,
      ...defaults,
      tokenUse: defaultTokenUse(single),
    },
  ];
}

function parseIssuersJson(
  json: string,
  defaults: IssuerDefaults,
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
    problems.push(
      `JWT_ISSUERS: must be a non-empty JSON array of {issuer, audience, jwksUri?, audienceClaim?, requiredTyp?, algorithms?, tokenUse?}`,
    );
    return [];
  }
  const issuers: IssuerConfig[] = [];
  parsed.forEach((entry: unknown, index) => {
    const name = `JWT_ISSUERS[${index}]`;
    const checked = parseEntry(name, entry, defaults, problems, allowHttpHosts);
    if (checked) issuers.push(checked);
  });
  const seen = new Set<string>();
  for (const { issuer } of issuers) {
    if (seen.has(issuer)) problems.push(`JWT_ISSUERS: issuer ${issuer} is listed twice`);
    seen.add(issuer);
  }
  return issuers;
}

/** One `JWT_ISSUERS` entry; `undefined` (with its problems noted) when it is not usable. */
function parseEntry(
  name: string,
  entry: unknown,
  defaults: IssuerDefaults,
  problems: string[],
  allowHttpHosts: readonly string[],
): IssuerConfig | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push(`${name}: must be an object`);
    return undefined;
  }
  const fields = entry as Record<string, unknown>;
  const before = problems.length;
  // A misspelt field would otherwise be ignored, and with it a check the operator asked for.
  for (const field of Object.keys(fields)) {
    if (!(ENTRY_FIELDS as readonly string[]).includes(field)) {
      problems.push(`${name}: unknown field "${field}" (fields: ${ENTRY_FIELDS.join(', ')})`);
    }
  }
  const { issuer, audience, jwksUri, audienceClaim, requiredTyp, algorithms, tokenUse } = fields;
  const audiences =
    typeof audience === 'string' ? [audience] : Array.isArray(audience) ? audience : [];
  if (typeof issuer !== 'string' || !issuer) {
    problems.push(`${name}.issuer: must be a non-empty string`);
  }
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || !a)) {
    problems.push(`${name}.audience: must be a non-empty string or array of strings`);
  }
  if (jwksUri !== undefined && typeof jwksUri !== 'string') {
    problems.push(`${name}.jwksUri: must be a string`);
  }
  if (audienceClaim !== undefined && !isOneOf(audienceClaim, AUDIENCE_CLAIMS)) {
    problems.push(`${name}.audienceClaim: must be one of ${AUDIENCE_CLAIMS.join(', ')}`);
  }
  if (requiredTyp !== undefined && (typeof requiredTyp !== 'string' || !requiredTyp.trim())) {
    problems.push(`${name}.requiredTyp: must be a non-empty string`);
  }
  if (
    algorithms !== undefined &&
    !(
      Array.isArray(algorithms) &&
      algorithms.length > 0 &&
      algorithms.every((algorithm) => isOneOf(algorithm, SUPPORTED_ALGORITHMS))
    )
  ) {
    problems.push(
      `${name}.algorithms: must be a non-empty array of ${SUPPORTED_ALGORITHMS.join(', ')}`,
    );
  }
  if (tokenUse !== undefined && !isOneOf(tokenUse, TOKEN_USES)) {
    problems.push(`${name}.tokenUse: must be one of ${TOKEN_USES.join(', ')}`);
  }
  if (problems.length > before || typeof issuer !== 'string') return undefined;

  const uri = jwksUri as string | undefined;
  const location = checkLocation(name, issuer, uri, problems, allowHttpHosts);
  if (!location) return undefined;
  const rules = {
    audienceClaim: (audienceClaim as AudienceClaim | undefined) ?? defaults.audienceClaim,
    algorithms: (algorithms as Algorithm[] | undefined) ?? defaults.algorithms,
    requiredTyp: (requiredTyp as string | undefined)?.trim() ?? defaults.requiredTyp,
    tokenUse: tokenUse as TokenUse | undefined,
  };
  const ruleProblems = issuerRuleProblems({ issuer, ...rules });
  problems.push(...ruleProblems.map((problem) => `${name}: ${problem}`));
  if (ruleProblems.length > 0) return undefined;
  return {
    issuer,
    audience: audiences as string[],
    jwksUri: location,
    ...rules,
    tokenUse: rules.tokenUse ?? defaultTokenUse(issuer),
  };
}

/** The issuer must be a URL; returns its JWKS URI, checked, or `undefined` with a problem. */
function checkLocation(
  name: string,
  issuer: string,
  jwksUri: string | undefined,
  problems: string[],
  allowHttpHosts: readonly string[],
): string | undefined {
  if (!parseUrl(issuer)) {
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
  return resolvedJwksUri;
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
export function readAllowHttpHosts(hosts: readonly string[], problems: string[]): string[] {
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

function isOneOf<T extends string>(value: unknown, choices: readonly T[]): value is T {
  return typeof value === 'string' && (choices as readonly string[]).includes(value);
}

export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
