/**
 * Keys and tokens made by the tests themselves: no committed secrets. `signJwt` signs whatever
 * header and payload it is given, so tests can build hostile tokens as easily as good ones. The
 * signing itself is the project's one copy, in local/jwt-signing.ts.
 */
import type { KeyObject } from 'node:crypto';
import {
  base64url,
  generateSigningKeyPair,
  publicJwk,
  signCompactJws,
  signSigningInput,
  type SigningAlgorithm,
} from '../../local/jwt-signing';

export { base64url };

export type TestAlgorithm = SigningAlgorithm;

export interface TestKey {
  readonly kid: string;
  readonly alg: TestAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public JWK as an issuer would publish it. */
  readonly jwk: Record<string, string>;
}

let keyCounter = 0;

export function generateTestKey(alg: TestAlgorithm = 'RS256', kid?: string): TestKey {
  const { privateKey, publicKey } = generateSigningKeyPair(alg);
  const id = kid ?? `test-key-${++keyCounter}`;
  return { kid: id, alg, privateKey, publicKey, jwk: publicJwk(publicKey, id, alg) };
}

/** Signs `header.payload` with the key; header and payload are used exactly as given. */
export function signJwt(
  key: TestKey,
  payload: unknown,
  header: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: 'JWT' },
): string {
  return signCompactJws(key.alg, key.privateKey, header, payload);
}

export function signature(key: TestKey, signingInput: string): string {
  return signSigningInput(key.alg, key.privateKey, signingInput);
}

export const ISSUER = 'https://issuer.test.example';
export const AUDIENCE = 'orders-api';

let jtiCounter = 0;

/** A fresh jti, unique within the test run. */
export function newJti(): string {
  return `jti-${process.pid}-${Date.now()}-${++jtiCounter}`;
}

/** Claims of a good token, valid for an hour; override any of them. */
export function goodClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    jti: newJti(),
    iat: now,
    nbf: now,
    exp: now + 3600,
    scope: 'orders:read orders:write',
    client_id: 'web-app',
    ...overrides,
  };
}
