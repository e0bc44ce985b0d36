/**
 * Per-route scopes (`ROUTE_SCOPES`): the OAuth scopes a route requires, as API Gateway's JWT and
 * Cognito authorizers let a route require them. A token passes a route when it carries at least
 * one of the route's scopes; a route not listed requires none.
 *
 * This file holds the setting's grammar and its checks (the settings loader and the construct
 * use the same ones), the scopes a token carries, the IAM resource patterns that refuse a token
 * on the routes whose scopes it lacks, and the size model that keeps a policy answer under API
 * Gateway's limit. No imports: the construct reads this file without loading runtime code.
 */

/** Route key (`GET /orders/{id}`, `$default`) -> the scopes it accepts (at least one). */
export type RouteScopes = Readonly<Record<string, readonly string[]>>;

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'];

/** The HTTP API route that catches requests no other route matches. */
const DEFAULT_ROUTE = '$default';

// A literal path segment: what API Gateway takes in a resource path, less IAM's wildcards.
const LITERAL_SEGMENT = /^[A-Za-z0-9._~:@!$&'()+,;=-]+$/;
const PARAMETER_SEGMENT = /^\{[A-Za-z0-9._-]+\}$/;
const GREEDY_SEGMENT = /^\{[A-Za-z0-9._-]+\+\}$/;
// RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Why `routeKey` is not a route key as API Gateway writes one (`METHOD /path`, with `{param}`,
 * a final `{proxy+}` and `ANY`, or `$default`); undefined when it is one.
 */
export function routeKeyProblem(routeKey: string): string | undefined {
  if (routeKey === DEFAULT_ROUTE) return undefined;
  const match = /^([A-Z]+) (\/.*)$/.exec(routeKey);
  if (!match) return 'is not "METHOD /path" (one space, upper-case method) or "$default"';
  const [, method = '', path = ''] = match;
  if (!HTTP_METHODS.includes(method)) {
    return `has the method ${method}, not one of ${HTTP_METHODS.join(', ')}`;
  }
  if (path === '/') return undefined;
  const segments = path.slice(1).split('/');
  for (const [index, segment] of segments.entries()) {
    if (segment === '') return 'has an empty path segment or a trailing slash';
    if (GREEDY_SEGMENT.test(segment)) {
      if (index !== segments.length - 1) return 'has a greedy {name+} before its last segment';
    } else if (!PARAMETER_SEGMENT.test(segment) && !LITERAL_SEGMENT.test(segment)) {
      return `has the path segment "${segment}", which is neither a literal nor {name}`;
    }
  }
  return undefined;
}

/** Why `scope` cannot be a required scope (RFC 6749 scope-token); undefined when it can. */
export function scopeProblem(scope: unknown): string | undefined {
  if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
    return `${JSON.stringify(scope) ?? String(scope)} is not a scope (printable ASCII, no space, quote or backslash)`;
  }
  return undefined;
}

/**
 * Every problem of a route-scope table, each starting with `name` (the variable or the prop):
 * malformed routes and scopes, and routes whose refusal would not fit API Gateway's limits.
 */
export function routeScopesProblems(routeScopes: RouteScopes, name: string): string[] {
  const problems: string[] = [];
  for (const [routeKey, scopes] of Object.entries(routeScopes)) {
    const routeProblem = routeKeyProblem(routeKey);
    if (routeProblem) {
      problems.push(`${name}: route "${routeKey}" ${routeProblem}`);
      continue;
    }
    if (!Array.isArray(scopes) || scopes.length === 0) {
      problems.push(`${name}: route "${routeKey}" needs a non-empty list of scopes`);
      continue;
    }
    for (const scope of scopes as unknown[]) {
      const problem = scopeProblem(scope);
      if (problem) problems.push(`${name}: route "${routeKey}": ${problem}`);
    }
    const longest = Math.max(...routeResourcePatterns(routeKey).map((pattern) => pattern.length));
    if (MAX_API_ARN_PREFIX_CHARS + longest > MAX_RESOURCE_ARN_CHARS) {
      problems.push(
        `${name}: route "${routeKey}" is too long for a resource of the authorizer's policy (API Gateway takes ${MAX_RESOURCE_ARN_CHARS} characters)`,
      );
    }
  }
  if (problems.length === 0) {
    const overBy = worstCasePolicyBytes(routeScopes) - POLICY_BUDGET_BYTES;
    if (overBy > 0) {
      problems.push(
        `${name}: a token lacking every scope would be refused ${worstCaseDenyCount(routeScopes)} route patterns, ${overBy} bytes more than API Gateway's ${RESPONSE_LIMIT_BYTES}-byte authorizer response leaves for them; scope fewer routes (one {proxy+} route can cover a subtree)`,
      );
    }
  }
  return problems;
}

/**
 * Parses the setting's JSON (an object of route key -> list of scopes), with every problem
 * collected into `problems` (each naming `name`). A bad setting gives an empty table.
 */
export function parseRouteScopes(json: string, name: string, problems: string[]): RouteScopes {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    problems.push(`${name}: is not valid JSON`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`${name}: must be a JSON object of "METHOD /path" -> ["scope", ...]`);
    return {};
  }
  const table = parsed as Record<string, readonly string[]>;
  const found = routeScopesProblems(table, name);
  if (found.length > 0) {
    problems.push(...found);
    return {};
  }
  return Object.fromEntries(Object.entries(table).map(([key, scopes]) => [key, [...scopes]]));
}

/**
 * The scopes a token carries: its `scope` claim, else its `scp` claim (the context passes the
 * same one), each a space-separated string or a list of strings. Only U+0020 separates scopes
 * (RFC 6749 section 3.3, as API Gateway reads them): a scope holding another white-space
 * character is one scope, never two.
 */
export function tokenScopes(claims: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const value = claims.scope ?? claims.scp;
  const list: unknown[] =
    typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
  return new Set(list.filter((scope): scope is string => typeof scope === 'string' && !!scope));
}

/** Whether a token with `scopes` is refused on `routeKey` (a route not listed requires none). */
export function lacksRouteScopes(
  routeScopes: RouteScopes,
  routeKey: string,
  scopes: ReadonlySet<string>,
): boolean {
  if (!Object.hasOwn(routeScopes, routeKey)) return false;
  const required = routeScopes[routeKey] ?? [];
  return !required.some((scope) => scopes.has(scope));
}

/**
 * The IAM resource patterns of a route's requests, written after the API's own ARN prefix
 * (`arn:aws:execute-api:region:account:apiId/`), so they depend on the route only:
 * - the stage is `*` (any stage of the API), which keeps every pattern short and its size known
 *   at cold start (a stage name may have 128 characters);
 * - `{param}` and `{proxy+}` are `*`;
 * - `ANY` is each of the seven methods API Gateway serves, not `*`: IAM's `*` matches `/` too,
 *   so `*` for the method would also match every deeper path that ends like the route's;
 * - a route ending in a literal segment also covers the same path with a trailing slash;
 * - `$default` is the whole API: IAM cannot say "requests no other route matches".
 * A `*` also spans `/`, so a parameter's pattern covers deeper paths (`GET /a/{id}` covers
 * `GET /a/1/b`): a refusal may reach further than its route, an allow never does.
 */
export function routeResourcePatterns(routeKey: string): string[] {
  if (routeKey === DEFAULT_ROUTE) return ['*'];
  const space = routeKey.indexOf(' ');
  const method = routeKey.slice(0, space);
  const path = routeKey.slice(space + 1);
  const segments =
    path === '/'
      ? []
      : path
          .slice(1)
          .split('/')
          .map((part) => (part.startsWith('{') ? '*' : part));
  const last = segments[segments.length - 1];
  const trailingSlash = last !== undefined && last !== '*';
  return (method === 'ANY' ? ANY_METHODS : [method]).flatMap((verb) => {
    const pattern = `*/${verb}/${segments.join('/')}`;
    return trailingSlash ? [pattern, `${pattern}/`] : [pattern];
  });
}

/** The methods `ANY` stands for. */
const ANY_METHODS = HTTP_METHODS.filter((method) => method !== 'ANY');

/** The patterns (relative to the API's ARN prefix) that refuse a token with `scopes`. */
export function refusedPatterns(routeScopes: RouteScopes, scopes: ReadonlySet<string>): string[] {
  const patterns: string[] = [];
  for (const routeKey of Object.keys(routeScopes)) {
    if (lacksRouteScopes(routeScopes, routeKey, scopes)) {
      patterns.push(...routeResourcePatterns(routeKey));
    }
  }
  return patterns;
}

/** Whether an IAM resource pattern (`*` any run of characters, `?` one) matches `arn`. */
export function resourceMatches(pattern: string, arn: string): boolean {
  return new RegExp(`^${globSource(pattern)}$`, 's').test(arn);
}

/** An IAM resource pattern as the source of a regular expression (`*`: `.*`, `?`: `.`). */
export function globSource(pattern: string): string {
  return pattern
    .split('')
    .map((char) =>
      char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'),
    )
    .join('');
}

// Size model. API Gateway documents "Lambda authorizer result size: 8 KB" (in its WebSocket API
// quotas; the REST and HTTP API tables give no figure, so the project holds every answer to it)
// and "the Resource ARN, as shown in the policy statement output by the authorizer, is currently
// limited to 512 characters". docs/route-scopes.md cites both.

/** Largest authorizer answer, in bytes of JSON. */
export const RESPONSE_LIMIT_BYTES = 8192;
/** Longest resource of a policy statement, in characters. */
export const MAX_RESOURCE_ARN_CHARS = 512;
/**
 * Longest `arn:<partition>:execute-api:<region>:<account>:<apiId>/`: partitions and regions are
 * at most 10 and 14 characters today, allowed 16 and 24; accounts are 12 digits, API ids 10.
 */
export const MAX_API_ARN_PREFIX_CHARS = 'arn::execute-api:::/'.length + 16 + 24 + 12 + 10;
/** The principal id (the token's `sub`) the model allows for. */
export const PRINCIPAL_ID_ALLOWANCE_BYTES = 256;
/** Room the context keeps in every answer, whatever the refused routes take. */
export const MIN_CONTEXT_BYTES = 2048;
/** What a policy answer's principal id and policy may take, beside the context. */
const POLICY_BUDGET_BYTES = RESPONSE_LIMIT_BYTES - MIN_CONTEXT_BYTES;

/** One statement of the policies the authorizer answers. */
export interface PolicyStatement {
  readonly Action: 'execute-api:Invoke';
  readonly Effect: 'Allow' | 'Deny';
  readonly Resource: string | readonly string[];
}

/** Allow on the whole stage, then one Deny listing the refused resources, if any. */
export function policyStatements(
  stageWide: string,
  refused: readonly string[],
): [PolicyStatement, ...PolicyStatement[]] {
  const statements: [PolicyStatement, ...PolicyStatement[]] = [
    { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWide },
  ];
  if (refused.length > 0) {
    statements.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: refused });
  }
  return statements;
}

function worstCaseDenyCount(routeScopes: RouteScopes): number {
  return refusedPatterns(routeScopes, new Set()).length;
}

/**
 * The bytes of a policy answer with an empty context, at worst: the longest ARN prefix, the
 * allowed principal id, and every route refused (a token with no scope at all).
 */
export function worstCasePolicyBytes(routeScopes: RouteScopes): number {
  const prefix = 'a'.repeat(MAX_API_ARN_PREFIX_CHARS);
  const refused = refusedPatterns(routeScopes, new Set()).map((pattern) => prefix + pattern);
  const answer = {
    principalId: 'p'.repeat(PRINCIPAL_ID_ALLOWANCE_BYTES),
    policyDocument: {
      Version: '2012-10-17',
      Statement: policyStatements(`${prefix}${'s'.repeat(128)}/*`, refused),
    },
    context: {},
  };
  return Buffer.byteLength(JSON.stringify(answer), 'utf8');
}
