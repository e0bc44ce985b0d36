/**
 * Property-based tests (fast-check) of the whole authorizer: no token is ever allowed unless it
 * is validly signed by a trusted key, carries good claims and is not revoked; and once the
 * propagation window has passed, cached answers always equal the store's.
 */
import fc from 'fast-check';
import { RevocationChecker } from '../../../lambda/request/revocation-checker';
import { maxJtiBytes, subjectKey, tokenKey } from '../../../lambda/revocations/table';
import { MemoryRevocationStore } from '../../../lambda/revocations/table';
import { buildHandler, effectOf, startHarness, type Harness } from '../../helpers/harness';
import { AUDIENCE, base64url, goodClaims, ISSUER, signJwt, signature } from '../../helpers/tokens';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.stop();
});

const decoded = (token: string): string =>
  token
    .split('.')
    .map((part) => Buffer.from(part, 'base64url').toString('hex'))
    .join('.');

describe('mutated tokens', () => {
  it('are never allowed unless they decode to the very token that was signed', async () => {
    const built = buildHandler(harness.env);
    const original = signJwt(harness.key, goodClaims());
    expect(await effectOf(built, original)).toBe('Allow');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    const mutation = fc.oneof(
      // Replace, insert or delete characters anywhere.
      fc
        .array(
          fc.record({
            at: fc.nat({ max: original.length - 1 }),
            kind: fc.constantFrom('replace', 'insert', 'delete'),
            char: fc.constantFrom(...alphabet.split('')),
          }),
          { minLength: 1, maxLength: 4 },
        )
        .map((edits) => {
          let token = original;
          for (const { at, kind, char } of edits) {
            const index = Math.min(at, token.length - 1);
            if (kind === 'replace') token = token.slice(0, index) + char + token.slice(index + 1);
            if (kind === 'insert') token = token.slice(0, index) + char + token.slice(index);
            if (kind === 'delete') token = token.slice(0, index) + token.slice(index + 1);
          }
          return token;
        }),
      // Re-arrange, drop or repeat the three parts.
      fc
        .array(fc.nat({ max: 2 }), { minLength: 0, maxLength: 5 })
        .map((order) => order.map((part) => original.split('.')[part]).join('.')),
      // Another header or payload, any JSON, with the original signature.
      fc.tuple(fc.jsonValue(), fc.boolean()).map(([json, inHeader]) => {
        const [head, body, sig] = original.split('.') as [string, string, string];
        const replaced = base64url(JSON.stringify(json));
        return inHeader ? `${replaced}.${body}.${sig}` : `${head}.${replaced}.${sig}`;
      }),
    );

    await fc.assert(
      fc.asyncProperty(mutation, async (token) => {
        const result = await effectOf(built, token);
        if (decoded(token) === decoded(original) && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
          // A re-encoding of the same bytes (base64url's spare bits): the same token.
          expect(['Allow', 'Unauthorized']).toContain(result);
        } else {
          expect(result).toBe('Unauthorized');
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('signed tokens with arbitrary claims', () => {
  it('are allowed exactly when every claim is good', async () => {
    const built = buildHandler({ ...harness.env, JWT_CLOCK_SKEW_SECONDS: '5' });
    const now = Math.floor(Date.now() / 1000);
    // Each claim is good two times in three, so that most runs break one claim at a time.
    const claim = <T>(good: T, ...others: fc.Arbitrary<unknown>[]) =>
      fc.oneof(
        { arbitrary: fc.constant(good), weight: 2 * (others.length + 1) },
        { arbitrary: fc.constant(undefined), weight: 1 },
        ...others.map((arbitrary) => ({ arbitrary, weight: 1 })),
      );
    const claims = fc.record({
      iss: claim(
        ISSUER,
        fc.constant('https://other.example'),
        fc.constant(`${ISSUER}/`),
        fc.integer(),
      ),
      aud: claim(
        AUDIENCE,
        fc.constant('other'),
        fc.constant([AUDIENCE, 'x']),
        fc.constant(['x']),
        fc.constant([]),
        fc.integer(),
      ),
      exp: claim(
        now + 3600,
        fc.integer({ min: now - 100_000, max: now + 100_000 }),
        fc.constant(String(now + 3600)),
        fc.constant(null),
      ),
      nbf: claim(now, fc.integer({ min: now - 100, max: now + 100 }), fc.constant('soon')),
      jti: claim(
        'jti-good',
        fc.string({ maxLength: 20 }),
        fc.integer(),
        fc.constant(''),
        fc.constant('x'.repeat(maxJtiBytes(ISSUER) + 1)),
        fc.constant(['a']),
      ),
      sub: claim(
        'alice',
        fc.string({ maxLength: 10 }),
        fc.constant(''),
        fc.integer(),
        fc.constant(null),
      ),
    });
    const skew = 5;
    const expected = (c: Record<string, unknown>): boolean => {
      const t = Math.floor(Date.now() / 1000);
      const audOk =
        c.aud === AUDIENCE ||
        (Array.isArray(c.aud) &&
          c.aud.every((a) => typeof a === 'string') &&
          c.aud.includes(AUDIENCE));
      const expOk = typeof c.exp === 'number' && c.exp + skew > t;
      const nbfOk = c.nbf === undefined || (typeof c.nbf === 'number' && c.nbf - skew <= t);
      const jtiOk =
        typeof c.jti === 'string' &&
        c.jti.length > 0 &&
        Buffer.byteLength(tokenKey(ISSUER, c.jti)) <= 2048;
      const subOk = c.sub === undefined || (typeof c.sub === 'string' && c.sub.length > 0);
      return c.iss === ISSUER && audOk && expOk && nbfOk && jtiOk && subOk;
    };

    await fc.assert(
      fc.asyncProperty(claims, async (generated) => {
        const payload = Object.fromEntries(
          Object.entries(generated).filter(([, v]) => v !== undefined),
        );
        if (typeof payload.jti === 'string' && payload.jti.length > 0)
          payload.jti = `${payload.jti}-${Math.random()}`;
        const result = await effectOf(built, signJwt(harness.key, payload));

        expect(result).toBe(expected(payload) ? 'Allow' : 'Unauthorized');
      }),
      { numRuns: 400 },
    );
  });

  it('never verifies a signature made with another key, whatever the header says', async () => {
    const built = buildHandler(harness.env);
    const header = fc.record({
      alg: fc.constantFrom('RS256', 'HS256', 'none', 'ES256', 'RS512', 'PS256'),
      kid: fc.constantFrom(harness.key.kid, 'other', ''),
      typ: fc.constantFrom('JWT', 'at+jwt', undefined),
      jku: fc.constantFrom(undefined, 'http://127.0.0.1:1/jwks'),
    });

    await fc.assert(
      fc.asyncProperty(header, fc.nat(), async (head, seed) => {
        const input = `${base64url(JSON.stringify(head))}.${base64url(JSON.stringify(goodClaims({ jti: `p-${seed}-${Math.random()}` })))}`;
        const forged = `${input}.${signature(harness.otherKey, input)}`;

        expect(await effectOf(built, forged)).toBe('Unauthorized');
      }),
      { numRuns: 100 },
    );
  });
});

describe('cache and store', () => {
  it('agree on every token once one poll interval has passed since the last change', async () => {
    const keys = ['a', 'b', 'c', 'd'].map((name) => tokenKey(ISSUER, name));
    const command = fc.oneof(
      fc.record({ op: fc.constant('revoke' as const), key: fc.nat({ max: 3 }) }),
      fc.record({ op: fc.constant('unrevoke' as const), key: fc.nat({ max: 3 }) }),
      fc.record({ op: fc.constant('check' as const), key: fc.nat({ max: 3 }), wait: fc.boolean() }),
      fc.record({ op: fc.constant('logout' as const), at: fc.integer({ min: -5, max: 5 }) }),
    );

    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 40 }), async (commands) => {
        let clock = 1_900_000_000_000;
        const store = new MemoryRevocationStore(() => clock);
        const checker = new RevocationChecker({
          store,
          notRevokedTtlSeconds: 3600,
          generationPollSeconds: 1,
          maxEntries: 100,
          now: () => clock,
        });
        const subject = subjectKey(ISSUER, 'alice');
        const revoked = new Set<string>();
        let notBefore: number | undefined;
        let lastChange = -Infinity;
        for (const step of commands) {
          const key = keys['key' in step ? step.key : 0] as string;
          if (step.op === 'revoke') {
            store.revokeKey(key, { until: clock / 1000 + 7200 });
            revoked.add(key);
            lastChange = clock;
          } else if (step.op === 'unrevoke') {
            store.unrevokeKey(key);
            revoked.delete(key);
            lastChange = clock;
          } else if (step.op === 'logout') {
            // A subject's revocation time only moves forward: an earlier one changes nothing.
            notBefore = Math.max(notBefore ?? -Infinity, clock / 1000 + step.at);
            store.revokeKey(subject, {
              until: clock / 1000 + 7200,
              notBefore: clock / 1000 + step.at,
            });
            lastChange = clock;
          } else {
            if (step.wait) clock += 1001;
            const iat = clock / 1000 - 1;
            const token = {
              revocationKey: key,
              subjectKey: subject,
              exp: clock / 1000 + 3600,
              iat,
            };
            const answer = await checker.check(token);
            const truth = revoked.has(key) || (notBefore !== undefined && iat < notBefore);
            if (clock - lastChange >= 1000) {
              if (truth || !answer.revoked) {
                expect(answer.revoked).toBe(truth);
              } else {
                // A cached "revoked" is answered at once while the poll that lifts it runs in
                // the background (or joins one already under way): within two more checks the
                // answer must be right.
                let lifted = false;
                for (let attempt = 0; attempt < 2 && !lifted; attempt += 1) {
                  await new Promise((resolve) => setImmediate(resolve));
                  lifted = !(await checker.check(token)).revoked;
                }
                expect(lifted).toBe(true);
              }
            }
          }
          clock += 7;
        }
      }),
      { numRuns: 500 },
    );
  });
});
