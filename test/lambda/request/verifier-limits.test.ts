/**
 * The token verifier's limits, on the real JWKS path (fetcher, max-age cache, penalty box)
 * against a JWKS server on loopback: the largest token it accepts, how long it waits before
 * asking the issuer for keys again, in seconds as configured, the claims it checks beyond
 * aws-jwt-verify, and how it maps the library's errors.
 */
import { FailedAssertionError, FetchError, JwtInvalidSignatureError } from 'aws-jwt-verify/error';
import type { JwksCache, JwkWithKid } from 'aws-jwt-verify/jwk';
import { createTokenVerifier } from '../../../lambda/request/token-verifier';
import { subjectKey } from '../../../lambda/revocations/table';
import { loadConfig } from '../../../lambda/shared/config';
import { KeysUnavailableError, TokenRejectedError } from '../../../lambda/shared/errors';
import { JwksServer } from '../../helpers/jwks-server';
import {
  AUDIENCE,
  base64url,
  generateTestKey,
  goodClaims,
  ISSUER,
  signature,
  signJwt,
} from '../../helpers/tokens';

const key = generateTestKey('RS256');
let jwks: JwksServer;

beforeEach(async () => {
  jwks = await JwksServer.start([key.jwk]);
});
afterEach(async () => {
  await jwks.stop();
});

function config(settings: Record<string, string> = {}) {
  return loadConfig({
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URI: jwks.uri,
    REVOCATION_TABLE_NAME: 'revocations',
    AWS_REGION: 'us-east-1',
    ...settings,
  });
}

describe('token size', () => {
  it('accepts a token exactly JWT_MAX_TOKEN_BYTES long', async () => {
    const token = signJwt(key, goodClaims());
    const verifier = createTokenVerifier(config({ JWT_MAX_TOKEN_BYTES: String(token.length) }));

    const verified = await verifier.verify(token);

    expect(verified.iss).toBe(ISSUER);
  });

  it('refuses a token one byte longer than JWT_MAX_TOKEN_BYTES before fetching any key', async () => {
    const token = signJwt(key, goodClaims());
    const verifier = createTokenVerifier(config({ JWT_MAX_TOKEN_BYTES: String(token.length - 1) }));

    const outcome = verifier.verify(token);

    await expect(outcome).rejects.toBeInstanceOf(TokenRejectedError);
    await expect(outcome).rejects.toMatchObject({
      code: 'TOKEN_TOO_LARGE',
      message: 'JWT is larger than allowed',
    });
    expect(jwks.requests).toBe(0);
  });
});

describe('JWKS_COOLDOWN_SECONDS', () => {
  it('retries a failed refresh of the keys after the cooldown in seconds, not before', async () => {
    let clock = Date.now();
    const verifier = createTokenVerifier(
      config({
        JWKS_MAX_AGE_SECONDS: '600',
        JWKS_COOLDOWN_SECONDS: '30',
        JWKS_TIMEOUT_MS: '300',
      }),
      { now: () => clock },
    );
    await verifier.verify(signJwt(key, goodClaims()));
    jwks.mode = 'status-500';
    clock += 601_000;
    // Due for a refresh: it fails, the keys in hand stay in use.
    await verifier.verify(signJwt(key, goodClaims()));
    const afterFailedRefresh = jwks.requests;

    clock += 29_000;
    await verifier.verify(signJwt(key, goodClaims()));
    const withinCooldown = jwks.requests;
    clock += 2_000;
    await verifier.verify(signJwt(key, goodClaims()));

    expect(afterFailedRefresh).toBeGreaterThan(1);
    expect(withinCooldown).toBe(afterFailedRefresh);
    expect(jwks.requests).toBeGreaterThan(withinCooldown);
  });

  it('asks for the keys again after an unknown kid once the cooldown has passed', async () => {
    const verifier = createTokenVerifier(config({ JWKS_COOLDOWN_SECONDS: '1' }));
    await verifier.verify(signJwt(key, goodClaims()));
    const unknownKid = (): string =>
      signJwt(key, goodClaims(), { alg: key.alg, kid: 'rotated', typ: 'JWT' });
    await expect(verifier.verify(unknownKid())).rejects.toMatchObject({ code: 'UNKNOWN_KEY' });
    const afterFirstUnknown = jwks.requests;

    await expect(verifier.verify(unknownKid())).rejects.toMatchObject({ code: 'UNKNOWN_KEY' });
    const withinCooldown = jwks.requests;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect(verifier.verify(unknownKid())).rejects.toMatchObject({ code: 'UNKNOWN_KEY' });

    expect(afterFirstUnknown).toBe(2);
    expect(withinCooldown).toBe(2);
    expect(jwks.requests).toBe(3);
  });
});

describe('the verified-token cache', () => {
  it('answers a repeated token from the cache: the very result of the first verification', async () => {
    const verifier = createTokenVerifier(config({ VERIFIED_TOKEN_CACHE_ENTRIES: '2' }));
    const [a, b] = [signJwt(key, goodClaims()), signJwt(key, goodClaims())];

    const first = await verifier.verify(a);
    await verifier.verify(b);
    const again = await verifier.verify(a);

    expect(again).toBe(first);
  });

  /** A verifier on a pinned clock whose issuer keys, loaded at `started`, are due at + 600 s. */
  function pinnedVerifier() {
    const clock = { now: Date.now() };
    const started = clock.now;
    const verifier = createTokenVerifier(config({ JWKS_MAX_AGE_SECONDS: '600' }), {
      now: () => clock.now,
    });
    return { clock, started, verifier };
  }

  it('serves a verified token until 1 ms before its issuer keys are due, not at that instant', async () => {
    const { clock, started, verifier } = pinnedVerifier();
    const token = signJwt(key, goodClaims());
    const first = await verifier.verify(token);
    clock.now = started + 599_999;
    const beforeDue = await verifier.verify(token);
    // The issuer withdraws its key.
    jwks.setKeys([generateTestKey('RS256').jwk]);
    clock.now = started + 600_000;

    const atDue: unknown = await verifier.verify(token).catch((error: unknown) => error);

    expect(beforeDue).toBe(first);
    expect(atDue).toMatchObject({ code: 'UNKNOWN_KEY' });
  });

  it('keeps a token verified 2 ms before its issuer keys are due for 1 ms, one verified 1 ms before not at all', async () => {
    const { clock, started, verifier } = pinnedVerifier();
    await verifier.verify(signJwt(key, goodClaims()));
    clock.now = started + 599_998;
    const twoBefore = signJwt(key, goodClaims());
    const first = await verifier.verify(twoBefore);
    clock.now = started + 599_999;
    const again = await verifier.verify(twoBefore);
    const oneBefore = signJwt(key, goodClaims());
    await verifier.verify(oneBefore);
    jwks.setKeys([generateTestKey('RS256').jwk]);
    clock.now = started + 600_000;

    const atDue: unknown = await verifier.verify(oneBefore).catch((error: unknown) => error);

    expect(again).toBe(first);
    expect(atDue).toMatchObject({ code: 'UNKNOWN_KEY' });
  });

  it('holds fewer long tokens than entries: 4096 bytes an entry, 2 a character plus 512 a token', async () => {
    const verifier = createTokenVerifier(config({ VERIFIED_TOKEN_CACHE_ENTRIES: '2' }));
    const long = (): string => signJwt(key, goodClaims({ pad: 'x'.repeat(1100) }));
    const [a, b] = [long(), long()];
    // Two such tokens are estimated at more than the 8192 bytes of two entries (and would fit
    // without the 512 a token).
    expect(2 * (2 * a.length + 512)).toBeGreaterThan(8192);
    expect(2 * (2 * a.length - 512)).toBeLessThanOrEqual(8192);

    const first = await verifier.verify(a);
    await verifier.verify(b);
    const again = await verifier.verify(a);

    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});

describe('a JWKS cache of its own', () => {
  it('verifies with it, and keeps no verified token: it cannot tell when those keys are due', async () => {
    const jwk = key.jwk as unknown as JwkWithKid;
    const keys: JwksCache = {
      getJwk: () => Promise.resolve(jwk),
      getCachedJwk: () => jwk,
      addJwks: () => undefined,
      getJwks: () => Promise.resolve({ keys: [jwk] }),
    };
    const verifier = createTokenVerifier(config(), { jwksCache: keys });
    const token = signJwt(key, goodClaims());

    const first = await verifier.verify(token);
    const again = await verifier.verify(token);

    expect(first.iss).toBe(ISSUER);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
    expect(jwks.requests).toBe(0);
  });
});

describe('the header checks added to aws-jwt-verify', () => {
  it.each([
    [
      'an algorithm outside JWT_ALGORITHMS',
      { JWT_ALGORITHMS: 'ES256' },
      {},
      'ALGORITHM_NOT_ALLOWED',
      'JWT algorithm is not allowed',
    ],
    [
      'a typ other than JWT_REQUIRED_TYP',
      { JWT_REQUIRED_TYP: 'at+jwt' },
      {},
      'BAD_TYP',
      'JWT typ header is not the required one',
    ],
    [
      'a crit header',
      {},
      { crit: ['exp'] },
      'MALFORMED_TOKEN',
      'JWT crit header names extensions this authorizer does not support',
    ],
  ])('refuses %s with its code and reason', async (_name, settings, extra, code, message) => {
    const verifier = createTokenVerifier(config(settings));
    const header = { alg: key.alg, kid: key.kid, typ: 'JWT', ...extra };

    const outcome = verifier.verify(signJwt(key, goodClaims(), header));

    await expect(outcome).rejects.toBeInstanceOf(TokenRejectedError);
    await expect(outcome).rejects.toMatchObject({ code, message });
  });
});

describe('expiry on its own clock', () => {
  it('refuses a token at exp + JWT_CLOCK_SKEW_SECONDS, which aws-jwt-verify would still accept', async () => {
    let clock = Date.now();
    const verifier = createTokenVerifier(config({ JWT_CLOCK_SKEW_SECONDS: '0' }), {
      now: () => clock,
    });
    const exp = Math.floor(clock / 1000) + 120;
    clock = exp * 1000;

    const outcome = verifier.verify(signJwt(key, goodClaims({ exp })));

    await expect(outcome).rejects.toBeInstanceOf(TokenRejectedError);
    await expect(outcome).rejects.toMatchObject({ code: 'EXPIRED', message: 'JWT is expired' });
  });
});

describe('the claim checks added to aws-jwt-verify', () => {
  it.each([
    ['no exp', {}, { exp: undefined }, 'MISSING_EXP', 'JWT has no exp claim'],
    [
      'a client_id not accepted',
      { JWT_AUDIENCE_CLAIM: 'client_id', JWT_AUDIENCE: 'web-app' },
      { client_id: 'other-app' },
      'BAD_AUDIENCE',
      'JWT client_id is not accepted',
    ],
    ['an empty sub', {}, { sub: '' }, 'INVALID_CLAIMS', 'JWT sub is empty'],
    ['no jti', {}, { jti: undefined }, 'MISSING_JTI', 'JWT has no jti claim'],
    ['an empty jti', {}, { jti: '' }, 'BAD_JTI', 'JWT jti is empty'],
    [
      'an scp that is a number',
      {},
      { scp: 7 },
      'INVALID_CLAIMS',
      'JWT scp claim is not a string or a list of strings',
    ],
  ])('refuses %s with its code and reason', async (_name, settings, claims, code, message) => {
    const verifier = createTokenVerifier(config(settings));

    const outcome = verifier.verify(signJwt(key, goodClaims(claims)));

    await expect(outcome).rejects.toBeInstanceOf(TokenRejectedError);
    await expect(outcome).rejects.toMatchObject({ code, message });
  });
});

describe('a token without jti (ALLOW_TOKENS_WITHOUT_JTI=true)', () => {
  it('has no revocation key of its own, only its subject key', async () => {
    const verifier = createTokenVerifier(config({ ALLOW_TOKENS_WITHOUT_JTI: 'true' }));

    const verified = await verifier.verify(signJwt(key, goodClaims({ jti: undefined })));

    expect(verified.jti).toBeUndefined();
    expect(verified.revocationKey).toBeUndefined();
    expect(verified.subjectKey).toBe(subjectKey(ISSUER, 'alice'));
  });

  it('and a token without sub has no subject key', async () => {
    const verifier = createTokenVerifier(config());

    const verified = await verifier.verify(signJwt(key, goodClaims({ sub: undefined })));

    expect(verified.subjectKey).toBeUndefined();
    expect(verified.revocationKey).toBeDefined();
  });
});

describe('a scope given as a list of strings', () => {
  const listScope = (): string =>
    signJwt(key, goodClaims({ scope: ['orders:read', 'orders:write'] }));

  it('is accepted in a well-formed token', async () => {
    const verifier = createTokenVerifier(config());

    const verified = await verifier.verify(listScope());

    expect(verified.claims.scope).toEqual(['orders:read', 'orders:write']);
  });

  it('is accepted from either of two issuers', async () => {
    const verifier = createTokenVerifier(
      config({
        JWT_ISSUER: '',
        JWT_ISSUERS: JSON.stringify([
          { issuer: 'https://first.example', audience: AUDIENCE, jwksUri: jwks.uri },
          { issuer: ISSUER, audience: AUDIENCE, jwksUri: jwks.uri },
        ]),
      }),
    );

    const verified = await verifier.verify(listScope());

    expect(verified.iss).toBe(ISSUER);
    expect(verified.claims.scope).toEqual(['orders:read', 'orders:write']);
  });

  it('refuses a token with a character outside base64url, though its signature is good', async () => {
    const verifier = createTokenVerifier(config());
    const header = base64url(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' }));
    const payload = base64url(JSON.stringify(goodClaims({ scope: ['orders:read'] })));
    const signingInput = `${header}.${payload}!`;

    const outcome = verifier.verify(`${signingInput}.${signature(key, signingInput)}`);

    await expect(outcome).rejects.toMatchObject({ code: 'MALFORMED_TOKEN' });
  });

  it.each([
    ['a fourth part after the signature', (token: string) => `${token}.e30`],
    ['no signature part', (token: string) => token.split('.').slice(0, 2).join('.')],
  ])('does not make a token with %s well-formed', async (_name, malform) => {
    const verifier = createTokenVerifier(config());

    const outcome = verifier.verify(malform(listScope()));

    await expect(outcome).rejects.toMatchObject({ code: 'MALFORMED_TOKEN' });
  });
});

describe('a JTI_CLAIM other than jti', () => {
  it('refuses a value that is not a string: the number 123 is not the name "123"', async () => {
    const verifier = createTokenVerifier(config({ JTI_CLAIM: 'uti' }));

    const outcome = verifier.verify(signJwt(key, goodClaims({ jti: undefined, uti: 123 })));

    await expect(outcome).rejects.toBeInstanceOf(TokenRejectedError);
    await expect(outcome).rejects.toMatchObject({
      code: 'BAD_JTI',
      message: 'JWT uti claim is not a string',
    });
  });
});

describe("aws-jwt-verify's errors", () => {
  /** A JWKS cache whose every answer is `failure`, as the library's own cache may fail. */
  function failingKeys(failure: unknown): JwksCache {
    const fail = (): never => {
      throw failure;
    };
    return {
      getJwk: () => Promise.resolve().then(fail),
      getCachedJwk: fail,
      addJwks: () => undefined,
      getJwks: () => Promise.resolve().then(fail),
    };
  }

  it("maps a refusal of the library to its code, keeping the library's error as the cause", async () => {
    const forger = generateTestKey('RS256', key.kid);
    const verifier = createTokenVerifier(config());

    const outcome: unknown = await verifier
      .verify(signJwt(forger, goodClaims()))
      .catch((error: unknown) => error);

    expect(outcome).toMatchObject({ code: 'BAD_SIGNATURE', message: 'Invalid signature' });
    expect((outcome as Error).cause).toBeInstanceOf(JwtInvalidSignatureError);
  });

  it('refuses a token with INVALID_CLAIMS on a library error it has no code for', async () => {
    const failure = new FailedAssertionError('JWT check failed', 'actual', 'expected');
    const verifier = createTokenVerifier(config(), { jwksCache: failingKeys(failure) });

    const outcome = verifier.verify(signJwt(key, goodClaims()));

    await expect(outcome).rejects.toBeInstanceOf(TokenRejectedError);
    await expect(outcome).rejects.toMatchObject({
      code: 'INVALID_CLAIMS',
      message: 'JWT check failed',
      cause: failure,
    });
  });

  it('answers issuer keys it cannot fetch with KeysUnavailableError (500), keeping the cause', async () => {
    jwks.mode = 'status-500';
    const verifier = createTokenVerifier(config());

    const outcome: unknown = await verifier
      .verify(signJwt(key, goodClaims()))
      .catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(KeysUnavailableError);
    expect((outcome as Error).message).toMatch(/^issuer keys unavailable: ./);
    expect((outcome as Error).cause).toBeInstanceOf(FetchError);
  });

  it('keeps any other failure an error (500), never a refusal of the token', async () => {
    const failure = new Error('keys unreadable');
    const verifier = createTokenVerifier(config(), { jwksCache: failingKeys(failure) });
    const thrower = createTokenVerifier(config(), { jwksCache: failingKeys('keys unreadable') });

    const outcome: unknown = await verifier
      .verify(signJwt(key, goodClaims()))
      .catch((error: unknown) => error);
    const thrown: unknown = await thrower
      .verify(signJwt(key, goodClaims()))
      .catch((error: unknown) => error);

    expect(outcome).toBe(failure);
    expect(thrown).toEqual(new Error('keys unreadable'));
    expect(thrown).not.toBeInstanceOf(TokenRejectedError);
  });
});
