/**
 * A development OIDC issuer for local mode: one RS256 signing key, created once and kept under
 * the local data folder so tokens survive restarts, its JWKS, and a token minter. It exists
 * only on loopback and only when no real issuer is configured.
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKeyPair, publicJwk, signCompactJws } from './jwt-signing';

export const DEV_AUDIENCE = 'local-api';

export interface DevKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: Record<string, string>;
}

const KEY_FILE = 'dev-issuer-key.json';

/** Loads the dev issuer key from `dataDir`, creating it (mode 0600) the first time. */
export function loadOrCreateDevKey(dataDir: string): DevKey {
  const file = join(dataDir, KEY_FILE);
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { kid: string; privateKeyPem: string };
    return devKey(stored.kid, createPrivateKey(stored.privateKeyPem));
  }
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateSigningKeyPair('RS256');
  const kid = `dev-${randomUUID().slice(0, 8)}`;
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  writeFileSync(file, JSON.stringify({ kid, privateKeyPem }), { mode: 0o600 });
  return devKey(kid, privateKey);
}

function devKey(kid: string, privateKey: KeyObject): DevKey {
  return { kid, privateKey, publicJwk: publicJwk(privateKey, kid, 'RS256') };
}

export function devJwks(key: DevKey): { keys: Record<string, string>[] } {
  return { keys: [key.publicJwk] };
}

export interface MintOptions {
  readonly issuer: string;
  readonly sub: string;
  readonly audience?: string;
  readonly scope?: string;
  readonly ttlSeconds?: number;
  readonly clientId?: string;
  /** Extra claims, merged last. */
  readonly claims?: Record<string, unknown>;
  readonly now?: () => number;
}

/** Mints an RS256 access token with a fresh `jti`. */
export function mintToken(key: DevKey, options: MintOptions): string {
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const payload = {
    iss: options.issuer,
    sub: options.sub,
    aud: options.audience ?? DEV_AUDIENCE,
    iat: nowSeconds,
    nbf: nowSeconds,
    exp: nowSeconds + (options.ttlSeconds ?? 900),
    jti: randomUUID(),
    client_id: options.clientId ?? 'local-cli',
    ...(options.scope ? { scope: options.scope } : {}),
    ...options.claims,
  };
  return signCompactJws(
    'RS256',
    key.privateKey,
    { alg: 'RS256', typ: 'at+jwt', kid: key.kid },
    payload,
  );
}

/** Parses `90`, `90s`, `15m`, `12h`, `7d` into seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration (examples: 90s, 15m, 12h, 7d)`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds <= 0) throw new Error(`"${text}" must be longer than zero`);
  return seconds;
}
