/**
 * Chosen claims in an Allow's context: flat strings only, each capped, the whole context within
 * its budget, left out whole (never cut) when they cannot be passed, and only on Allow.
 */
import fc from 'fast-check';
import {
  addContextClaims,
  contextEntryBytes,
  droppedContextClaims,
  flattenClaimValue,
} from '../../../lambda/request/claims-context';
import {
  allowResponse,
  contextBytes,
  denyResponse,
  MAX_CONTEXT_BYTES,
  tokenContext,
  type DecisionInput,
} from '../../../lambda/request/responses';
import type { VerifiedToken } from '../../../lambda/request/token-verifier';
import {
  FIXED_CONTEXT_KEYS,
  MAX_CONTEXT_CLAIM_BYTES,
  type ContextClaim,
} from '../../../lambda/shared/context-claims';

const ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/orders/42';

function verified(claims: Record<string, unknown> = {}): VerifiedToken {
  const all = { iss: 'https://i', jti: 'j-1', sub: 'alice', exp: 2_000_000_000, ...claims };
  return {
    iss: all.iss,
    jti: all.jti,
    sub: all.sub,
    exp: all.exp,
    iat: undefined,
    revocationKey: 'k',
    subjectKey: 's',
    claims: all,
  };
}

function input(token: VerifiedToken, contextClaims: readonly ContextClaim[]): DecisionInput {
  return {
    kind: 'rest-token',
    httpApiResponseMode: 'simple',
    resourceArn: ARN,
    token,
    contextClaims,
  };
}

const named = (...claims: string[]): ContextClaim[] =>
  claims.map((claim) => ({ claim, key: claim }));

describe('flattenClaimValue', () => {
  it.each([
    ['a string', 'a@example.com', 'a@example.com'],
    ['an empty string', '', ''],
    ['a number', 42, '42'],
    ['a fraction', 1.5, '1.5'],
    ['true', true, 'true'],
    ['false', false, 'false'],
    ['a list of strings, joined with spaces', ['admins', 'devs'], 'admins devs'],
    ['an empty list', [], ''],
    ['an object', { a: 1 }, undefined],
    ['null', null, undefined],
    ['a mixed list', ['a', 1], undefined],
    ['a list of numbers', [1, 2], undefined],
    ['a list of lists', [['a']], undefined],
    ['a list with an item holding a space (ambiguous once joined)', ['Team A'], undefined],
    ['a list with an empty item', ['a', ''], undefined],
  ])('%s', (_name, value, flat) => {
    expect(flattenClaimValue(value)).toBe(flat);
  });
});

describe('chosen claims in the context', () => {
  it('passes each under its key, after the fixed ones', () => {
    const token = verified({ email: 'a@example.com', 'cognito:groups': ['admins', 'devs'] });

    const context = tokenContext(token, [
      { claim: 'email', key: 'email' },
      { claim: 'cognito:groups', key: 'groups' },
    ]);

    expect(context).toEqual({
      iss: 'https://i',
      jti: 'j-1',
      sub: 'alice',
      email: 'a@example.com',
      groups: 'admins devs',
    });
  });

  it('leaves out a value over the cap whole, and keeps one exactly at it', () => {
    const atCap = 'é'.repeat(MAX_CONTEXT_CLAIM_BYTES / 2);
    const token = verified({ exact: atCap, over: `${atCap}x` });

    const context = tokenContext(token, named('exact', 'over'));

    expect(context.exact).toBe(atCap);
    expect(context.over).toBeUndefined();
    expect(droppedContextClaims(token.claims, named('exact', 'over'), context)).toEqual([
      { claim: 'over', reason: 'too-long' },
    ]);
  });

  it('fills the context in the configured order and leaves out what no longer fits', () => {
    const value = 'v'.repeat(MAX_CONTEXT_CLAIM_BYTES - 10);
    const claims = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`c${i}`, value]));
    const token = verified({ ...claims, small: 'fits' });
    const chosen = named(...Object.keys(claims), 'small');

    const context = tokenContext(token, chosen);

    expect(contextBytes(context)).toBeLessThanOrEqual(MAX_CONTEXT_BYTES);
    expect(Object.keys(context)).toEqual([
      'iss',
      'jti',
      'sub',
      'c0',
      'c1',
      'c2',
      'c3',
      'c4',
      'small',
    ]);
    expect(droppedContextClaims(token.claims, chosen, context)).toEqual([
      { claim: 'c5', reason: 'context-full' },
      { claim: 'c6', reason: 'context-full' },
      { claim: 'c7', reason: 'context-full' },
    ]);
  });

  it('names what it left out for a type it cannot pass, never a claim the token lacks', () => {
    const token = verified({ address: { city: 'Paris' }, nothing: null });
    const chosen = named('address', 'nothing', 'absent');

    const context = tokenContext(token, chosen);

    expect(droppedContextClaims(token.claims, chosen, context)).toEqual([
      { claim: 'address', reason: 'not-flat' },
      { claim: 'nothing', reason: 'not-flat' },
    ]);
  });

  it('reads only the claims of the token itself, not what objects inherit', () => {
    const context = tokenContext(verified(), named('constructor', 'toString', 'hasOwnProperty'));

    expect(Object.keys(context)).toEqual(['iss', 'jti', 'sub']);
  });

  it('passes a claim only the token holds itself, not one its prototype lends it', () => {
    const payload = Object.create({ groups: 'admins' }) as Record<string, unknown>;
    const context: Record<string, string> = {};

    addContextClaims(context, payload, named('groups'), 1000);

    expect(context).toEqual({});
  });

  it('takes a claim that fills the budget exactly, and not one byte past it', () => {
    // "team":"blue", in the context's JSON: 14 bytes.
    const fits = Buffer.byteLength('"team":"blue",');
    expect(contextEntryBytes('team', 'blue')).toBe(fits);
    const exact: Record<string, string> = {};
    const short: Record<string, string> = {};

    addContextClaims(exact, { team: 'blue' }, named('team'), fits);
    addContextClaims(short, { team: 'blue' }, named('team'), fits - 1);

    expect(exact).toEqual({ team: 'blue' });
    expect(short).toEqual({});
  });

  it('names a value exactly at the cap left out for want of room as context-full', () => {
    const payload = { big: 'v'.repeat(MAX_CONTEXT_CLAIM_BYTES) };
    const context: Record<string, string> = {};

    addContextClaims(context, payload, named('big'), 10);

    expect(context).toEqual({});
    expect(droppedContextClaims(payload, named('big'), context)).toEqual([
      { claim: 'big', reason: 'context-full' },
    ]);
  });

  it('goes with Allow only: a Deny carries none of them', () => {
    const token = verified({ email: 'a@example.com' });

    const allow = allowResponse(input(token, named('email')));
    const deny = denyResponse(input(token, named('email')));

    expect(allow.context.email).toBe('a@example.com');
    expect(deny.context).toEqual({ reason: 'revoked', jti: 'j-1' });
  });

  it('reserves every key the authorizer sets itself', () => {
    const token = verified({ scope: 'a', client_id: 'c', azp: 'p' });
    const keys = [
      ...Object.keys(tokenContext(token)),
      ...Object.keys(denyResponse(input(token, [])).context),
    ];

    for (const key of keys) expect(FIXED_CONTEXT_KEYS).toContain(key);
  });
});

describe('any token, any chosen claims (property)', () => {
  const names = ['email', 'groups', 'tenant', 'roles', 'n', 'flag', 'obj', 'a', 'b', 'c', 'd', 'e'];
  const claimName = fc.constantFrom(...names);
  // Sizes drawn across the whole range (fast-check favours small ones otherwise), so values near
  // and over the cap, and contexts near and over the budget, come up often.
  const claimValue = fc.oneof(
    fc.jsonValue(),
    // Any code points, control characters too (JSON escapes them): up to about 1.2 KB.
    fc.string({ unit: 'binary', maxLength: 300, size: 'max' }),
    // ASCII, one byte a character: values on both sides of the cap, often enough to fill the
    // context past its budget.
    { arbitrary: fc.string({ minLength: 700, maxLength: 1100 }), weight: 4 },
    fc.array(fc.string({ unit: 'grapheme', maxLength: 40, size: 'max' }), {
      maxLength: 40,
      size: 'max',
    }),
    fc.integer(),
    fc.boolean(),
  );
  const fixedText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 100 });

  it('never passes an object, never passes a value it changed, and stays under the limit', () => {
    fc.assert(
      fc.property(
        fc.dictionary(claimName, claimValue, { maxKeys: names.length, size: 'max' }),
        fc.uniqueArray(claimName, { maxLength: names.length, size: 'max' }),
        fc.record({ sub: fixedText, jti: fixedText, client_id: fixedText, azp: fixedText }),
        fc.option(fc.string({ maxLength: 9000 }), { nil: undefined }),
        (extra, chosenNames, fixed, scope) => {
          const token = verified({ ...extra, ...fixed, ...(scope === undefined ? {} : { scope }) });
          const chosen = chosenNames.map((claim) => ({ claim, key: `x_${claim}` }));

          const response = allowResponse(input(token, chosen));

          expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(8192);
          expect(contextBytes(response.context)).toBeLessThanOrEqual(MAX_CONTEXT_BYTES);
          for (const value of Object.values(response.context)) expect(typeof value).toBe('string');
          for (const { claim, key } of chosen) {
            const passed = response.context[key];
            if (passed === undefined) continue;
            expect(passed).toBe(flattenClaimValue(extra[claim]));
            expect(Buffer.byteLength(passed)).toBeLessThanOrEqual(MAX_CONTEXT_CLAIM_BYTES);
          }
        },
      ),
      // No shrinking: a counterexample of a dozen kilobyte-long claims takes minutes to shrink.
      { numRuns: 300, endOnFailure: true },
    );
  });
});
