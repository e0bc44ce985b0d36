/** The `ROUTE_SCOPES` table as the handler prepares it once per container. */
import { RouteScopeRules } from '../../../lambda/request/route-scope-rules';
import { routeResourcePatterns } from '../../../lambda/shared/route-scopes';

describe('RouteScopeRules (the table prepared once per container)', () => {
  const rules = new RouteScopeRules({
    'GET /a': ['read'],
    'GET /b/{id}': ['read', 'admin'],
    'ANY /c': ['write'],
  });

  it('refuses the route keys whose scopes a token lacks', () => {
    expect(rules.refusesRoute('GET /a', new Set(['read']))).toBe(false);
    expect(rules.refusesRoute('GET /a', new Set(['admin']))).toBe(true);
    expect(rules.refusesRoute('GET /other', new Set())).toBe(false);
    expect(new RouteScopeRules().isEmpty).toBe(true);
  });

  it('lists the refused patterns and tells whether they cover the resource asked for', () => {
    const scopes = new Set(['admin']);

    expect(rules.refusals(scopes, 'prod/GET/a')).toMatchObject({
      patterns: ['*/GET/a', '*/GET/a/', ...routeResourcePatterns('ANY /c')],
      coversRequest: true,
    });
    expect(rules.refusals(scopes, 'prod/GET/a/').coversRequest).toBe(true);
    expect(rules.refusals(scopes, 'prod/DELETE/c').coversRequest).toBe(true);
    // Patterns are anchored: a longer literal is another route.
    expect(rules.refusals(scopes, 'prod/GET/ab').coversRequest).toBe(false);
    expect(rules.refusals(scopes, 'prod/GET/b/1').coversRequest).toBe(false);
    expect(rules.refusals(new Set(['read', 'write']), 'prod/GET/a')).toEqual({
      patterns: [],
      coversRequest: false,
    });
  });
});
