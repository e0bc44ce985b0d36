/**
 * The handler's cases of the security checklist (signature, algorithm, keys, claims, jti),
 * each against the real verifier, a JWKS server and DynamoDB Local on loopback.
 */
import { createHmac, createSign } from 'node:crypto';
import { maxJtiBytes, tokenKey } from '../../../lambda/revocations/table';
import { putItem, ttlValue } from '../../helpers/dynamodb';
import { bearer, restTokenEvent } from '../../helpers/events';
import { buildHandler, effectOf, startHarness, type Harness } from '../../helpers/harness';
import { JwksServer } from '../../helpers/jwks-server';
import {
  AUDIENCE,
  base64url,
  generateTestKey,
  goodClaims,
  ISSUER,
  newJti,
  signJwt,
  signature,
  type TestKey,
} from '../../helpers/tokens';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.stop();
});

function header(key: TestKey, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: key.alg, kid: key.kid, typ: 'JWT', ...extra };
}

/** A token with the given header and payload and an arbitrary signature part. */
function unsigned(head: unknown, payload: unknown, sig = ''): string {
  return `${base64url(JSON.stringify(head))}.${base64url(JSON.stringify(payload))}.${sig}`;
}

describe('signature and algorithm', () => {
  it.each(['none', 'NONE', 'None', 'nOnE'])(
    'refuses alg "%s" with an empty signature',
    async (alg) => {
      const built = buildHandler(harness.env);

      const token = unsigned({ alg, kid: harness.key.kid, typ: 'JWT' }, goodClaims());

      expect(await effectOf(built, token)).toBe('Unauthorized');
    },
  );

  it('refuses HS256 signed with the issuer public key as PEM or as JWK (algorithm confusion)', async () => {
    const built = buildHandler(harness.env);
    const pem = harness.key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const jwkJson = JSON.stringify(harness.key.jwk);

    for (const secret of [pem, jwkJson, Buffer.from(harness.key.jwk.n ?? '', 'base64url')]) {
      const input = `${base64url(JSON.stringify({ alg: 'HS256', kid: harness.key.kid }))}.${base64url(JSON.stringify(goodClaims()))}`;
      const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      expect(await effectOf(built, token)).toBe('Unauthorized');
    }
  });

  it('refuses a good signature whose algorithm is outside JWT_ALGORITHMS', async () => {
    const built = buildHandler({ ...harness.env, JWT_ALGORITHMS: 'ES256' });

    const token = signJwt(harness.key, goodClaims());

    expect(await effectOf(built, token)).toBe('Unauthorized');
    expect(built.telemetry.last?.reason).toBe('ALGORITHM_NOT_ALLOWED');
  });

  it('refuses a header alg that does not match the JWK alg, even when the key signed it', async () => {
    const built = buildHandler(harness.env);
    const input = `${base64url(JSON.stringify(header(harness.key, { alg: 'RS384' })))}.${base64url(JSON.stringify(goodClaims()))}`;
    const sig = createSign('RSA-SHA384').update(input).sign(harness.key.privateKey, 'base64url');

    expect(await effectOf(built, `${input}.${sig}`)).toBe('Unauthorized');
  });

  it('refuses one flipped bit, a truncated signature and a missing signature', async () => {
    const built = buildHandler(harness.env);
    const good = signJwt(harness.key, goodClaims());
    const [head, body, sig] = good.split('.') as [string, string, string];
    const bytes = Buffer.from(sig, 'base64url');
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;

    expect(await effectOf(built, `${head}.${body}.${bytes.toString('base64url')}`)).toBe(
      'Unauthorized',
    );
    expect(await effectOf(built, `${head}.${body}.${sig.slice(0, sig.length / 2)}`)).toBe(
      'Unauthorized',
    );
    expect(await effectOf(built, `${head}.${body}.`)).toBe('Unauthorized');
    expect(await effectOf(built, `${head}.${body}`)).toBe('Unauthorized');
    expect(await effectOf(built, good)).toBe('Allow');
  });

  it('checks the signature before any claim', async () => {
    const built = buildHandler(harness.env);
    const expired = signJwt(harness.key, goodClaims({ exp: 1000, iss: 'https://evil.example' }));
    const [head, body] = expired.split('.') as [string, string];
    const forged = `${head}.${body}.${signature(generateTestKey('RS256'), `${head}.${body}`)}`;

    expect(await effectOf(built, forged)).toBe('Unauthorized');
    // The issuer is not trusted: that is found before the key lookup. A trusted issuer with a
    // bad signature must report the signature, not the expiry.
    const trustedExpired = signJwt(harness.key, goodClaims({ exp: 1000 }));
    const [h2, b2] = trustedExpired.split('.') as [string, string];
    const forged2 = `${h2}.${b2}.${signature(generateTestKey('RS256'), `${h2}.${b2}`)}`;
    expect(await effectOf(built, forged2)).toBe('Unauthorized');
    expect(built.telemetry.last?.reason).toBe('BAD_SIGNATURE');
  });

  it('ignores jwk, jku, x5u and x5c headers naming an attacker key, and fetches nothing for them', async () => {
    const attacker = generateTestKey('RS256', harness.key.kid);
    const attackerJwks = await JwksServer.start([attacker.jwk]);
    try {
      const built = buildHandler(harness.env);
      const heads = [
        { jwk: attacker.jwk },
        { jku: attackerJwks.uri },
        { x5u: attackerJwks.uri },
        { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
        { jku: attackerJwks.uri, kid: 'attacker-only-kid' },
      ];

      for (const extra of heads) {
        const token = signJwt(attacker, goodClaims(), header(attacker, extra));
        expect(await effectOf(built, token)).toBe('Unauthorized');
      }

      expect(attackerJwks.requests).toBe(0);
    } finally {
      await attackerJwks.stop();
    }
  });

  it.each([
    ['unknown', 'no-such-kid'],
    ['very long', 'k'.repeat(5000)],
    ['path-like', '../../../../etc/passwd'],
    ['a number', 42],
    ['an object', { $ne: null }],
    ['missing', undefined],
  ])('refuses a kid that is %s', async (_name, kid) => {
    const built = buildHandler(harness.env);

    const token = signJwt(harness.key, goodClaims(), { alg: 'RS256', kid, typ: 'JWT' });

    expect(await effectOf(built, token)).toBe('Unauthorized');
  });

  it('fetches the JWKS at most once per cooldown during a burst of unknown kids', async () => {
    const jwks = await JwksServer.start([harness.key.jwk]);
    try {
      const built = buildHandler({
        ...harness.env,
        JWKS_URI: jwks.uri,
        JWKS_COOLDOWN_SECONDS: '60',
      });
      expect(await effectOf(built, signJwt(harness.key, goodClaims()))).toBe('Allow');
      expect(jwks.requests).toBe(1);

      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          effectOf(
            built,
            signJwt(harness.key, goodClaims(), header(harness.key, { kid: `rotated-${index}` })),
          ),
        ),
      );

      expect(new Set(outcomes)).toEqual(new Set(['Unauthorized']));
      expect(jwks.requests).toBeLessThanOrEqual(2);
    } finally {
      await jwks.stop();
    }
  });

  it.each(['status-500', 'garbage', 'hang'] as const)(
    'fails closed (500, never Allow) when the JWKS endpoint answers "%s" at cold start',
    async (mode) => {
      const jwks = await JwksServer.start([harness.key.jwk]);
      jwks.mode = mode;
      try {
        const built = buildHandler({ ...harness.env, JWKS_URI: jwks.uri, JWKS_TIMEOUT_MS: '300' });

        expect(await effectOf(built, signJwt(harness.key, goodClaims()))).toBe('FailClosed');
        expect(built.telemetry.last?.reason).toBe('KEYS_UNAVAILABLE');
      } finally {
        await jwks.stop();
      }
    },
  );

  it('fails closed when the JWKS endpoint is unreachable at cold start, and recovers', async () => {
    const jwks = await JwksServer.start([harness.key.jwk]);
    const uri = jwks.uri;
    await jwks.stop();
    const built = buildHandler({ ...harness.env, JWKS_URI: uri });

    expect(await effectOf(built, signJwt(harness.key, goodClaims()))).toBe('FailClosed');
  });

  it.each([
    ['five parts (JWE)', 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d'],
    ['JSON serialisation', '{"payload":"e30","signatures":[{"signature":"abc"}]}'],
    ['characters outside base64url', 'eyJhbGciOiJSUzI1NiJ9.e30!.c2ln'],
    ['spaces inside', 'eyJhbGciOiJSUzI1NiJ9 .e30.c2ln'],
    ['one part', 'eyJhbGciOiJSUzI1NiJ9'],
    ['empty parts', '..'],
  ])('refuses a token made of %s', async (_name, token) => {
    const built = buildHandler(harness.env);

    expect(await effectOf(built, token)).toBe('Unauthorized');
  });

  it.each(['ES256', 'ES384', 'EdDSA'] as const)('accepts a good %s token', async (alg) => {
    const key = generateTestKey(alg);
    const jwks = await JwksServer.start([key.jwk]);
    try {
      const built = buildHandler({ ...harness.env, JWKS_URI: jwks.uri });

      expect(await effectOf(built, signJwt(key, goodClaims()))).toBe('Allow');
    } finally {
      await jwks.stop();
    }
  });
});

describe('crit header (RFC 7515 section 4.1.11)', () => {
  it.each([
    ['an unknown extension', ['https://ext.example/flag'], { 'https://ext.example/flag': true }],
    ['b64 (RFC 7797), which the authorizer does not implement', ['b64'], { b64: true }],
    ['a registered header it must not list', ['alg'], {}],
    ['an empty list', [], {}],
    ['a string', 'exp', {}],
    ['a list holding a non-string', [42], {}],
    ['null', null, {}],
    ['an object', { ext: true }, {}],
  ])('refuses a well-signed token whose crit is %s', async (_name, crit, extra) => {
    const built = buildHandler(harness.env);

    const token = signJwt(harness.key, goodClaims(), header(harness.key, { ...extra, crit }));

    expect(await effectOf(built, token)).toBe('Unauthorized');
    expect(built.telemetry.last?.reason).toBe('MALFORMED_TOKEN');
  });
});

describe('claims', () => {
  const now = (): number => Math.floor(Date.now() / 1000);

  it.each([
    ['a wrong iss', { iss: 'https://evil.example' }],
    ['an iss differing only in a trailing slash', { iss: `${ISSUER}/` }],
    ['no iss', { iss: undefined }],
    ['no aud', { aud: undefined }],
    ['a wrong aud', { aud: 'other-api' }],
    ['an aud array without ours', { aud: ['a', 'b'] }],
    ['no exp', { exp: undefined }],
    ['an exp that is a string', { exp: String(now() + 3600) }],
    ['an exp in the past', { exp: now() - 60 }],
    ['an nbf in the future beyond the skew', { nbf: now() + 60 }],
    ['an iat that is a string', { iat: 'yesterday' }],
    ['a sub that is a number', { sub: 42 }],
  ])('refuses %s', async (_name, overrides) => {
    const built = buildHandler(harness.env);

    expect(await effectOf(built, signJwt(harness.key, goodClaims(overrides)))).toBe('Unauthorized');
  });

  it('refuses a token at its exp instant: exp must be strictly in the future', async () => {
    const pinned = Date.now();
    const exp = Math.floor(pinned / 1000) + 600;
    const built = buildHandler(
      { ...harness.env, JWT_CLOCK_SKEW_SECONDS: '0' },
      { now: () => exp * 1000 },
    );

    expect(await effectOf(built, signJwt(harness.key, goodClaims({ exp })))).toBe('Unauthorized');
    expect(built.telemetry.last?.reason).toBe('EXPIRED');
  });

  it('accepts an aud array containing ours, and an nbf within the clock skew', async () => {
    const built = buildHandler({ ...harness.env, JWT_CLOCK_SKEW_SECONDS: '30' });

    const token = signJwt(harness.key, goodClaims({ aud: ['other', AUDIENCE], nbf: now() + 10 }));

    expect(await effectOf(built, token)).toBe('Allow');
  });

  it('accepts a scope given as a list of strings, joined with spaces in the context', async () => {
    const built = buildHandler(harness.env);
    const token = signJwt(harness.key, goodClaims({ scope: ['orders:read', 'orders:write'] }));

    const response = await built.handler(restTokenEvent(bearer(token)));

    expect(response).toMatchObject({
      policyDocument: { Statement: [{ Effect: 'Allow' }] },
      context: { scope: 'orders:read orders:write' },
    });
  });

  it.each([
    ['scope', 'a number', 42],
    ['scope', 'a boolean', true],
    ['scope', 'null', null],
    ['scope', 'an object', { read: true }],
    ['scope', 'a list holding a number', ['orders:read', 1]],
    ['scope', 'a list holding a list', [['orders:read']]],
    ['scp', 'a number', 42],
    ['scp', 'an object', { read: true }],
    ['scp', 'a list holding null', ['orders:read', null]],
  ])('refuses a %s claim that is %s', async (claim, _name, value) => {
    const built = buildHandler(harness.env);

    const token = signJwt(harness.key, goodClaims({ scope: undefined, [claim]: value }));

    expect(await effectOf(built, token)).toBe('Unauthorized');
  });

  it('checks every other claim, and the signature, of a token with a list scope', async () => {
    const built = buildHandler(harness.env);
    const listScope = { scope: ['orders:read'] };
    const good = signJwt(harness.key, goodClaims(listScope));
    const [head, , sig] = good.split('.') as [string, string, string];
    const widened = base64url(JSON.stringify(goodClaims({ scope: ['orders:read', 'admin'] })));

    const tampered = await effectOf(built, `${head}.${widened}.${sig}`);
    const badExp = await effectOf(
      built,
      signJwt(harness.key, goodClaims({ ...listScope, exp: 'tomorrow' })),
    );
    const badIss = await effectOf(
      built,
      signJwt(harness.key, goodClaims({ ...listScope, iss: 'https://evil.example' })),
    );

    expect([tampered, badExp, badIss]).toEqual(['Unauthorized', 'Unauthorized', 'Unauthorized']);
    expect(await effectOf(built, good)).toBe('Allow');
  });

  it('refuses a two-part token with a list scope as malformed, without fetching the JWKS', async () => {
    const built = buildHandler(harness.env);
    const [head, body] = signJwt(harness.key, goodClaims({ scope: ['orders:read'] })).split('.');
    const fetches = harness.jwks.requests;

    const answer = await effectOf(built, `${head}.${body}`);

    expect(answer).toBe('Unauthorized');
    expect(built.telemetry.last?.reason).toBe('MALFORMED_TOKEN');
    expect(harness.jwks.requests).toBe(fetches);
  });

  it.each([
    ['a JSON array', ['iss', ISSUER]],
    ['a JSON string', 'hello'],
    ['null', null],
    ['a number', 42],
  ])('refuses a payload that is %s', async (_name, payload) => {
    const built = buildHandler(harness.env);

    expect(await effectOf(built, signJwt(harness.key, payload))).toBe('Unauthorized');
  });

  it('is not polluted by __proto__ or constructor in the payload', async () => {
    const built = buildHandler(harness.env);
    const claims = goodClaims();
    const json = JSON.stringify(claims).replace(
      /^\{/,
      '{"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},',
    );
    const input = `${base64url(JSON.stringify(header(harness.key)))}.${base64url(json)}`;
    const token = `${input}.${signature(harness.key, input)}`;

    const response = await built.handler(restTokenEvent(bearer(token)));

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(JSON.stringify(response)).not.toContain('polluted');
  });

  it('refuses a token above the size cap before decoding it', async () => {
    const jwks = await JwksServer.start([harness.key.jwk]);
    try {
      const built = buildHandler({
        ...harness.env,
        JWKS_URI: jwks.uri,
        JWT_MAX_TOKEN_BYTES: '2048',
      });

      const token = signJwt(harness.key, goodClaims({ padding: 'x'.repeat(4000) }));

      expect(await effectOf(built, token)).toBe('Unauthorized');
      expect(built.telemetry.last?.reason).toBe('TOKEN_TOO_LARGE');
      expect(jwks.requests).toBe(0);
    } finally {
      await jwks.stop();
    }
  });

  describe('JWT_REQUIRED_TYP=at+jwt (RFC 9068 access tokens)', () => {
    it.each([
      ['at+jwt', 'Allow'],
      ['application/at+jwt', 'Allow'],
      ['AT+JWT', 'Allow'],
      ['JWT', 'Unauthorized'],
      [undefined, 'Unauthorized'],
      [7, 'Unauthorized'],
    ])('typ %p -> %s', async (typ, expected) => {
      const built = buildHandler({ ...harness.env, JWT_REQUIRED_TYP: 'at+jwt' });

      const token = signJwt(harness.key, goodClaims(), header(harness.key, { typ }));

      expect(await effectOf(built, token)).toBe(expected);
    });
  });

  it('checks client_id instead of aud with JWT_AUDIENCE_CLAIM=client_id (Cognito access tokens)', async () => {
    const built = buildHandler({
      ...harness.env,
      JWT_AUDIENCE: 'web-app',
      JWT_AUDIENCE_CLAIM: 'client_id',
    });

    expect(await effectOf(built, signJwt(harness.key, goodClaims({ aud: undefined })))).toBe(
      'Allow',
    );
    expect(
      await effectOf(
        built,
        signJwt(harness.key, goodClaims({ aud: undefined, client_id: 'other' })),
      ),
    ).toBe('Unauthorized');
    expect(
      await effectOf(
        built,
        signJwt(harness.key, goodClaims({ aud: undefined, client_id: undefined })),
      ),
    ).toBe('Unauthorized');
  });
});

describe('jti', () => {
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['a number', 123],
    ['an array', ['a']],
    ['an object', { id: 'a' }],
    ['a boolean', true],
    ['null', null],
    ['a lone surrogate', 'abc\ud800'],
  ])('refuses a jti that is %s', async (_name, jti) => {
    const built = buildHandler(harness.env);

    expect(await effectOf(built, signJwt(harness.key, goodClaims({ jti })))).toBe('Unauthorized');
  });

  it('does not take the number 123 for the string "123"', async () => {
    const jti = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    const built = buildHandler(harness.env);

    expect(await effectOf(built, signJwt(harness.key, goodClaims({ jti: Number(jti) })))).toBe(
      'Unauthorized',
    );
    expect(await effectOf(built, signJwt(harness.key, goodClaims({ jti })))).toBe('Allow');
  });

  it('refuses a jti longer than the table key allows without calling DynamoDB', async () => {
    const built = buildHandler({ ...harness.env, JWT_MAX_TOKEN_BYTES: '16384' });
    const gets = harness.dynamo.count('GetItem');

    const tooLong = 'j'.repeat(maxJtiBytes(ISSUER) + 1);
    const multiByte = '\u00e9'.repeat(Math.floor(maxJtiBytes(ISSUER) / 2) + 1);

    expect(await effectOf(built, signJwt(harness.key, goodClaims({ jti: tooLong })))).toBe(
      'Unauthorized',
    );
    expect(await effectOf(built, signJwt(harness.key, goodClaims({ jti: multiByte })))).toBe(
      'Unauthorized',
    );
    expect(built.telemetry.last?.reason).toBe('BAD_JTI');
    expect(harness.dynamo.count('GetItem')).toBe(gets);
  });

  it('accepts, and can revoke, a jti exactly at the limit', async () => {
    const built = buildHandler({ ...harness.env, JWT_MAX_TOKEN_BYTES: '16384' });
    const prefix = newJti();
    const atLimit = prefix + 'x'.repeat(maxJtiBytes(ISSUER) - prefix.length);
    const other = prefix + 'y'.repeat(maxJtiBytes(ISSUER) - prefix.length);
    await putItem(harness.client, harness.tableName, tokenKey(ISSUER, atLimit), {
      ...ttlValue(Math.floor(Date.now() / 1000) + 3600),
    });

    expect(await effectOf(built, signJwt(harness.key, goodClaims({ jti: atLimit })))).toBe('Deny');
    expect(await effectOf(built, signJwt(harness.key, goodClaims({ jti: other })))).toBe('Allow');
  });

  it('names the token by another claim with JTI_CLAIM (Entra ID uti)', async () => {
    const built = buildHandler({ ...harness.env, JTI_CLAIM: 'uti' });
    const uti = newJti();
    await putItem(harness.client, harness.tableName, tokenKey(ISSUER, uti), {
      ...ttlValue(Math.floor(Date.now() / 1000) + 3600),
    });

    expect(await effectOf(built, signJwt(harness.key, goodClaims({ jti: undefined, uti })))).toBe(
      'Deny',
    );
    expect(await effectOf(built, signJwt(harness.key, goodClaims({ uti: newJti() })))).toBe(
      'Allow',
    );
    expect(await effectOf(built, signJwt(harness.key, goodClaims()))).toBe('Unauthorized');
  });
});
