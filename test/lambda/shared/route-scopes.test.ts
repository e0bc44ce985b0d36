/**
 * `ROUTE_SCOPES`: the setting's grammar as the settings loader reads it (routes written as API
 * Gateway writes them), the scopes a token carries, the resource patterns of a route, and the
 * cold-start refusal of a table whose refusals could not fit API Gateway's answer.
 */
import { loadConfig } from '../../../lambda/shared/config';
import { ConfigurationError } from '../../../lambda/shared/errors';
import {
  lacksRouteScopes,
  routeResourcePatterns,
  tokenScopes,
  worstCasePolicyBytes,
  RESPONSE_LIMIT_BYTES,
  MIN_CONTEXT_BYTES,
} from '../../../lambda/shared/route-scopes';

const minimal = {
  JWT_ISSUER: 'https://issuer.example',
  JWT_AUDIENCE: 'api',
  REVOCATION_TABLE_NAME: 'revocations',
  AWS_REGION: 'eu-west-1',
};

function problemsOf(routeScopes: string): readonly string[] {
  try {
    loadConfig({ ...minimal, ROUTE_SCOPES: routeScopes });
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('ROUTE_SCOPES', () => {
  it('is empty when unset: no route requires a scope', () => {
    expect(loadConfig(minimal).routeScopes).toEqual({});
  });

  it('reads routes as API Gateway writes them, frozen', () => {
    const table = {
      'GET /': ['root:read'],
      'GET /orders/{id}': ['orders:read', 'orders/admin'],
      'ANY /admin/{proxy+}': ['admin'],
      'DELETE /orders/{orderId}/items/{item_id}': ['orders:write'],
      'POST /a.b/c-d/e_f~g/h:i@j': ['x'],
      $default: ['fallback'],
    };

    const config = loadConfig({ ...minimal, ROUTE_SCOPES: JSON.stringify(table) });

    expect(config.routeScopes).toEqual(table);
    expect(Object.isFrozen(config.routeScopes)).toBe(true);
    expect(Object.isFrozen(config.routeScopes['GET /'])).toBe(true);
  });

  it.each([
    ['{', 'ROUTE_SCOPES: is not valid JSON'],
    ['["GET /a"]', 'ROUTE_SCOPES: must be a JSON object of "METHOD /path" -> ["scope", ...]'],
    ['null', 'ROUTE_SCOPES: must be a JSON object of "METHOD /path" -> ["scope", ...]'],
    ['5', 'ROUTE_SCOPES: must be a JSON object of "METHOD /path" -> ["scope", ...]'],
    ['"GET /a"', 'ROUTE_SCOPES: must be a JSON object of "METHOD /path" -> ["scope", ...]'],
    [
      '{"xGET /a":["s"]}',
      'ROUTE_SCOPES: route "xGET /a" is not "METHOD /path" (one space, upper-case method) or "$default"',
    ],
    [
      '{"GET /a\\nPOST /b":["s"]}',
      'ROUTE_SCOPES: route "GET /a\nPOST /b" is not "METHOD /path" (one space, upper-case method) or "$default"',
    ],
    [
      '{"get /a":["s"]}',
      'ROUTE_SCOPES: route "get /a" is not "METHOD /path" (one space, upper-case method) or "$default"',
    ],
    [
      '{"GET  /a":["s"]}',
      'ROUTE_SCOPES: route "GET  /a" is not "METHOD /path" (one space, upper-case method) or "$default"',
    ],
    [
      '{"/a":["s"]}',
      'ROUTE_SCOPES: route "/a" is not "METHOD /path" (one space, upper-case method) or "$default"',
    ],
    [
      '{"FETCH /a":["s"]}',
      'ROUTE_SCOPES: route "FETCH /a" has the method FETCH, not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY',
    ],
    [
      '{"GET /a/":["s"]}',
      'ROUTE_SCOPES: route "GET /a/" has an empty path segment or a trailing slash',
    ],
    [
      '{"GET /a//b":["s"]}',
      'ROUTE_SCOPES: route "GET /a//b" has an empty path segment or a trailing slash',
    ],
    [
      '{"GET /{proxy+}/a":["s"]}',
      'ROUTE_SCOPES: route "GET /{proxy+}/a" has a greedy {name+} before its last segment',
    ],
    [
      '{"GET /a*":["s"]}',
      'ROUTE_SCOPES: route "GET /a*" has the path segment "a*", which is neither a literal nor {name}',
    ],
    [
      '{"GET /a/x{id}":["s"]}',
      'ROUTE_SCOPES: route "GET /a/x{id}" has the path segment "x{id}", which is neither a literal nor {name}',
    ],
    ['{"GET /a":[]}', 'ROUTE_SCOPES: route "GET /a" needs a non-empty list of scopes'],
    ['{"GET /a":"s"}', 'ROUTE_SCOPES: route "GET /a" needs a non-empty list of scopes'],
    [
      '{"GET /a":["two words"]}',
      'ROUTE_SCOPES: route "GET /a": "two words" is not a scope (printable ASCII, no space, quote or backslash)',
    ],
    [
      '{"GET /a":[""]}',
      'ROUTE_SCOPES: route "GET /a": "" is not a scope (printable ASCII, no space, quote or backslash)',
    ],
    [
      '{"GET /a":[7]}',
      'ROUTE_SCOPES: route "GET /a": 7 is not a scope (printable ASCII, no space, quote or backslash)',
    ],
    [
      '{"__proto__":["s"]}',
      'ROUTE_SCOPES: route "__proto__" is not "METHOD /path" (one space, upper-case method) or "$default"',
    ],
  ])('refuses %s', (json, problem) => {
    expect(problemsOf(json)).toEqual([problem]);
  });

  it('names every bad route of one table, beside the other settings', () => {
    let problems: readonly string[] = [];
    try {
      loadConfig({
        ...minimal,
        AWS_REGION: '',
        ROUTE_SCOPES: JSON.stringify({ 'GET /ok': ['s'], 'GET /a/': ['s'], 'PUT /b': [] }),
      });
    } catch (error) {
      problems = (error as ConfigurationError).problems;
    }

    expect(problems).toEqual([
      'ROUTE_SCOPES: route "GET /a/" has an empty path segment or a trailing slash',
      'ROUTE_SCOPES: route "PUT /b" needs a non-empty list of scopes',
      'AWS_REGION: is required',
    ]);
  });

  it('refuses a route too long for a resource of a policy (512 characters)', () => {
    const path = `/${'a'.repeat(430)}`;

    expect(problemsOf(JSON.stringify({ [`GET ${path}`]: ['s'] }))).toEqual([
      `ROUTE_SCOPES: route "GET ${path}" is too long for a resource of the authorizer's policy (API Gateway takes 512 characters)`,
    ]);
    expect(() =>
      loadConfig({ ...minimal, ROUTE_SCOPES: JSON.stringify({ 'GET /{proxy+}': ['s'] }) }),
    ).not.toThrow();
  });

  it('refuses, at cold start, a table whose refusals could not fit the 8 KB answer', () => {
    const routes = (count: number): Record<string, string[]> =>
      Object.fromEntries(
        Array.from({ length: count }, (_, index) => [`GET /orders/${index}/{id}`, ['s']]),
      );
    let fits = 0;
    while (worstCasePolicyBytes(routes(fits + 1)) <= RESPONSE_LIMIT_BYTES - MIN_CONTEXT_BYTES) {
      fits += 1;
    }

    expect(fits).toBeGreaterThanOrEqual(40);
    expect(() =>
      loadConfig({ ...minimal, ROUTE_SCOPES: JSON.stringify(routes(fits)) }),
    ).not.toThrow();
    const [problem] = problemsOf(JSON.stringify(routes(fits + 1)));
    expect(problem).toMatch(
      new RegExp(
        `^ROUTE_SCOPES: a token lacking every scope would be refused ${fits + 1} route patterns, \\d+ bytes more than API Gateway's 8192-byte authorizer response leaves for them`,
      ),
    );
  });
});

describe('tokenScopes', () => {
  it('reads scope as a space-separated string or a list, else scp', () => {
    // Only U+0020 separates scopes (RFC 6749 3.3): a tab is part of a scope.
    expect(tokenScopes({ scope: 'a  b\tc' })).toEqual(new Set(['a', 'b\tc']));
    expect(tokenScopes({ scope: ['a', 'b'] })).toEqual(new Set(['a', 'b']));
    expect(tokenScopes({ scp: 'x y' })).toEqual(new Set(['x', 'y']));
    expect(tokenScopes({ scp: ['x'] })).toEqual(new Set(['x']));
    // scope wins, as in the context the integration receives.
    expect(tokenScopes({ scope: 'a', scp: 'x' })).toEqual(new Set(['a']));
    expect(tokenScopes({})).toEqual(new Set());
    expect(tokenScopes({ scope: '' })).toEqual(new Set());
    // Only strings are scopes (the verifier refuses other items before this is asked).
    expect(tokenScopes({ scope: ['a', 7, null] })).toEqual(new Set(['a']));
  });
});

describe('lacksRouteScopes', () => {
  const table = { 'GET /orders/{id}': ['orders:read', 'orders:admin'] };

  it('passes a token with at least one of the route scopes, and any token elsewhere', () => {
    expect(lacksRouteScopes(table, 'GET /orders/{id}', new Set(['orders:admin']))).toBe(false);
    expect(lacksRouteScopes(table, 'GET /orders/{id}', new Set(['orders:write']))).toBe(true);
    expect(lacksRouteScopes(table, 'GET /orders/{id}', new Set())).toBe(true);
    expect(lacksRouteScopes(table, 'GET /orders', new Set())).toBe(false);
    // Exactly the route key API Gateway gives, no case folding.
    expect(lacksRouteScopes(table, 'get /orders/{id}', new Set())).toBe(false);
    expect(lacksRouteScopes(table, 'toString', new Set())).toBe(false);
  });

  it('compares scopes exactly (no case folding)', () => {
    expect(lacksRouteScopes(table, 'GET /orders/{id}', new Set(['ORDERS:READ']))).toBe(true);
  });
});

describe('routeResourcePatterns', () => {
  it.each([
    ['GET /', ['*/GET/']],
    ['GET /orders', ['*/GET/orders', '*/GET/orders/']],
    ['GET /orders/{id}', ['*/GET/orders/*']],
    ['POST /orders/{id}/items', ['*/POST/orders/*/items', '*/POST/orders/*/items/']],
    [
      'ANY /admin/{proxy+}',
      ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].map((m) => `*/${m}/admin/*`),
    ],
    [
      'ANY /a',
      ['*/GET/a', '*/GET/a/', '*/POST/a', '*/POST/a/', '*/PUT/a', '*/PUT/a/']
        .concat(['*/PATCH/a', '*/PATCH/a/', '*/DELETE/a', '*/DELETE/a/', '*/HEAD/a', '*/HEAD/a/'])
        .concat(['*/OPTIONS/a', '*/OPTIONS/a/']),
    ],
    ['$default', ['*']],
  ])('%s -> %p', (routeKey, patterns) => {
    expect(routeResourcePatterns(routeKey)).toEqual(patterns);
  });
});
