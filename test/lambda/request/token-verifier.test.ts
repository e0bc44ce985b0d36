/**
 * The verified-token cache of the token verifier: a repeated token skips the signature check,
 * but only inside the token's acceptance window (before exp + JWT_CLOCK_SKEW_SECONDS). The clock
 * is pinned; a token served from the cache is the very object the first verification returned.
 */
import { createTokenVerifier, type TokenVerifier } from '../../../lambda/request/token-verifier';
import { loadConfig } from '../../../lambda/shared/config';
import { TokenRejectedError } from '../../../lambda/shared/errors';
import { JwksServer } from '../../helpers/jwks-server';
import { AUDIENCE, generateTestKey, goodClaims, ISSUER, signJwt } from '../../helpers/tokens';

const SKEW_SECONDS = 5;
const key = generateTestKey('RS256');
let jwks: JwksServer;

beforeAll(async () => {
  jwks = await JwksServer.start([key.jwk]);
});
afterAll(async () => {
  await jwks.stop();
});

/** A verifier on the real JWKS path (fetcher, max-age cache) whose clock reads `clock.ms`. */
function verifierWithClock(clock: { ms: number }): TokenVerifier {
  const config = loadConfig({
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URI: jwks.uri,
    JWT_CLOCK_SKEW_SECONDS: String(SKEW_SECONDS),
    REVOCATION_TABLE_NAME: 'revocations',
    AWS_REGION: 'us-east-1',
  });
  return createTokenVerifier(config, { now: () => clock.ms });
}

describe('verified-token cache', () => {
  it('serves a token from the cache up to exp + skew, and refuses it at exp + skew', async () => {
    const clock = { ms: Date.now() };
    const exp = Math.floor(clock.ms / 1000) + 600;
    const verifier = verifierWithClock(clock);
    const token = signJwt(key, goodClaims({ exp }));
    const first = await verifier.verify(token);

    clock.ms = (exp + SKEW_SECONDS - 1) * 1000;
    const oneSecondBefore = await verifier.verify(token);
    clock.ms = (exp + SKEW_SECONDS) * 1000 - 1;
    const lastMillisecond = await verifier.verify(token);
    clock.ms = (exp + SKEW_SECONDS) * 1000;
    const atWindowEnd = await verifier.verify(token).catch((error: unknown) => error);

    expect(oneSecondBefore).toBe(first);
    expect(lastMillisecond).toBe(first);
    expect(atWindowEnd).toBeInstanceOf(TokenRejectedError);
    expect(atWindowEnd).toMatchObject({ code: 'EXPIRED' });
  });

  // Whether the entry is still held at exp + skew shows only if the clock then goes back (an NTP
  // correction): a held entry would be served again, a forgotten one is verified afresh.
  it('forgets the token at exp + skew: the entry does not outlive the window', async () => {
    const clock = { ms: Date.now() };
    const exp = Math.floor(clock.ms / 1000) + 600;
    const verifier = verifierWithClock(clock);
    const token = signJwt(key, goodClaims({ exp }));
    const first = await verifier.verify(token);

    clock.ms = (exp + SKEW_SECONDS) * 1000;
    const atWindowEnd = await verifier.verify(token).catch((error: unknown) => error);
    clock.ms = (exp + SKEW_SECONDS - 1) * 1000;
    const afterClockBack = await verifier.verify(token);

    expect(atWindowEnd).toMatchObject({ code: 'EXPIRED' });
    expect(afterClockBack).not.toBe(first);
  });
});
