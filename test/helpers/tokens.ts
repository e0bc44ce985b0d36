/**
 * Keys and tokens made by the tests themselves: no committed secrets. `signJwt` signs whatever
 * header and payload it is given, so tests can build hostile tokens as easily as good ones.
 */
import { createSign, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';

export type TestAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'EdDSA';

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
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' });
  const id = kid ?? `test-key-${++keyCounter}`;
  const exported = pair.publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return {
    kid: id,
    alg,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    jwk: { ...exported, kid: id, alg, use: 'sig' },
  };
}

export function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

/** Signs `header.payload` with the key; header and payload are used exactly as given. */
export function signJwt(
  key: TestKey,
  payload: unknown,
  header: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: 'JWT' },
): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  return `${signingInput}.${signature(key, signingInput)}`;
}

export function signature(key: TestKey, signingInput: string): string {
  switch (key.alg) {
    case 'RS256':
      return createSign('RSA-SHA256').update(signingInput).sign(key.privateKey, 'base64url');
    case 'ES256':
    case 'ES384':
      return cryptoSign(key.alg === 'ES256' ? 'sha256' : 'sha384', Buffer.from(signingInput), {
        key: key.privateKey,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url');
    case 'EdDSA':
      return cryptoSign(null, Buffer.from(signingInput), key.privateKey).toString('base64url');
  }
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
