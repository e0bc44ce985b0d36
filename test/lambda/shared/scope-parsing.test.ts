/**
 * How a token's scopes are read (only U+0020 separates them, RFC 6749 section 3.3), and that the
 * `scope` passed to the integration never splits into scopes the decision did not judge by.
 */
import { tokenScopes, refusedPatterns } from '../../../lambda/shared/route-scopes';
import { RouteScopeRules } from '../../../lambda/request/route-scope-rules';
import { tokenContext } from '../../../lambda/request/responses';
import type { VerifiedToken } from '../../../lambda/request/token-verifier';

const ROUTES = { 'GET /orders': ['orders:read'] };

describe('scope claim splitting (RFC 6749 3.3: scope tokens are separated by %x20 only)', () => {
  // A single scope token "x<NBSP>orders:read" (as some IdPs let tenants/clients name scopes)
  // must not be read as the two scopes "x" and "orders:read".
  it.each([
    ['NBSP', 'tenant\u00a0orders:read'],
    ['ideographic space', 'tenant\u3000orders:read'],
    ['line separator', 'tenant\u2028orders:read'],
    ['tab', 'tenant\torders:read'],
    ['BOM', 'tenant\ufefforders:read'],
  ])('a %s inside one scope token does not grant orders:read', (_name, scope) => {
    const scopes = tokenScopes({ scope });
    expect(new RouteScopeRules(ROUTES).refusesRoute('GET /orders', scopes)).toBe(true);
    expect(refusedPatterns(ROUTES, scopes)).not.toEqual([]);
  });
});

describe('context scope vs the scopes the decision used', () => {
  it('a list item holding a space is one scope to the authorizer, two to the integration', () => {
    const token = {
      iss: 'https://i',
      jti: 'j',
      sub: 's',
      exp: 0,
      iat: 0,
      revocationKey: 'k',
      subjectKey: 'k',
      claims: { scope: ['profile admin'] },
    } as unknown as VerifiedToken;
    // The authorizer: the token has the one scope "profile admin", not "admin".
    expect([...tokenScopes(token.claims)]).toEqual(['profile admin']);
    // The integration: $context.authorizer.scope reads "profile admin" -> split on space -> admin.
    expect(tokenContext(token).scope).toBeUndefined();
  });
});

describe('whether a refused route covers the request asked for (the decision recorded)', () => {
  it('is true for every method of an ANY route and for its trailing-slash form', () => {
    const rules = new RouteScopeRules({ 'ANY /orders': ['orders:read'] });
    const none = tokenScopes({ scope: 'profile' });

    for (const method of ['GET', 'POST', 'DELETE']) {
      expect(rules.refusals(none, `prod/${method}/orders`).coversRequest).toBe(true);
    }
    expect(rules.refusals(none, 'prod/GET/orders/').coversRequest).toBe(true);
    expect(rules.refusals(none, 'prod/GET/items').coversRequest).toBe(false);
  });
});

describe('the scope passed to the integration', () => {
  const withScope = (scope: unknown) =>
    ({
      iss: 'https://i',
      jti: 'j',
      sub: 's',
      exp: 0,
      iat: 0,
      revocationKey: 'k',
      subjectKey: 'k',
      claims: { scope },
    }) as unknown as VerifiedToken;

  it('is left out when white space other than U+0020 would split it differently', () => {
    for (const scope of ['read\tadmin', 'read\u00a0admin', ['read\tadmin'], ['read\u3000admin']]) {
      expect(tokenContext(withScope(scope)).scope).toBeUndefined();
    }
    expect(tokenContext(withScope('read  write')).scope).toBe('read  write');
    expect(tokenContext(withScope(['read', 'write'])).scope).toBe('read write');
  });
});
