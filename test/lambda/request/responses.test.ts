import { TokenRejectedError, StoreUnavailableError } from '../../../lambda/shared/errors';
import {
  allowResponse,
  denyResponse,
  principalId,
  stageWideArn,
  tokenContext,
  toThrownError,
} from '../../../lambda/request/responses';
import type { VerifiedToken } from '../../../lambda/request/token-verifier';

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

describe('stageWideArn', () => {
  it.each([
    [
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/orders/42',
      'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*',
    ],
    [
      'arn:aws:execute-api:us-east-1:123456789012:qwe/$default/POST/a:b/c',
      'arn:aws:execute-api:us-east-1:123456789012:qwe/$default/*',
    ],
    [
      'arn:aws-cn:execute-api:cn-north-1:123456789012:api/v1/ANY/',
      'arn:aws-cn:execute-api:cn-north-1:123456789012:api/v1/*',
    ],
  ])('widens %s to the whole stage', (arn, expected) => {
    expect(stageWideArn(arn)).toBe(expected);
  });

  it.each([
    '',
    'not-an-arn',
    'arn:aws:lambda:eu-west-1:1:function/x',
    'arn:aws:execute-api:r:1:api',
  ])('refuses %p', (arn) => {
    expect(() => stageWideArn(arn)).toThrow(/malformed/);
  });
});

describe('tokenContext', () => {
  it('keeps only flat strings', () => {
    const context = tokenContext(
      verified({ scope: ['a', 'b'], client_id: 7, groups: ['admin'], nested: { x: 1 } }),
    );

    expect(context).toEqual({ jti: 'j-1', iss: 'https://i', sub: 'alice', scope: 'a b' });
    for (const value of Object.values(context)) expect(typeof value).toBe('string');
  });

  it('passes the client as client_id and azp, whichever the token carries', () => {
    expect(tokenContext(verified({ client_id: 'web' }))).toMatchObject({ client_id: 'web' });
    expect(tokenContext(verified({ azp: 'spa' }))).toMatchObject({ azp: 'spa' });
    expect(tokenContext(verified({ azp: 7 })).azp).toBeUndefined();
  });

  it('prefers scope, falls back to scp, and ignores a scope of mixed types', () => {
    expect(tokenContext(verified({ scope: 'x y', scp: 'z' })).scope).toBe('x y');
    expect(tokenContext(verified({ scp: 'z' })).scope).toBe('z');
    expect(tokenContext(verified({ scope: ['a', 1] })).scope).toBeUndefined();
  });

  it('keeps the whole answer under 8 KB by leaving out a huge scope', () => {
    const token = verified({ scope: 's'.repeat(20_000), sub: 'a'.repeat(500) });
    const input = {
      kind: 'rest-token' as const,
      httpApiResponseMode: 'simple' as const,
      resourceArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/x',
      token,
    };

    const response = allowResponse(input);

    expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThan(8192);
    expect(response.context.scope).toBeUndefined();
    expect(response.context.sub).toBe('a'.repeat(500));
  });
});

describe('principalId', () => {
  it('is sub, else client_id, else jti', () => {
    expect(principalId(verified())).toBe('alice');
    expect(principalId(verified({ sub: undefined, client_id: 'app' }))).toBe('app');
    expect(principalId(verified({ sub: undefined }))).toBe('j-1');
  });
});

describe('denyResponse', () => {
  it('denies the whole stage, so a cached Deny holds for every route', () => {
    const response = denyResponse({
      kind: 'rest-request',
      httpApiResponseMode: 'simple',
      resourceArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/x',
      token: verified(),
    });

    expect(response).toEqual({
      principalId: 'alice',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Deny',
            Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc/prod/*',
          },
        ],
      },
      context: { jti: 'j-1', reason: 'revoked' },
    });
  });
});

describe('toThrownError', () => {
  it('turns a refused token into exactly Error("Unauthorized")', () => {
    const thrown = toThrownError(new TokenRejectedError('EXPIRED', 'JWT is expired'));

    expect(thrown.message).toBe('Unauthorized');
    expect(Object.getPrototypeOf(thrown)).toBe(Error.prototype);
  });

  it('turns anything else into a 500 whose message never echoes the cause', () => {
    expect(toThrownError(new StoreUnavailableError('timeout')).message).toBe(
      'Authorizer failed closed (STORE_UNAVAILABLE)',
    );
    // Even an unknown error whose own message is "Unauthorized" stays a 500.
    expect(toThrownError(new Error('Unauthorized')).message).toBe(
      'Authorizer failed closed (INTERNAL_ERROR)',
    );
    expect(toThrownError('a string').message).toBe('Authorizer failed closed (INTERNAL_ERROR)');
  });
});
