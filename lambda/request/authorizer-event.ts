/**
 * Reads the three event kinds API Gateway sends a Lambda authorizer and takes the bearer token
 * out of them:
 * - REST API TOKEN authorizer: `authorizationToken`, `methodArn`;
 * - REST API REQUEST authorizer (and HTTP API payload 1.0): `headers`, `methodArn`;
 * - HTTP API payload 2.0: `version: "2.0"`, lower-cased `headers`, `routeArn`.
 */
import { TokenRejectedError } from '../shared/errors';

export type EventKind = 'rest-token' | 'rest-request' | 'http-v2';

export interface AuthorizerRequest {
  readonly kind: EventKind;
  /** The compact JWT, without the `Bearer` scheme. */
  readonly token: string;
  /** The ARN API Gateway asked about: `methodArn`, or `routeArn` for HTTP API 2.0. */
  readonly resourceArn: string;
  /** HTTP API 2.0: the route matched, as API Gateway writes it (`GET /orders/{id}`, `$default`). */
  readonly routeKey?: string;
}

// RFC 6750 section 2.1: the scheme is case-insensitive, then one or more spaces, then a
// b64token. A JWT uses only base64url characters and dots; anything else is not ours.
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9_\-.=]+)$/;

/**
 * Returns the request, or throws `TokenRejectedError` (401) when there is no usable bearer
 * token. An event that is none of the three kinds is a wiring mistake and throws a plain error.
 */
export function readAuthorizerRequest(event: unknown, maxTokenBytes: number): AuthorizerRequest {
  if (typeof event !== 'object' || event === null) {
    throw new Error('authorizer event is not an object');
  }
  const fields = event as Record<string, unknown>;
  if (fields.version === '2.0') {
    return {
      kind: 'http-v2',
      token: bearerToken(singleHeader(fields.headers, undefined), maxTokenBytes),
      resourceArn: stringField(fields, 'routeArn'),
      ...(typeof fields.routeKey === 'string' ? { routeKey: fields.routeKey } : {}),
    };
  }
  if (fields.type === 'TOKEN') {
    const value = fields.authorizationToken;
    return {
      kind: 'rest-token',
      token: bearerToken(typeof value === 'string' ? value : undefined, maxTokenBytes),
      resourceArn: stringField(fields, 'methodArn'),
    };
  }
  if (fields.type === 'REQUEST') {
    return {
      kind: 'rest-request',
      token: bearerToken(singleHeader(fields.headers, fields.multiValueHeaders), maxTokenBytes),
      resourceArn: stringField(fields, 'methodArn'),
    };
  }
  throw new Error('authorizer event is not a REST TOKEN, REST REQUEST or HTTP API 2.0 event');
}

function stringField(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`authorizer event has no ${name}`);
  }
  return value;
}

/**
 * The Authorization header, looked up case-insensitively. Two different values (possible in
 * `multiValueHeaders`) are ambiguous and count as none.
 */
function singleHeader(headers: unknown, multiValueHeaders: unknown): string | undefined {
  const values: string[] = [];
  if (typeof headers === 'object' && headers !== null) {
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() === 'authorization' && typeof value === 'string') values.push(value);
    }
  }
  if (typeof multiValueHeaders === 'object' && multiValueHeaders !== null) {
    for (const [name, list] of Object.entries(multiValueHeaders)) {
      if (name.toLowerCase() !== 'authorization' || !Array.isArray(list)) continue;
      for (const value of list) if (typeof value === 'string') values.push(value);
    }
  }
  const distinct = new Set(values);
  if (distinct.size > 1) {
    throw new TokenRejectedError('MALFORMED_HEADER', 'more than one Authorization header');
  }
  return values[0];
}

function bearerToken(header: string | undefined, maxTokenBytes: number): string {
  if (header === undefined || header.length === 0) {
    throw new TokenRejectedError('MISSING_TOKEN', 'no Authorization header');
  }
  // The cap is checked before any parsing; `Bearer ` and a little padding are allowed for.
  if (header.length > maxTokenBytes + 64) {
    throw new TokenRejectedError('TOKEN_TOO_LARGE', 'Authorization header is larger than allowed');
  }
  const match = BEARER.exec(header.trim());
  if (match === null || match[1] === undefined) {
    throw new TokenRejectedError('MALFORMED_HEADER', 'Authorization header is not "Bearer <jwt>"');
  }
  return match[1];
}
