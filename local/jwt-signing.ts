/**
 * JWT signing for everything that plays the issuer outside the authorizer: the local dev
 * issuer, the tests and the benchmarks. Keys are made on the spot (no committed secrets); a
 * token is a compact JWS of whatever header and payload the caller gives, so hostile headers
 * are as easy to sign as good ones. The authorizer itself only verifies, with aws-jwt-verify.
 */
import {
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';

/** The algorithms the project's issuers sign with (what aws-jwt-verify accepts and tests use). */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'EdDSA';

export interface SigningKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A new key pair for `alg`: RSA 2048, P-256, P-384 or Ed25519. */
export function generateSigningKeyPair(alg: SigningAlgorithm): SigningKeyPair {
  switch (alg) {
    case 'RS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ES384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
  }
}

/**
 * The public half of `key` (a private or public key) as an issuer publishes it in its JWKS:
 * the key's JWK members plus `kid`, `alg` and `use: "sig"`.
 */
export function publicJwk(
  key: KeyObject,
  kid: string,
  alg: SigningAlgorithm,
): Record<string, string> {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const members = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { ...members, kid, alg, use: 'sig' };
}

export function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

/**
 * The base64url signature of `signingInput` (`header.payload`) with `alg`. ECDSA signatures are
 * the fixed-length `r || s` form JWS requires (IEEE P1363), not DER.
 */
export function signSigningInput(
  alg: SigningAlgorithm,
  privateKey: KeyObject,
  signingInput: string,
): string {
  const data = Buffer.from(signingInput);
  switch (alg) {
    case 'RS256':
      return cryptoSign('sha256', data, privateKey).toString('base64url');
    case 'ES256':
    case 'ES384':
      return cryptoSign(alg === 'ES256' ? 'sha256' : 'sha384', data, {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url');
    case 'EdDSA':
      return cryptoSign(null, data, privateKey).toString('base64url');
  }
}

/**
 * A compact JWS: `header` and `payload` are serialised exactly as given (the header's own `alg`
 * is not checked against `alg`, so tests can sign a lying header), then signed with `alg`.
 */
export function signCompactJws(
  alg: SigningAlgorithm,
  privateKey: KeyObject,
  header: unknown,
  payload: unknown,
): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  return `${signingInput}.${signSigningInput(alg, privateKey, signingInput)}`;
}
