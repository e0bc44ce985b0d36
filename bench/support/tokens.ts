/**
 * The benchmark's issuer: its signing keys (RS256 and ES256), their JWKS on loopback, and
 * tokens shaped like Cognito access tokens.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKeyPair, publicJwk, signCompactJws } from '../../local/jwt-signing';

export const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_BenchPool';
/**
 * The app client: in `client_id`, which this authorizer checks (`JWT_AUDIENCE_CLAIM=client_id`,
 * as a Cognito access token needs), and in `aud` too, which the baselines check.
 */
export const AUDIENCE = 'bench-client';
export const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:benchapi/prod/GET/orders/42';

export type Alg = 'RS256' | 'ES256';

export interface SigningKey {
  readonly alg: Alg;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, string>;
}

export function signingKey(alg: Alg): SigningKey {
  const { privateKey, publicKey } = generateSigningKeyPair(alg);
  const kid = `bench-${alg}`;
  return { alg, kid, privateKey, jwk: publicJwk(publicKey, kid, alg) };
}

/** A token valid for an hour with a fresh `jti`; `claims` are merged last. */
export function mint(key: SigningKey, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return signCompactJws(
    key.alg,
    key.privateKey,
    { alg: key.alg, kid: key.kid, typ: 'JWT' },
    {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'bench-user',
      jti: randomUUID(),
      iat: now,
      exp: now + 3600,
      scope: 'orders:read orders:write',
      client_id: AUDIENCE,
      token_use: 'access',
      ...claims,
    },
  );
}

/** The claims of a token minted here (read without verifying). */
export function claimsOf(token: string): { jti: string; exp: number } {
  const payload = Buffer.from(token.split('.')[1] ?? '', 'base64url').toString();
  return JSON.parse(payload) as { jti: string; exp: number };
}

export function tokenEvent(token: string): Record<string, string> {
  return { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN };
}

export async function jwksServer(keys: SigningKey[]): Promise<{ uri: string; server: Server }> {
  const body = JSON.stringify({ keys: keys.map((key) => key.jwk) });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, server };
}
