/**
 * Key rotation at the issuer: new keys are picked up, withdrawn keys stop being trusted within
 * JWKS_MAX_AGE_SECONDS (also through the verified-token cache), and an issuer outage at refresh
 * time keeps the keys in hand instead of failing every request.
 */
import { buildHandler, effectOf, startHarness, type Harness } from '../../helpers/harness';
import { JwksServer } from '../../helpers/jwks-server';
import { generateTestKey, goodClaims, signJwt } from '../../helpers/tokens';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.stop();
});

describe('key rotation', () => {
  it('accepts a token signed by a key the issuer added after the JWKS was cached', async () => {
    const first = generateTestKey('RS256');
    const jwks = await JwksServer.start([first.jwk]);
    try {
      const built = buildHandler({ ...harness.env, JWKS_URI: jwks.uri });
      expect(await effectOf(built, signJwt(first, goodClaims()))).toBe('Allow');
      const second = generateTestKey('RS256');
      jwks.setKeys([first.jwk, second.jwk]);

      expect(await effectOf(built, signJwt(second, goodClaims()))).toBe('Allow');
      expect(jwks.requests).toBe(2);
    } finally {
      await jwks.stop();
    }
  });

  it('stops trusting a withdrawn key once the JWKS is older than JWKS_MAX_AGE_SECONDS, cached tokens included', async () => {
    const old = generateTestKey('RS256');
    const replacement = generateTestKey('RS256');
    const jwks = await JwksServer.start([old.jwk, replacement.jwk]);
    let clock = Date.now();
    try {
      const built = buildHandler(
        { ...harness.env, JWKS_URI: jwks.uri, JWKS_MAX_AGE_SECONDS: '600' },
        { now: () => clock },
      );
      const token = signJwt(old, goodClaims());
      expect(await effectOf(built, token)).toBe('Allow');
      jwks.setKeys([replacement.jwk]);

      clock += 599_000;
      const beforeMaxAge = await effectOf(built, token);
      clock += 2_000;
      const afterMaxAge = await effectOf(built, token);
      const freshToken = await effectOf(built, signJwt(old, goodClaims()));

      expect(beforeMaxAge).toBe('Allow');
      expect(afterMaxAge).toBe('Unauthorized');
      expect(freshToken).toBe('Unauthorized');
      expect(await effectOf(built, signJwt(replacement, goodClaims()))).toBe('Allow');
    } finally {
      await jwks.stop();
    }
  });

  it('keeps the keys in hand when the issuer is down at refresh time, and retries after the cooldown', async () => {
    const key = generateTestKey('RS256');
    const jwks = await JwksServer.start([key.jwk]);
    let clock = Date.now();
    try {
      const built = buildHandler(
        {
          ...harness.env,
          JWKS_URI: jwks.uri,
          JWKS_MAX_AGE_SECONDS: '600',
          JWKS_COOLDOWN_SECONDS: '30',
          JWKS_TIMEOUT_MS: '300',
        },
        { now: () => clock },
      );
      expect(await effectOf(built, signJwt(key, goodClaims()))).toBe('Allow');
      jwks.mode = 'status-500';

      clock += 601_000;
      const duringOutage = await effectOf(built, signJwt(key, goodClaims()));
      const requestsAfterFailure = jwks.requests;
      const withinCooldown = await effectOf(built, signJwt(key, goodClaims()));
      jwks.mode = 'ok';
      clock += 31_000;
      const afterCooldown = await effectOf(built, signJwt(key, goodClaims()));

      expect(duringOutage).toBe('Allow');
      expect(withinCooldown).toBe('Allow');
      expect(jwks.requests).toBeGreaterThan(requestsAfterFailure);
      expect(afterCooldown).toBe('Allow');
    } finally {
      await jwks.stop();
    }
  });
});

describe('verified-token cache', () => {
  it('verifies a repeated token once, and still refuses it at its exp', async () => {
    let clock = Date.now();
    const built = buildHandler(
      { ...harness.env, JWT_CLOCK_SKEW_SECONDS: '0' },
      { now: () => clock },
    );
    const exp = Math.floor(clock / 1000) + 120;
    const token = signJwt(harness.key, goodClaims({ exp }));
    expect(await effectOf(built, token)).toBe('Allow');
    expect(await effectOf(built, token)).toBe('Allow');

    clock = exp * 1000;

    expect(await effectOf(built, token)).toBe('Unauthorized');
    expect(built.telemetry.last?.reason).toBe('EXPIRED');
  });

  it('does not let a different string of the same token ride on the cache', async () => {
    const built = buildHandler(harness.env);
    const token = signJwt(harness.key, goodClaims());
    expect(await effectOf(built, token)).toBe('Allow');
    const [head, body, sig] = token.split('.') as [string, string, string];
    const tampered = `${head}.${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'AB' : 'AA'}`;

    expect(await effectOf(built, tampered)).toBe('Unauthorized');
  });

  it('can be turned off with VERIFIED_TOKEN_CACHE_ENTRIES=0', async () => {
    const key = generateTestKey('RS256');
    const jwks = await JwksServer.start([key.jwk]);
    let clock = Date.now();
    try {
      const built = buildHandler(
        {
          ...harness.env,
          JWKS_URI: jwks.uri,
          VERIFIED_TOKEN_CACHE_ENTRIES: '0',
          JWKS_MAX_AGE_SECONDS: '600',
        },
        { now: () => clock },
      );
      const token = signJwt(key, goodClaims());
      expect(await effectOf(built, token)).toBe('Allow');
      jwks.setKeys([]);
      clock += 601_000;

      expect(await effectOf(built, token)).toBe('Unauthorized');
    } finally {
      await jwks.stop();
    }
  });
});
