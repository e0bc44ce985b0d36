/**
 * A local stand-in for API Gateway in front of a demo API. For each request to a protected
 * route it builds the event API Gateway would send (REST TOKEN, REST REQUEST or HTTP API 2.0),
 * calls the real authorizer handler, evaluates its answer as API Gateway does, and answers
 * with API Gateway's own status codes and bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthorizerHandler } from '../lambda/request/authorizer';
import type { EventKind } from '../lambda/request/authorizer-event';
import type { AuthorizerResponse, PolicyResponse } from '../lambda/request/responses';
import { resourceMatches } from '../lambda/shared/route-scopes';

export const EVENT_KINDS: readonly EventKind[] = ['rest-token', 'rest-request', 'http-v2'];

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const API_ID = 'localapi';

/** What API Gateway answers when it refuses a request at the authorizer. */
export const GATEWAY_ANSWERS = {
  unauthorized: { status: 401, body: { message: 'Unauthorized' } },
  restExplicitDeny: {
    status: 403,
    body: { Message: 'User is not authorized to access this resource with an explicit deny' },
  },
  restNotAllowed: {
    status: 403,
    body: { Message: 'User is not authorized to access this resource' },
  },
  httpForbidden: { status: 403, body: { message: 'Forbidden' } },
  restAuthorizerError: { status: 500, body: { message: null } },
  httpAuthorizerError: { status: 500, body: { message: 'Internal Server Error' } },
} as const;

export type Route = (
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
) => Promise<void> | void;

/** A route reached only after the authorizer allowed the request; it gets the context. */
export type ProtectedRoute = (
  request: IncomingMessage,
  response: ServerResponse,
  authorizer: { principalId?: string; context: Record<string, unknown> },
  body: Buffer,
) => Promise<void> | void;

export interface LocalGatewayOptions {
  readonly handler: AuthorizerHandler;
  readonly eventKind: EventKind;
  /** Routes open to anyone, by `METHOD /path`. */
  readonly publicRoutes?: Readonly<Record<string, Route>>;
  /** Routes behind the authorizer, by `METHOD /path`. */
  readonly protectedRoutes: Readonly<Record<string, ProtectedRoute>>;
  /** Called when the authorizer throws something other than Unauthorized. */
  readonly onAuthorizerError?: (error: unknown) => void;
}

export function createGatewayListener(options: LocalGatewayOptions) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 64 * 1024) {
        sendJson(response, 413, { message: 'Request Entity Too Large' });
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      route(options, request, response, Buffer.concat(chunks)).catch((error: unknown) => {
        options.onAuthorizerError?.(error);
        if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      });
    });
  };
}

async function route(
  options: LocalGatewayOptions,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const routeKey = `${request.method ?? 'GET'} ${path}`;
  const open = options.publicRoutes?.[routeKey];
  if (open) return open(request, response, body);
  const guarded = options.protectedRoutes[routeKey];
  if (!guarded) return sendJson(response, 404, { message: 'Not Found' });

  const kind = options.eventKind;
  const headerValue = request.headers.authorization;
  // API Gateway answers 401 itself, without calling the authorizer, when the identity source
  // (the Authorization header) is missing.
  if (headerValue === undefined || headerValue === '') {
    return sendAnswer(response, GATEWAY_ANSWERS.unauthorized);
  }
  const resourceArn = arnFor(kind, request.method ?? 'GET', path);
  let answer: AuthorizerResponse;
  try {
    answer = await options.handler(buildEvent(kind, request, path, resourceArn));
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') {
      return sendAnswer(response, GATEWAY_ANSWERS.unauthorized);
    }
    options.onAuthorizerError?.(error);
    return sendAnswer(
      response,
      kind === 'http-v2'
        ? GATEWAY_ANSWERS.httpAuthorizerError
        : GATEWAY_ANSWERS.restAuthorizerError,
    );
  }

  if ('isAuthorized' in answer) {
    if (answer.isAuthorized !== true) return sendAnswer(response, GATEWAY_ANSWERS.httpForbidden);
    return guarded(request, response, { context: answer.context }, body);
  }
  const verdict = evaluatePolicy(answer, resourceArn);
  if (verdict !== 'allow') {
    if (kind === 'http-v2') return sendAnswer(response, GATEWAY_ANSWERS.httpForbidden);
    return sendAnswer(
      response,
      verdict === 'explicit-deny'
        ? GATEWAY_ANSWERS.restExplicitDeny
        : GATEWAY_ANSWERS.restNotAllowed,
    );
  }
  return guarded(
    request,
    response,
    { principalId: answer.principalId, context: answer.context },
    body,
  );
}

function arnFor(kind: EventKind, method: string, path: string): string {
  const stage = kind === 'http-v2' ? '$default' : 'local';
  return `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${stage}/${method}${path}`;
}

function buildEvent(
  kind: EventKind,
  request: IncomingMessage,
  path: string,
  resourceArn: string,
): Record<string, unknown> {
  const method = request.method ?? 'GET';
  if (kind === 'rest-token') {
    return {
      type: 'TOKEN',
      authorizationToken: request.headers.authorization,
      methodArn: resourceArn,
    };
  }
  // Header names keep the case the client sent, as API Gateway passes them to REST APIs.
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index] ?? '';
    const value = request.rawHeaders[index + 1] ?? '';
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  if (kind === 'rest-request') {
    return {
      type: 'REQUEST',
      methodArn: resourceArn,
      resource: path,
      path,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      requestContext: {
        stage: 'local',
        httpMethod: method,
        resourcePath: path,
        accountId: ACCOUNT,
      },
    };
  }
  const lowerCased: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) lowerCased[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: resourceArn,
    identitySource: [request.headers.authorization],
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: lowerCased,
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      stage: '$default',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '' },
    },
  };
}

/**
 * IAM evaluation as API Gateway applies it: an explicit Deny wins, then an Allow, else no. A
 * statement's resource is one pattern or a list of them (the Deny of routes lacking scopes).
 */
export function evaluatePolicy(
  answer: PolicyResponse,
  resourceArn: string,
): 'allow' | 'explicit-deny' | 'not-allowed' {
  let allowed = false;
  for (const statement of answer.policyDocument.Statement) {
    const resources =
      typeof statement.Resource === 'string' ? [statement.Resource] : statement.Resource;
    if (!resources.some((pattern) => resourceMatches(pattern, resourceArn))) continue;
    if (statement.Effect === 'Deny') return 'explicit-deny';
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'not-allowed';
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function sendAnswer(response: ServerResponse, answer: { status: number; body: unknown }): void {
  sendJson(response, answer.status, answer.body);
}
