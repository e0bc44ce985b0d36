/**
 * The token verifier's limits, on the real JWKS path (fetcher, max-age cache, penalty box)
 * against a JWKS server on loopback: the largest token it accepts, and how long it waits before
 * asking the issuer for keys again, in seconds as configured.
 */
import { createTokenVerifier } from '../../../lambda/request/token-verifier';
import { loadConfig } from '../../../lambda/shared/config';
import { TokenRejectedError } from '../../../lambda/shared/errors';
import { JwksServer } from '../../helpers/jwks-server';
import { AUDIENCE, generateTestKey, goodClaims, ISSUER, signJwt } from '../../helpers/tokens';

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
    await expect(outcome).rejects.toMatchObject({ code: 'TOKEN_TOO_LARGE' });
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
