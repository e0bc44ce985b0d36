/**
 * The construct's side of per-route scopes: the table of route keys and their scopes, gathered
 * from the `routeScopes` prop and from the routes attached through the construct, and written
 * into the function's `ROUTE_SCOPES` once every route is known (a CDK Lazy value). The grammar,
 * the checks and the size model are the Lambda's own (`lambda/shared/route-scopes.ts`).
 */
import { Lazy } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { IConstruct } from 'constructs';
import {
  routeKeyProblem,
  routeScopesProblems,
  scopeProblem,
  type RouteScopes,
} from '../lambda/shared/route-scopes';

/** What a route attached through the construct may require. */
export interface RouteScopeOptions {
  /**
   * Scopes the route accepts: a token needs at least one (`scope` or `scp` claim), else 403.
   * @default none: any valid, unrevoked token
   */
  readonly scopes?: readonly string[];
}

/** `authorizeRestMethod`'s options. */
export interface RestMethodScopeOptions extends RouteScopeOptions {
  /**
   * The authorizer in front of the method.
   * @default the construct's `restTokenAuthorizer`
   */
  readonly authorizer?: apigateway.IAuthorizer;
  /**
   * Further options of the method (its `authorizer` is the one above).
   * @default none
   */
  readonly methodOptions?: apigateway.MethodOptions;
}

/** `addHttpRoute`'s options. */
export interface HttpRouteScopeOptions extends RouteScopeOptions {
  /** The route's path, e.g. `/orders/{id}`. */
  readonly path: string;
  /**
   * The route's methods, one route each.
   * @default [HttpMethod.ANY]
   */
  readonly methods?: readonly apigwv2.HttpMethod[];
  readonly integration: apigwv2.HttpRouteIntegration;
  /**
   * The authorizer in front of the routes.
   * @default the construct's `httpAuthorizer` (simple responses)
   */
  readonly authorizer?: apigwv2.IHttpRouteAuthorizer;
}

export class RouteScopeTable {
  private readonly routes = new Map<string, readonly string[]>();

  /** Starts from the `routeScopes` prop (validated with the other props). */
  constructor(initial: RouteScopes = {}) {
    for (const [routeKey, scopes] of Object.entries(initial)) this.routes.set(routeKey, scopes);
  }

  /**
   * Records that `routeKey` requires one of `scopes`. A route recorded twice must name the same
   * scopes: `ROUTE_SCOPES` is one table for every API the function serves.
   */
  add(routeKey: string, scopes: readonly string[]): void {
    const routeProblem = routeKeyProblem(routeKey);
    const problems = [
      ...(routeProblem ? [`route "${routeKey}" ${routeProblem}`] : []),
      ...(scopes.length === 0 ? ['scopes: give at least one scope, or leave scopes out'] : []),
      ...scopes.flatMap((scope) => scopeProblem(scope) ?? []),
    ];
    const known = this.routes.get(routeKey);
    if (known && !sameScopes(known, scopes)) {
      problems.push(
        `route "${routeKey}" already requires ${JSON.stringify(known)}; ROUTE_SCOPES is one table for every API of this authorizer`,
      );
    }
    if (problems.length > 0) {
      throw new Error(`RevocationAuthorizer: route scopes:\n- ${problems.join('\n- ')}`);
    }
    this.routes.set(routeKey, [...scopes]);
  }

  get isEmpty(): boolean {
    return this.routes.size === 0;
  }

  /** The table as the setting's JSON, sorted by route key. */
  toJson(): string {
    return JSON.stringify(
      Object.fromEntries([...this.routes].sort(([a], [b]) => a.localeCompare(b))),
    );
  }

  /**
   * `ROUTE_SCOPES`, read at synthesis (routes may be added after the construct): the JSON table,
   * or no variable at all while no route requires a scope.
   */
  lazySetting(): string {
    return Lazy.string({ produce: () => (this.isEmpty ? undefined : this.toJson()) });
  }

  /** Refuses, at synthesis, a table the function would refuse at its cold start (its size). */
  validateOn(scope: IConstruct): void {
    scope.node.addValidation({
      validate: () => routeScopesProblems(Object.fromEntries(this.routes), 'routeScopes'),
    });
  }
}

function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((scope) => b.includes(scope));
}
