/**
 * Builds API Gateway's answers, and maps errors to them in exactly one place:
 * - Allow: an IAM policy (REST, HTTP API in IAM mode) or `{ isAuthorized: true }` (HTTP API
 *   simple mode), with the token's claims as flat-string context;
 * - Deny (403): the same shapes with Deny / `isAuthorized: false`;
 * - 401: `throw new Error('Unauthorized')`, the exact text API Gateway recognises;
 * - 500: any other thrown error, with a fixed message that never echoes request data.
 */
import type { HttpApiResponseMode } from '../shared/config';
import type { ContextClaim } from '../shared/context-claims';
import { TokenRejectedError, errorCode } from '../shared/errors';
import type { EventKind } from './authorizer-event';
import { addContextClaims, contextEntryBytes } from './claims-context';
import type { VerifiedToken } from './token-verifier';

export interface PolicyResponse {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: [{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }];
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
  const parts = resourceArn.split(':');
  const resource = parts.slice(5).join(':');
  const [apiId, stage] = resource.split('/');
  if (parts.length < 6 || parts[2] !== 'execute-api' || !apiId || !stage) {
    throw new Error('authorizer event has a malformed method or route ARN');
  }
  return `${parts.slice(0, 5).join(':')}:${apiId}/${stage}/*`;
}

/**
 * Flat-string context: `sub`, `jti`, `iss`, `scope` (space-separated), and the client as the
 * token names it, `client_id` and/or `azp` (the revocation endpoint binds `/revoke` to it); then
 * the chosen claims (`CONTEXT_CLAIMS`) that fit (`claims-context.ts`).
 */
export function tokenContext(
  token: VerifiedToken,
  contextClaims: readonly ContextClaim[] = [],
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
  if (contextBytes(context) > MAX_CONTEXT_BYTES) delete context.scope;
  addContextClaims(context, token.claims, contextClaims, MAX_CONTEXT_BYTES - contextBytes(context));
  return context;
}

function flattenScope(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.join(' ');
  }
  return undefined;
}

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
  /** The chosen claims an Allow passes on (`CONTEXT_CLAIMS`); a Deny passes none. */
  readonly contextClaims?: readonly ContextClaim[];
}

export function allowResponse(input: DecisionInput): AuthorizerResponse {
  return decision(input, true, tokenContext(input.token, input.contextClaims));
}

export function denyResponse(input: DecisionInput): AuthorizerResponse {
  const context: AuthorizerContext = { reason: 'revoked' };
  if (input.token.jti !== undefined) context.jti = input.token.jti;
  return decision(input, false, context);
}

function decision(
  input: DecisionInput,
  allowed: boolean,
  context: AuthorizerContext,
): AuthorizerResponse {
  if (input.kind === 'http-v2' && input.httpApiResponseMode === 'simple') {
    return { isAuthorized: allowed, context };
  }
  return {
    principalId: principalId(input.token),
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: allowed ? 'Allow' : 'Deny',
          Resource: stageWideArn(input.resourceArn),
        },
      ],
    },
    context,
  };
}

/** What the handler throws for an error: 401 for a refused token, 500 for everything else. */
export function toThrownError(error: unknown): Error {
  if (error instanceof TokenRejectedError) return new Error('Unauthorized');
  return new Error(`Authorizer failed closed (${errorCode(error)})`, { cause: error });
}
