/**
 * The token verifier's part of the cold-start prefetch (`prefetchKeys`), on a real JWKS server:
 * it judges a JWKS as aws-jwt-verify judges the keys it fetches itself, reports every failure
 * with its cause, closes its connection when the prefetch abandons it, and leaves a JWKS cache
 * handed in to be filled the library's way.
 */
import type { JwksCache, JwkWithKid } from 'aws-jwt-verify/jwk';
import { createTokenVerifier } from '../../../lambda/request/token-verifier';
import { loadConfig } from '../../../lambda/shared/config';
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
    AWS_REGION: 'eu-west-1',
    ...settings,
  });
}

const signal = (): AbortSignal => new AbortController().signal;

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** The messages of the failures an AggregateError reports. */
function causes(error: unknown): string[] {
  return (error as AggregateError).errors.map((cause) => (cause as Error).message);
}

describe('prefetchKeys', () => {
  it.each([
    [
      'bytes that are not UTF-8, in a string of an otherwise good JWKS',
      Buffer.concat([
        Buffer.from(`{"keys":${JSON.stringify([key.jwk])},"note":"`),
        Buffer.from([0xff]),
        Buffer.from('"}'),
      ]),
    ],
    [
      'a JWKS behind a byte-order mark',
      Buffer.from(`\ufeff${JSON.stringify({ keys: [key.jwk] })}`),
    ],
  ])('refuses %s, as the library refuses it when it fetches the keys itself', async (_n, body) => {
    jwks.mode = 'raw';
    jwks.rawBody = body;
    const verifier = createTokenVerifier(config());

    const error = await rejection(verifier.prefetchKeys(signal()));
    const direct = await rejection(verifier.verify(signJwt(key, goodClaims())));

    expect(error).toBeInstanceOf(AggregateError);
    expect(causes(error)).toEqual([
      expect.stringMatching(/^JWKS at \S+ could not be parsed as JSON: \S/),
    ]);
    expect(direct).toMatchObject({
      code: 'KEYS_UNAVAILABLE',
      message: expect.stringContaining('could not be parsed as JSON') as unknown,
    });
  });

  it('reports each failure with its cause', async () => {
    jwks.mode = 'status-500';
    const verifier = createTokenVerifier(config());

    const error = await rejection(verifier.prefetchKeys(signal()));

    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).message).toBe('issuer keys not prefetched');
    expect(causes(error)).toEqual([expect.stringContaining('Status code is 500')]);
  });

  it('closes its JWKS connection when abandoned, not at the fetch deadline', async () => {
    // The fetch's own deadline is 30 s, past this test's bound: only the abandonment closes it.
    jwks.mode = 'hang';
    const verifier = createTokenVerifier(config({ JWKS_TIMEOUT_MS: '30000' }));
    const abandon = new AbortController();

    const prefetched = rejection(verifier.prefetchKeys(abandon.signal));
    // Aborted once the request is in, or at once if the prefetch failed before sending it.
    await Promise.race([jwks.until(() => jwks.requests > 0), prefetched]);
    abandon.abort();

    await jwks.until(() => jwks.hungClosed >= 1);
    expect(causes(await prefetched)).toEqual([
      expect.stringContaining('JWKS fetch abandoned by its caller'),
    ]);
    expect(jwks.requests).toBe(1);
  }, 10_000);

  it('leaves a JWKS cache handed in to the library, which fills it from that cache', async () => {
    const jwk = key.jwk as unknown as JwkWithKid;
    const asked: string[] = [];
    const keys: JwksCache = {
      getJwk: () => Promise.resolve(jwk),
      getCachedJwk: () => jwk,
      addJwks: () => undefined,
      getJwks: (uri) => {
        asked.push(uri);
        return Promise.resolve({ keys: [jwk] });
      },
    };
    const verifier = createTokenVerifier(config(), { jwksCache: keys });

    await verifier.prefetchKeys(signal());

    expect(asked).toEqual([jwks.uri]);
    expect(jwks.requests).toBe(0);
  });
});
