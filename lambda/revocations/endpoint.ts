/**
 * The revocation endpoint, behind the same authorizer as the API:
 * - `POST /revoke` in the style of RFC 7009 (form body `token=...`): revokes the given token when
 *   it is the caller's own or another token of the same issuer and subject, issued to the same
 *   client as the caller's (RFC 7009 section 2.1; `requireSameClient` turns that check off). The
 *   token is verified first: its claims are only trusted when its signature is. Whatever the
 *   outcome for a well-formed request, the answer is 200 with an empty body, so nobody learns
 *   whether a token exists, whose it is or which client has it (RFC 7009 section 2.2).
 * - `POST /revoke-all`: revokes every token of the caller's subject issued until now ("log out
 *   everywhere").
 *
 * Transport-neutral: the Lambda entry (`handlers/revoke.ts`) and the local gateway adapt to it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TokenRejectedError } from '../shared/errors';
import { writeSubjectRevocation, writeTokenRevocation } from './table';
import type { TokenVerifier } from '../request/token-verifier';

export interface RevocationCaller {
  /** From the authorizer context of the request. */
  readonly iss: string | undefined;
  readonly sub: string | undefined;
  readonly jti: string | undefined;
  /**
   * The client the caller's token was issued to: its `client_id`, else its `azp`. Absent when
   * the context carries neither.
   */
  readonly clientId?: string;
}

export interface EndpointRequest {
  readonly method: string;
  /** `revoke` or `revoke-all`. */
  readonly action: 'revoke' | 'revoke-all';
  readonly contentType: string | undefined;
  readonly body: string;
  readonly caller: RevocationCaller;
  /**
   * Epoch ms after which no write retry starts (the function's deadline less a margin): a
   * contended write then answers 503 instead of running into the function's timeout.
   */
  readonly deadlineMs?: number;
}

export interface EndpointResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface RevocationEndpointDeps {
  readonly verifier: TokenVerifier;
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * How long a "log out everywhere" record is kept: longer than any token issued before it
   * lives. Seconds.
   */
  readonly subjectRetentionSeconds: number;
  /**
   * Revoke only tokens issued to the caller's client (RFC 7009 section 2.1); a caller whose
   * client is unknown then revokes nothing. `false` for deployments with a single client.
   * @default true
   */
  readonly requireSameClient?: boolean;
  readonly now?: () => number;
  /** Called with every write, for the audit log. */
  readonly onRevoked?: (what: Record<string, string | number>) => void;
  /** Called when the store or the issuer keys failed (the answer is then 503). */
  readonly onError?: (error: unknown) => void;
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
/** Form bodies larger than this are refused: a token is at most a few kilobytes. */
const MAX_BODY_BYTES = 16 * 1024;

export function createRevocationEndpoint(deps: RevocationEndpointDeps) {
  const now = deps.now ?? Date.now;
  const requireSameClient = deps.requireSameClient ?? true;

  return async function handle(request: EndpointRequest): Promise<EndpointResponse> {
    try {
      return await answer(request);
    } catch (error) {
      deps.onError?.(error);
      // RFC 7009 2.2.1: the server cannot handle the request now; the client may retry.
      return {
        statusCode: 503,
        headers: { ...NO_STORE, 'content-type': 'application/json', 'retry-after': '1' },
        body: JSON.stringify({ error: 'temporarily_unavailable' }),
      };
    }
  };

  async function answer(request: EndpointRequest): Promise<EndpointResponse> {
    if (request.method !== 'POST') {
      return { statusCode: 405, headers: { ...NO_STORE, allow: 'POST' }, body: '' };
    }
    const { iss, sub } = request.caller;
    if (!iss || !sub) {
      // The authorizer always passes both for tokens it allows; without them we cannot tell
      // whose tokens these are.
      return oauthError(403, 'access_denied', 'the caller has no subject');
    }
    if (request.action === 'revoke-all') {
      const notBefore = Math.floor(now() / 1000) + 1;
      await writeSubjectRevocation(
        deps.client,
        deps.tableName,
        {
          iss,
          sub,
          notBefore,
          keepUntil: notBefore + deps.subjectRetentionSeconds,
          reason: 'revoke-all endpoint',
          revokedBy: `subject:${sub}`,
        },
        now,
        { giveUpAtMs: request.deadlineMs },
      );
      deps.onRevoked?.({ kind: 'subject', iss, sub, notBefore });
      return {
        statusCode: 200,
        headers: { ...NO_STORE, 'content-type': 'application/json' },
        body: JSON.stringify({ revoked: 'all', notBefore }),
      };
    }

    const mediaType = (request.contentType ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/x-www-form-urlencoded') {
      return oauthError(
        400,
        'invalid_request',
        'the body must be application/x-www-form-urlencoded',
      );
    }
    if (Buffer.byteLength(request.body) > MAX_BODY_BYTES) {
      return oauthError(400, 'invalid_request', 'the body is too large');
    }
    const tokens = new URLSearchParams(request.body).getAll('token');
    if (tokens.length !== 1 || !tokens[0]) {
      return oauthError(400, 'invalid_request', 'exactly one token parameter is required');
    }
    let target;
    try {
      target = await deps.verifier.verify(tokens[0]);
    } catch (error) {
      // An invalid, expired or foreign token cannot be used anyway: nothing to revoke.
      if (error instanceof TokenRejectedError) return ok();
      throw error;
    }
    if (target.iss !== iss || target.sub !== sub || target.jti === undefined) {
      // Another subject's token: refused without saying so.
      return ok();
    }
    const clientId = request.caller.clientId;
    if (requireSameClient && (clientId === undefined || clientOf(target.claims) !== clientId)) {
      // Issued to another client (or the caller's client is unknown): a client may revoke only
      // its own tokens (RFC 7009 section 2.1). Refused without saying so, as above.
      return ok();
    }
    await writeTokenRevocation(
      deps.client,
      deps.tableName,
      {
        iss,
        jti: target.jti,
        exp: target.exp,
        sub,
        reason: 'revoke endpoint',
        revokedBy: `subject:${sub}`,
      },
      now,
      { giveUpAtMs: request.deadlineMs },
    );
    deps.onRevoked?.({
      kind: 'token',
      iss,
      sub,
      jti: target.jti,
      ...(clientId !== undefined ? { clientId } : {}),
    });
    return ok();
  }
}

function ok(): EndpointResponse {
  return { statusCode: 200, headers: NO_STORE, body: '' };
}

function oauthError(statusCode: number, error: string, description: string): EndpointResponse {
  return {
    statusCode,
    headers: { ...NO_STORE, 'content-type': 'application/json' },
    body: JSON.stringify({ error, error_description: description }),
  };
}

/** An API Gateway proxy event: REST API (payload 1.0) or HTTP API payload 2.0. */
export interface ProxyEvent {
  readonly version?: string;
  readonly httpMethod?: string;
  readonly path?: string;
  readonly rawPath?: string;
  readonly headers?: Record<string, string | undefined> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: {
    readonly http?: { readonly method?: string };
    readonly authorizer?: Record<string, unknown> & { lambda?: Record<string, unknown> };
  };
}

/**
 * Reads a proxy event into an endpoint request; `undefined` for a path that is neither
 * `.../revoke` nor `.../revoke-all`. The caller comes from the authorizer context: flat in
 * REST APIs, under `lambda` in HTTP APIs.
 */
export function readProxyEvent(event: ProxyEvent): EndpointRequest | undefined {
  const path = event.rawPath ?? event.path ?? '';
  const action = path.endsWith('/revoke-all')
    ? 'revoke-all'
    : path.endsWith('/revoke')
      ? 'revoke'
      : undefined;
  if (action === undefined) return undefined;
  const authorizer = event.requestContext?.authorizer ?? {};
  const contentType = Object.entries(event.headers ?? {}).find(
    ([name]) => name.toLowerCase() === 'content-type',
  )?.[1];
  const body = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  return {
    method: event.requestContext?.http?.method ?? event.httpMethod ?? '',
    action,
    contentType,
    body,
    caller: callerFromContext(authorizer.lambda ?? authorizer),
  };
}

/**
 * The caller, from the context the authorizer passed on (flat strings). Its client is the
 * context's `client_id`, else its `azp`, the names of the token's own claims.
 */
export function callerFromContext(context: Record<string, unknown>): RevocationCaller {
  const clientId = clientOf(context);
  return {
    iss: text(context.iss),
    sub: text(context.sub),
    jti: text(context.jti),
    ...(clientId !== undefined ? { clientId } : {}),
  };
}

/**
 * The client a token was issued to: `client_id` (RFC 9068, Cognito access tokens), else `azp`
 * (OIDC; Auth0, Okta, Keycloak). Read from a token's claims or the authorizer context alike.
 */
function clientOf(claims: Readonly<Record<string, unknown>>): string | undefined {
  return text(claims.client_id) ?? text(claims.azp);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
