/**
 * The `ROUTE_SCOPES` table prepared for answering, once per container (the handler's factory
 * builds it from the settings): each route's scopes, its resource patterns, and one regular
 * expression per route that tells whether the request asked for is one the route's patterns
 * cover. Measured with 20 routes a token lacks: building the expressions on every call cost
 * about 350 us an answer; prepared once, about 10 to 15 us, half of it the answer's size check.
 * With no `ROUTE_SCOPES`, an answer costs what it did before.
 */
import { globSource, routeResourcePatterns, type RouteScopes } from '../shared/route-scopes';

interface PreparedRoute {
  /** Scopes the route accepts (one is enough). */
  readonly scopes: readonly string[];
  /** Resource patterns, after the API's ARN prefix (`route-scopes.ts`). */
  readonly patterns: readonly string[];
  /** Matches a resource (after the same prefix) that one of the patterns covers. */
  readonly covers: RegExp;
}

/** What a token is refused, in a policy answer. */
export interface Refusals {
  /** Resource patterns to deny, after the API's ARN prefix. */
  readonly patterns: readonly string[];
  /** The resource asked for is among them: this request gets 403. */
  readonly coversRequest: boolean;
}

export class RouteScopeRules {
  private readonly routes: ReadonlyMap<string, PreparedRoute>;

  constructor(routeScopes: RouteScopes = {}) {
    this.routes = new Map(
      Object.entries(routeScopes).map(([routeKey, scopes]) => {
        const patterns = routeResourcePatterns(routeKey);
        const covers = new RegExp(`^(?:${patterns.map(globSource).join('|')})$`, 's');
        return [routeKey, { scopes, patterns, covers }];
      }),
    );
  }

  /** No route requires a scope. */
  get isEmpty(): boolean {
    return this.routes.size === 0;
  }

  /** Whether a token with `scopes` is refused on `routeKey` (a route not listed needs none). */
  refusesRoute(routeKey: string, scopes: ReadonlySet<string>): boolean {
    const route = this.routes.get(routeKey);
    return route !== undefined && !route.scopes.some((scope) => scopes.has(scope));
  }

  /**
   * The routes a token with `scopes` is refused, as resource patterns, and whether `resource`
   * (the ARN asked for, after the API's prefix) is among them.
   */
  refusals(scopes: ReadonlySet<string>, resource: string): Refusals {
    const patterns: string[] = [];
    let coversRequest = false;
    for (const route of this.routes.values()) {
      if (route.scopes.some((scope) => scopes.has(scope))) continue;
      patterns.push(...route.patterns);
      coversRequest ||= route.covers.test(resource);
    }
    return { patterns, coversRequest };
  }
}
