/**
 * Property-based tests (fast-check) of per-route scopes in policy answers, judged against the
 * ARN of a concrete request as API Gateway evaluates an authorizer's policy: IAM's wildcards
 * (`*` matches any run of characters, `/` included), checked against a real IAM policy engine
 * (`@cloud-copilot/iam-simulate`) and local mode's evaluation. Random APIs (routes with `{param}`, `{proxy+}`, `ANY`, `$default`), random scopes per
 * route, random token scopes and random requests, routed by a model of API Gateway's rules (the
 * most specific route; a trailing slash taken as the same route, the worst case for us):
 * - never more permissive than API Gateway's own scope check: a token lacking the scopes of the
 *   route a request is routed to is never allowed;
 * - a policy made for one request and reused from the cache for another is never more
 *   permissive than a fresh answer for it (it is the same policy);
 * - a token is refused on a route whose scopes it has (or that has none) only when another
 *   route it lacks scopes for covers the request through a wildcard: the documented over-deny.
 */
import fc from 'fast-check';
import { validTokenAnswer, type PolicyResponse } from '../../../lambda/request/responses';
import { RouteScopeRules } from '../../../lambda/request/route-scope-rules';
import type { VerifiedToken } from '../../../lambda/request/token-verifier';
import type { RouteScopes } from '../../../lambda/shared/route-scopes';
import { evaluatePolicy } from '../../../local/gateway';
import { IamSimulateEvaluator } from '../../../local/iam/policy-evaluator';

const ACCOUNT = '123456789012';
const API = `arn:aws:execute-api:eu-west-1:${ACCOUNT}:abcdef1234`;
const iam = new IamSimulateEvaluator();

interface Request {
  readonly method: string;
  readonly segments: readonly string[];
  readonly trailingSlash: boolean;
}

const arnOf = (request: Request): string =>
  `${API}/prod/${request.method}/${request.segments.join('/')}${
    request.trailingSlash && request.segments.length > 0 ? '/' : ''
  }`;

const describeRequest = (request: Request): string =>
  `${request.method} /${request.segments.join('/')}${request.trailingSlash ? '/' : ''}`;

function verified(scope: readonly string[]): VerifiedToken {
  const claims = {
    iss: 'https://i',
    sub: 'alice',
    jti: 'j',
    exp: 2_000_000_000,
    scope: scope.join(' '),
  };
  return {
    iss: claims.iss,
    jti: claims.jti,
    sub: claims.sub,
    exp: claims.exp,
    iat: undefined,
    revocationKey: 'k',
    subjectKey: 's',
    claims,
  };
}

function policyFor(routeScopes: RouteScopes, scopes: readonly string[], request: Request) {
  const { response } = validTokenAnswer({
    kind: 'rest-token',
    httpApiResponseMode: 'simple',
    resourceArn: arnOf(request),
    token: verified(scopes),
    routeScopes: new RouteScopeRules(routeScopes),
  });
  return response as PolicyResponse;
}

/** IAM's wildcard match: `*` any run of characters (`/` included), `?` exactly one. */
function globMatches(pattern: string, text: string): boolean {
  // reachable[j]: the pattern read so far can match text[0..j).
  let reachable = [true, ...Array.from({ length: text.length }, () => false)];
  for (const char of pattern) {
    const next = Array.from({ length: text.length + 1 }, () => false);
    for (let j = 0; j <= text.length; j += 1) {
      if (char === '*') next[j] = (reachable[j] ?? false) || (j > 0 && (next[j - 1] ?? false));
      else if (j > 0 && (reachable[j - 1] ?? false) && (char === '?' || char === text[j - 1])) {
        next[j] = true;
      }
    }
    reachable = next;
  }
  return reachable[text.length] ?? false;
}

/** IAM evaluation of the authorizer's policy: an explicit Deny wins, then an Allow. */
function globAllows(policy: PolicyResponse, arn: string): boolean {
  let allowed = false;
  for (const { Effect, Resource } of policy.policyDocument.Statement) {
    const resources = typeof Resource === 'string' ? [Resource] : Resource;
    if (!resources.some((pattern) => globMatches(pattern, arn))) continue;
    if (Effect === 'Deny') return false;
    allowed = true;
  }
  return allowed;
}

/**
 * Whether API Gateway lets `request` through under the authorizer's policy. The IAM engine
 * decides; it knows no resource type for the root path (`.../GET/`), where the wildcard match
 * above decides alone. Local mode's evaluation must agree with both.
 */
async function allows(policy: PolicyResponse, request: Request): Promise<boolean> {
  const arn = arnOf(request);
  const byGlob = globAllows(policy, arn);
  if (request.segments.length > 0) {
    const decision = await iam.evaluate({
      principalArn: `arn:aws:iam::${ACCOUNT}:user/caller`,
      account: ACCOUNT,
      action: 'execute-api:Invoke',
      resource: arn,
      policies: [policy.policyDocument],
    });
    expect(byGlob).toBe(decision === 'Allowed');
  }
  expect(evaluatePolicy(policy, arn) === 'allow').toBe(byGlob);
  return byGlob;
}

// The API's routes, as API Gateway writes them.
const LITERALS = ['a', 'b', 'c'];
const templateSegment = fc.oneof(fc.constantFrom(...LITERALS), fc.constant('{id}'));
const routeKey = fc.oneof(
  { weight: 1, arbitrary: fc.constant('$default') },
  {
    weight: 9,
    arbitrary: fc
      .tuple(
        fc.constantFrom('GET', 'POST', 'ANY'),
        fc.array(templateSegment, { maxLength: 3 }),
        fc.boolean(),
      )
      .map(
        ([method, segments, greedy]) =>
          `${method} /${[...segments, ...(greedy ? ['{proxy+}'] : [])].join('/')}`,
      ),
  },
);
const SCOPES = ['s1', 's2', 's3'];
const api = fc
  .uniqueArray(
    fc.record({
      routeKey,
      scopes: fc.option(fc.subarray(SCOPES, { minLength: 1 }), { nil: undefined }),
    }),
    // API Gateway refuses two routes of the same shape; parameter names do not count.
    { selector: (route) => route.routeKey, minLength: 1, maxLength: 7 },
  )
  .map((routes) => ({
    routes: routes.map((route) => route.routeKey),
    routeScopes: Object.fromEntries(
      routes.flatMap((route) => (route.scopes ? [[route.routeKey, route.scopes]] : [])),
    ),
  }));
const PATH_SEGMENTS = ['a', 'b', 'c', '1'];
const anyRequest: fc.Arbitrary<Request> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT'),
  segments: fc.array(fc.constantFrom(...PATH_SEGMENTS), { maxLength: 4 }),
  trailingSlash: fc.boolean(),
});
/** A request for one of the routes: its parameters filled in, any method for ANY. */
const requestFor = (routeKey: string): fc.Arbitrary<Request> => {
  if (routeKey === '$default') return anyRequest;
  const { method, segments } = parts(routeKey);
  return fc.record({
    method: method === 'ANY' ? fc.constantFrom('GET', 'POST', 'PUT') : fc.constant(method),
    segments: fc
      .tuple(
        ...segments.map((part) =>
          rank(part) === 1
            ? fc.array(fc.constantFrom(...PATH_SEGMENTS), { minLength: 1, maxLength: 2 })
            : rank(part) === 2
              ? fc.constantFrom(...PATH_SEGMENTS).map((value) => [value])
              : fc.constant([part]),
        ),
      )
      .map((filled) => filled.flat()),
    trailingSlash: fc.boolean(),
  });
};
/** Requests for an API: random ones, and requests for its own routes. */
const requestsFor = (routes: readonly string[]): fc.Arbitrary<Request[]> =>
  fc.array(fc.oneof(anyRequest, fc.constantFrom(...routes).chain(requestFor)), {
    minLength: 1,
    maxLength: 5,
  });
const scenario = api.chain((generated) =>
  fc.record({
    routes: fc.constant(generated.routes),
    routeScopes: fc.constant(generated.routeScopes),
    scopes: fc.subarray([...SCOPES, 's4']),
    requests: requestsFor(generated.routes),
  }),
);

/** A route key's method and path segments (`$default` has neither). */
function parts(routeKey: string): { method: string; segments: string[] } {
  const [method = '', path = '/'] = routeKey.split(' ');
  return { method, segments: path === '/' ? [] : path.slice(1).split('/') };
}

const rank = (segment: string): number =>
  segment.endsWith('+}') ? 1 : segment.startsWith('{') ? 2 : 3;

/** The route API Gateway sends `request` to: the most specific match, else `$default`. */
function routeOf(routes: readonly string[], request: Request): string | undefined {
  const matches = routes.filter((key) => {
    if (key === '$default') return false;
    const { method, segments } = parts(key);
    if (method !== 'ANY' && method !== request.method) return false;
    const greedy = segments.length > 0 && rank(segments[segments.length - 1] ?? '') === 1;
    const fixed = greedy ? segments.slice(0, -1) : segments;
    if (greedy ? request.segments.length <= fixed.length : request.segments.length !== fixed.length)
      return false;
    return fixed.every((part, index) => rank(part) === 2 || part === request.segments[index]);
  });
  const specificity = (key: string): number[] => [
    ...parts(key).segments.map(rank),
    0,
    parts(key).method === 'ANY' ? 0 : 1,
  ];
  matches.sort((x, y) => {
    const [a, b] = [specificity(x), specificity(y)];
    for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
      const difference = (b[index] ?? -1) - (a[index] ?? -1);
      if (difference !== 0) return difference;
    }
    return 0;
  });
  return matches[0] ?? (routes.includes('$default') ? '$default' : undefined);
}

function lacks(routeScopes: RouteScopes, key: string, scopes: readonly string[]): boolean {
  const required = routeScopes[key];
  return required !== undefined && !required.some((scope) => scopes.includes(scope));
}

/**
 * The documented over-deny, in route terms: `other` is `$default`, or its method is `ANY` or
 * the request's, and its path matches the request's with every `{param}` and `{proxy+}` taken
 * as any characters, `/` included (and an optional trailing slash).
 */
function coversByWildcard(other: string, request: Request): boolean {
  if (other === '$default') return true;
  const { method, segments } = parts(other);
  if (method !== 'ANY' && method !== request.method) return false;
  const path = `/${segments.map((part) => (part.startsWith('{') ? '.*' : part)).join('/')}`;
  const requested = `/${request.segments.join('/')}${
    request.trailingSlash && request.segments.length > 0 ? '/' : ''
  }`;
  return new RegExp(`^${path}/?$`).test(requested);
}

jest.setTimeout(120_000);

describe('per-route scopes in policy answers, under IAM evaluation', () => {
  it('never allow a token on a routed request whose route scopes it lacks', async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ routes, routeScopes, scopes, requests }) => {
        for (const each of requests) {
          const target = routeOf(routes, each);
          if (target === undefined || !lacks(routeScopes, target, scopes)) continue;
          checked += 1;
          const allowed = await allows(policyFor(routeScopes, scopes, each), each);
          if (allowed) throw new Error(`${describeRequest(each)} allowed on ${target}`);
        }
      }),
      { numRuns: 150 },
    );
    // Not vacuous: many requests reach a route whose scopes the token lacks.
    expect(checked).toBeGreaterThan(100);
  });

  it('reuse from the cache a policy never more permissive than a fresh answer', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, anyRequest, async ({ routeScopes, scopes, requests }, first) => {
        const cached = policyFor(routeScopes, scopes, first);
        for (const each of requests) {
          const fresh = policyFor(routeScopes, scopes, each);
          expect(cached.policyDocument).toEqual(fresh.policyDocument);
          if (await allows(cached, each)) expect(await allows(fresh, each)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('refuse a token on a route it may call only through the documented over-deny', async () => {
    let overDenied = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ routes, routeScopes, scopes, requests }) => {
        for (const each of requests) {
          const target = routeOf(routes, each);
          if (target === undefined || lacks(routeScopes, target, scopes)) continue;
          if (await allows(policyFor(routeScopes, scopes, each), each)) continue;
          overDenied += 1;
          const culprits = Object.keys(routeScopes).filter(
            (other) =>
              other !== target &&
              lacks(routeScopes, other, scopes) &&
              coversByWildcard(other, each),
          );
          if (culprits.length === 0) {
            throw new Error(`${describeRequest(each)} refused on ${target} with no culprit`);
          }
        }
      }),
      { numRuns: 200 },
    );
    // The property is not vacuous: the generated APIs do hit the over-deny.
    expect(overDenied).toBeGreaterThan(0);
  });
});
