/**
 * Builds API Gateway's answers, and maps errors to them in exactly one place:
 * - Allow: an IAM policy (REST, HTTP API in IAM mode) or `{ isAuthorized: true }` (HTTP API
 *   simple mode), with the token's claims as flat-string context. With `ROUTE_SCOPES`, the
 *   policy also denies the routes whose scopes the token lacks (the same policy whatever route
 *   was asked, so API Gateway's cache can reuse it), and a simple answer is `false` on them;
 * - Deny (403): the same shapes with Deny / `isAuthorized: false`;
 * - 401: `throw new Error('Unauthorized')`, the exact text API Gateway recognises;
 * - 500: any other thrown error, with a fixed message that never echoes request data.
 */
import type { HttpApiResponseMode } from '../shared/config';
import type { ContextClaim } from '../shared/context-claims';
import { TokenRejectedError, errorCode } from '../shared/errors';
import {
  MAX_API_ARN_PREFIX_CHARS,
  policyStatements,
  RESPONSE_LIMIT_BYTES,
  tokenScopes,
  type PolicyStatement,
} from '../shared/route-scopes';
import type { EventKind } from './authorizer-event';
import { RouteScopeRules, type Refusals } from './route-scope-rules';
import { addContextClaims, contextEntryBytes, flattenClaimValue } from './claims-context';
import type { VerifiedToken } from './token-verifier';

export interface PolicyResponse {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: [PolicyStatement, ...PolicyStatement[]];
  };
  context: AuthorizerContext;
}

export interface SimpleResponse {
  isAuthorized: boolean;
  context: AuthorizerContext;
}

export type AuthorizerResponse = PolicyResponse | SimpleResponse;

/** API Gateway passes these to the integration as `$context.authorizer.<name>`. */
export type AuthorizerContext = Record<string, string>;

/**
 * API Gateway's quota "AWS Lambda authorizer result size" is 8 KB, not adjustable (the
 * developer guide's quota page gives it for WebSocket APIs, and no figure for REST or HTTP APIs;
 * this keeps to it for all). The context keeps to 6 KB of it, leaving room for the policy.
 */
export const MAX_CONTEXT_BYTES = 6 * 1024;

/**
 * The resource an Allow or Deny covers: every method and path of the API's stage, so that a
 * decision API Gateway caches for one route is still right when it reuses it for another.
 * `arn:aws:execute-api:region:account:api/stage/METHOD/path` -> `...:api/stage/*`.
 */
export function stageWideArn(resourceArn: string): string {
  const { apiPrefix, stage } = parseResourceArn(resourceArn);
  return `${apiPrefix}${stage}/*`;
}

/** `arn:aws:execute-api:region:account:api/stage/...` -> `arn:...:api/` and `stage`. */
function parseResourceArn(resourceArn: string): { apiPrefix: string; stage: string } {
  const parts = resourceArn.split(':');
  const resource = parts.slice(5).join(':');
  const [apiId, stage] = resource.split('/');
  const apiPrefix = `${parts.slice(0, 5).join(':')}:${apiId}/`;
  // The size model of ROUTE_SCOPES counts on this prefix's length (route-scopes.ts).
  if (
    parts.length < 6 ||
    parts[2] !== 'execute-api' ||
    !apiId ||
    !stage ||
    apiPrefix.length > MAX_API_ARN_PREFIX_CHARS
  ) {
    throw new Error('authorizer event has a malformed method or route ARN');
  }
  return { apiPrefix, stage };
}

/**
 * Flat-string context: `sub`, `jti`, `iss`, `scope` (space-separated), and the client as the
 * token names it, `client_id` and/or `azp` (the revocation endpoint binds `/revoke` to it); then
 * the chosen claims (`CONTEXT_CLAIMS`) that fit (`claims-context.ts`).
 */
export function tokenContext(
  token: VerifiedToken,
  contextClaims: readonly ContextClaim[] = [],
  maxBytes: number = MAX_CONTEXT_BYTES,
): AuthorizerContext {
  const context: AuthorizerContext = { iss: token.iss };
  if (token.jti !== undefined) context.jti = token.jti;
  if (token.sub !== undefined) context.sub = token.sub;
  const clientId = token.claims.client_id;
  if (typeof clientId === 'string') context.client_id = clientId;
  const authorizedParty = token.claims.azp;
  if (typeof authorizedParty === 'string') context.azp = authorizedParty;
  const scope = flattenScope(token.claims.scope ?? token.claims.scp);
  if (scope !== undefined) context.scope = scope;
  // A huge scope would push the answer past API Gateway's limit; leaving it out grants less,
  // never more, to an integration that authorizes on it.
  let bytes = contextBytes(context);
  if (bytes > maxBytes && scope !== undefined) {
    delete context.scope;
    bytes -= contextEntryBytes('scope', scope);
  }
  if (contextClaims.length > 0) {
    addContextClaims(context, token.claims, contextClaims, maxBytes - bytes);
  }
  return context;
}

/**
 * The scope as one space-separated string, or `undefined` (left out) when an integration could
 * split it into scopes the authorizer did not judge by: a list item that is empty or holds white
 * space, or any white space other than U+0020, which alone separates scopes (RFC 6749 3.3).
 */
function flattenScope(value: unknown): string | undefined {
  if (typeof value === 'string') return OTHER_WHITE_SPACE.test(value) ? undefined : value;
  // A list: joined as a chosen claim's list is, under the same rule for its items.
  return Array.isArray(value) ? flattenClaimValue(value) : undefined;
}

/** White space other than U+0020. */
const OTHER_WHITE_SPACE = /[^\S ]/;

/** The context's size as API Gateway counts it: the UTF-8 bytes of its JSON. */
export function contextBytes(context: AuthorizerContext): number {
  let total = 2;
  for (const [name, value] of Object.entries(context)) total += contextEntryBytes(name, value);
  return total;
}

export function principalId(token: VerifiedToken): string {
  const clientId = token.claims.client_id;
  return token.sub ?? (typeof clientId === 'string' ? clientId : (token.jti ?? 'unknown'));
}

export interface DecisionInput {
  readonly kind: EventKind;
  readonly httpApiResponseMode: HttpApiResponseMode;
  readonly resourceArn: string;
  readonly token: VerifiedToken;
  /** `ROUTE_SCOPES`, prepared; no route requires a scope by default. */
  readonly routeScopes?: RouteScopeRules;
  /** The route asked for, as HTTP API 2.0 events name it (simple answers look it up). */
  readonly routeKey?: string;
  /** The chosen claims an Allow passes on (`CONTEXT_CLAIMS`); a Deny passes none. */
  readonly contextClaims?: readonly ContextClaim[];
}

/** The answer for a valid token that is not revoked. */
export interface ValidTokenAnswer {
  readonly response: AuthorizerResponse;
  /** The request asked for is refused (403) because the token lacks the route's scopes. */
  readonly insufficientScope: boolean;
}

/**
 * Allow, less the routes whose scopes the token lacks. A policy allows the whole stage and denies
 * the resource patterns of every such route: it depends on the token only, never on the route
 * asked for, so a policy API Gateway caches and reuses for another route is the very policy a
 * new call would give. A simple answer is per route (the construct caches it per route key).
 */
export function validTokenAnswer(input: DecisionInput): ValidTokenAnswer {
  const rules = input.routeScopes ?? NO_ROUTE_SCOPES;
  if (isSimple(input)) {
    let refused = false;
    if (!rules.isEmpty) {
      if (input.routeKey === undefined) {
        throw new Error('authorizer event has no routeKey to look up in ROUTE_SCOPES');
      }
      refused = rules.refusesRoute(input.routeKey, tokenScopes(input.token.claims));
    }
    const response = refused
      ? { isAuthorized: false, context: refusalContext('insufficient_scope', input.token) }
      : { isAuthorized: true, context: tokenContext(input.token, input.contextClaims) };
    return { response, insufficientScope: refused };
  }
  const { apiPrefix, stage } = parseResourceArn(input.resourceArn);
  const { patterns, coversRequest }: Refusals = rules.isEmpty
    ? { patterns: [], coversRequest: false }
    : rules.refusals(tokenScopes(input.token.claims), input.resourceArn.slice(apiPrefix.length));
  const refused = patterns.map((pattern) => apiPrefix + pattern);
  const policy = policyAnswer(input.token, policyStatements(`${apiPrefix}${stage}/*`, refused));
  // The refused routes take their room from the context, never from the 8 KB limit.
  const room =
    refused.length === 0
      ? MAX_CONTEXT_BYTES
      : RESPONSE_LIMIT_BYTES - Buffer.byteLength(JSON.stringify(policy), 'utf8');
  const context = tokenContext(input.token, input.contextClaims, Math.min(MAX_CONTEXT_BYTES, room));
  return { response: { ...policy, context }, insufficientScope: coversRequest };
}

const NO_ROUTE_SCOPES = new RouteScopeRules();

export function allowResponse(input: DecisionInput): AuthorizerResponse {
  return validTokenAnswer(input).response;
}

/** The answer for a revoked token: Deny everywhere, whatever its scopes. */
export function denyResponse(input: DecisionInput): AuthorizerResponse {
  const context = refusalContext('revoked', input.token);
  if (isSimple(input)) return { isAuthorized: false, context };
  const deny: PolicyStatement = {
    Action: 'execute-api:Invoke',
    Effect: 'Deny',
    Resource: stageWideArn(input.resourceArn),
  };
  return { ...policyAnswer(input.token, [deny]), context };
}

function isSimple(input: DecisionInput): boolean {
  return input.kind === 'http-v2' && input.httpApiResponseMode === 'simple';
}

function refusalContext(reason: string, token: VerifiedToken): AuthorizerContext {
  const context: AuthorizerContext = { reason };
  if (token.jti !== undefined) context.jti = token.jti;
  return context;
}

/** A policy answer with an empty context. */
function policyAnswer(
  token: VerifiedToken,
  statements: [PolicyStatement, ...PolicyStatement[]],
): PolicyResponse {
  return {
    principalId: principalId(token),
    policyDocument: { Version: '2012-10-17', Statement: statements },
    context: {},
  };
}

/** What the handler throws for an error: 401 for a refused token, 500 for everything else. */
export function toThrownError(error: unknown): Error {
  if (error instanceof TokenRejectedError) return new Error('Unauthorized');
  return new Error(`Authorizer failed closed (${errorCode(error)})`, { cause: error });
}
