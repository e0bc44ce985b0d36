/**
 * The size model of `ROUTE_SCOPES` against the answers the authorizer really gives, at the edges
 * of API Gateway's limits (512-character resources, the 8 KB answer less the context's room), and
 * the glob matching local mode evaluates policies with.
 */
import { allowResponse } from '../../../lambda/request/responses';
import { RouteScopeRules } from '../../../lambda/request/route-scope-rules';
import type { VerifiedToken } from '../../../lambda/request/token-verifier';
import {
  MAX_API_ARN_PREFIX_CHARS,
  MAX_RESOURCE_ARN_CHARS,
  MIN_CONTEXT_BYTES,
  PRINCIPAL_ID_ALLOWANCE_BYTES,
  RESPONSE_LIMIT_BYTES,
  refusedPatterns,
  resourceMatches,
  routeScopesProblems,
  worstCasePolicyBytes,
  type RouteScopes,
} from '../../../lambda/shared/route-scopes';

/** The longest API prefix the model allows for: `arn:<16>:execute-api:<24>:<12>:<10>/`. */
const LONGEST_PREFIX = `arn:${'p'.repeat(16)}:execute-api:${'r'.repeat(24)}:${'1'.repeat(12)}:${'a'.repeat(10)}/`;
const LONGEST_STAGE = 's'.repeat(128);

function token(claims: Record<string, unknown>): VerifiedToken {
  const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
  return {
    iss: 'https://issuer.example',
    jti: undefined,
    sub,
    exp: 2_000_000_000,
    iat: undefined,
    revocationKey: undefined,
    subjectKey: undefined,
    claims: { iss: 'https://issuer.example', exp: 2_000_000_000, ...claims },
  };
}

/** A table of `count` routes, each refused through one pattern of `*` after a literal. */
function routes(count: number, lastPathChars = 1): Record<string, string[]> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, index) => {
      const name = index === count - 1 ? 'x'.repeat(lastPathChars) : `r${index}`;
      return [`GET /${name}/{id}`, ['s']];
    }),
  );
}

describe('the worst-case size of a policy answer', () => {
  it('is the size of the answer the authorizer gives a token with no scope, context aside', () => {
    expect(LONGEST_PREFIX).toHaveLength(MAX_API_ARN_PREFIX_CHARS);
    const table: RouteScopes = {
      'GET /orders': ['o'],
      'ANY /admin/{proxy+}': ['a'],
      $default: ['d'],
    };
    const answer = allowResponse({
      kind: 'rest-token',
      httpApiResponseMode: 'simple',
      resourceArn: `${LONGEST_PREFIX}${LONGEST_STAGE}/GET/orders`,
      token: token({ sub: 'u'.repeat(PRINCIPAL_ID_ALLOWANCE_BYTES) }),
      routeScopes: new RouteScopeRules(table),
    });

    const bytes = Buffer.byteLength(JSON.stringify({ ...answer, context: {} }));

    expect(worstCasePolicyBytes(table)).toBe(bytes);
  });

  it('takes a table that fills the room exactly, and refuses one byte more', () => {
    const room = RESPONSE_LIMIT_BYTES - MIN_CONTEXT_BYTES;
    let count = 1;
    while (worstCasePolicyBytes(routes(count + 1)) <= room) count += 1;
    const short = room - worstCasePolicyBytes(routes(count));
    const exact = routes(count, 1 + short);

    expect(worstCasePolicyBytes(exact)).toBe(room);
    expect(routeScopesProblems(exact, 'ROUTE_SCOPES')).toEqual([]);
    expect(routeScopesProblems(routes(count, 2 + short), 'ROUTE_SCOPES')).toEqual([
      expect.stringMatching(/ route patterns, 1 bytes more than API Gateway's 8192-byte /),
    ]);
  });
});

describe('the longest route a policy resource can hold', () => {
  // `GET /<n chars>` has the patterns `*/GET/<n>` and `*/GET/<n>/`: the longer one must fit.
  const longestFits = MAX_RESOURCE_ARN_CHARS - MAX_API_ARN_PREFIX_CHARS - '*/GET//'.length;

  it('takes a route whose longer pattern, after the longest prefix, is exactly 512 characters', () => {
    const table = { [`GET /${'a'.repeat(longestFits)}`]: ['s'] };

    expect(routeScopesProblems(table, 'ROUTE_SCOPES')).toEqual([]);
  });

  it('refuses one character more, though its shorter pattern would still fit', () => {
    const table = { [`GET /${'a'.repeat(longestFits + 1)}`]: ['s'] };

    expect(routeScopesProblems(table, 'ROUTE_SCOPES')).toEqual([
      expect.stringContaining('is too long for a resource'),
    ]);
  });
});

describe('refusedPatterns', () => {
  it('lists the patterns of the routes a token lacks scopes for, and only those', () => {
    const table = { 'GET /orders': ['orders:read'], 'DELETE /orders/{id}': ['orders:admin'] };

    expect(refusedPatterns(table, new Set(['orders:read']))).toEqual(['*/DELETE/orders/*']);
    expect(refusedPatterns(table, new Set(['orders:read', 'orders:admin']))).toEqual([]);
  });
});

describe('resourceMatches (how local mode reads a policy resource)', () => {
  it('takes * for any run of characters, a line break too, and ? for exactly one', () => {
    expect(resourceMatches('api/*/GET/*', 'api/prod/GET/a\nb')).toBe(true);
    expect(resourceMatches('api/?/GET', 'api/p/GET')).toBe(true);
    expect(resourceMatches('api/?/GET', 'api//GET')).toBe(false);
    expect(resourceMatches('api/?/GET', 'api/pp/GET')).toBe(false);
    expect(resourceMatches('api/p.d/GET', 'api/prd/GET')).toBe(false);
  });
});
