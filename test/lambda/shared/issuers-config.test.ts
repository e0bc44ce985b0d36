/**
 * Per-issuer rules in the settings: each `JWT_ISSUERS` entry may carry its own audience claim,
 * `typ`, algorithms and (Cognito only) `tokenUse`; the global settings are the defaults; a
 * combination no token could meet, a misspelt field or a bad value fails the cold start.
 */
import { loadConfig } from '../../../lambda/shared/config';
import { ConfigurationError } from '../../../lambda/shared/errors';
import { isCognitoIssuer } from '../../../lambda/shared/issuer-rules';

const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const AUTH0 = 'https://tenant.eu.auth0.com/';

const base = { REVOCATION_TABLE_NAME: 'revocations', AWS_REGION: 'eu-west-1' };

function withIssuers(entries: unknown, env: Record<string, string> = {}): Record<string, string> {
  return { ...base, JWT_ISSUERS: JSON.stringify(entries), ...env };
}

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('per-issuer rules', () => {
  it('gives each entry its own rules, the global settings filling what it leaves out', () => {
    const config = loadConfig(
      withIssuers(
        [
          { issuer: COGNITO, audience: 'web-client', audienceClaim: 'client_id' },
          { issuer: AUTH0, audience: 'orders-api', requiredTyp: 'at+jwt', algorithms: ['ES256'] },
        ],
        { JWT_ALGORITHMS: 'RS256', JWT_REQUIRED_TYP: 'JWT' },
      ),
    );

    expect(config.issuers).toEqual([
      {
        issuer: COGNITO,
        audience: ['web-client'],
        jwksUri: `${COGNITO}/.well-known/jwks.json`,
        audienceClaim: 'client_id',
        algorithms: ['RS256'],
        requiredTyp: 'JWT',
        tokenUse: 'access',
      },
      {
        issuer: AUTH0,
        audience: ['orders-api'],
        jwksUri: 'https://tenant.eu.auth0.com/.well-known/jwks.json',
        audienceClaim: 'aud',
        algorithms: ['ES256'],
        requiredTyp: 'at+jwt',
        tokenUse: undefined,
      },
    ]);
    // The globals stay as they were set: they are the defaults, not a summary.
    expect(config.algorithms).toEqual(['RS256']);
    expect(config.requiredTyp).toBe('JWT');
  });

  it('requires access tokens from a Cognito issuer unless the entry says id', () => {
    const config = loadConfig(
      withIssuers([
        { issuer: COGNITO, audience: 'web-client', audienceClaim: 'client_id' },
        {
          issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other',
          audience: 'spa',
          tokenUse: 'id',
        },
      ]),
    );

    expect(config.issuers.map((issuer) => issuer.tokenUse)).toEqual(['access', 'id']);
  });

  it('requires access tokens from a Cognito JWT_ISSUER too', () => {
    const config = loadConfig({
      ...base,
      JWT_ISSUER: COGNITO,
      JWT_AUDIENCE: 'web-client',
      JWT_AUDIENCE_CLAIM: 'client_id',
    });

    expect(config.issuers[0]?.tokenUse).toBe('access');
  });

  it('recognises both of Cognito issuer formats, and nothing that only looks like them', () => {
    expect(isCognitoIssuer(COGNITO)).toBe(true);
    expect(isCognitoIssuer('https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X1')).toBe(
      true,
    );
    expect(isCognitoIssuer('https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_X1')).toBe(
      true,
    );
    expect(isCognitoIssuer('https://cognito-idp.eu-west-1.amazonaws.com.evil.example/x_1')).toBe(
      false,
    );
    expect(isCognitoIssuer('http://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X1')).toBe(false);
    expect(isCognitoIssuer(AUTH0)).toBe(false);
  });

  it.each([
    [
      'tokenUse on a non-Cognito issuer',
      [{ issuer: AUTH0, audience: 'a', tokenUse: 'access' }],
      'JWT_ISSUERS[0]: tokenUse applies to Cognito issuers only (https://cognito-idp.<region>.amazonaws.com/<pool id>); other issuers write no token_use claim',
    ],
    [
      'a Cognito access-token entry checking aud (no Cognito access token has one)',
      [{ issuer: COGNITO, audience: 'web-client' }],
      'JWT_ISSUERS[0]: a Cognito access token carries no aud claim: set audienceClaim to client_id (or tokenUse to id, to accept ID tokens instead)',
    ],
    [
      'a Cognito ID-token entry checking client_id (no Cognito ID token has one)',
      [{ issuer: COGNITO, audience: 'web-client', tokenUse: 'id', audienceClaim: 'client_id' }],
      'JWT_ISSUERS[0]: a Cognito ID token names its client in aud, not client_id: set audienceClaim to aud',
    ],
    [
      'a misspelt field',
      [{ issuer: AUTH0, audience: 'a', typ: 'at+jwt' }],
      'JWT_ISSUERS[0]: unknown field "typ" (fields: issuer, audience, jwksUri, audienceClaim, requiredTyp, algorithms, tokenUse)',
    ],
    [
      'an audienceClaim outside aud and client_id',
      [{ issuer: AUTH0, audience: 'a', audienceClaim: 'azp' }],
      'JWT_ISSUERS[0].audienceClaim: must be one of aud, client_id',
    ],
    [
      'a tokenUse outside access and id',
      [{ issuer: COGNITO, audience: 'a', audienceClaim: 'client_id', tokenUse: 'refresh' }],
      'JWT_ISSUERS[0].tokenUse: must be one of access, id',
    ],
    [
      'an algorithm outside the asymmetric list',
      [{ issuer: AUTH0, audience: 'a', algorithms: ['RS256', 'HS256'] }],
      'JWT_ISSUERS[0].algorithms: must be a non-empty array of RS256, RS384, RS512, ES256, ES384, ES512, EdDSA',
    ],
    [
      'an empty algorithm list',
      [{ issuer: AUTH0, audience: 'a', algorithms: [] }],
      'JWT_ISSUERS[0].algorithms: must be a non-empty array of RS256, RS384, RS512, ES256, ES384, ES512, EdDSA',
    ],
    [
      'algorithms as a string',
      [{ issuer: AUTH0, audience: 'a', algorithms: 'RS256' }],
      'JWT_ISSUERS[0].algorithms: must be a non-empty array of RS256, RS384, RS512, ES256, ES384, ES512, EdDSA',
    ],
    [
      'an empty requiredTyp',
      [{ issuer: AUTH0, audience: 'a', requiredTyp: ' ' }],
      'JWT_ISSUERS[0].requiredTyp: must be a non-empty string',
    ],
    ['an entry that is an array', [['https://x']], 'JWT_ISSUERS[0]: must be an object'],
  ])('refuses %s', (_name, entries, problem) => {
    expect(problemsOf(withIssuers(entries))).toEqual([problem]);
  });

  it('refuses a Cognito JWT_ISSUER with the default audience claim, naming the settings to change', () => {
    expect(problemsOf({ ...base, JWT_ISSUER: COGNITO, JWT_AUDIENCE: 'web-client' })).toEqual([
      'JWT_ISSUER: a Cognito access token carries no aud claim: set JWT_AUDIENCE_CLAIM to client_id (or tokenUse (in JWT_ISSUERS) to id, to accept ID tokens instead)',
    ]);
  });

  it('lists the problems of every entry at once', () => {
    const problems = problemsOf(
      withIssuers([
        { issuer: AUTH0, audience: 'a', tokenUse: 'id' },
        { issuer: COGNITO, audience: 'b' },
      ]),
    );

    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^JWT_ISSUERS\[0\]: tokenUse/);
    expect(problems[1]).toMatch(/^JWT_ISSUERS\[1\]: a Cognito access token/);
  });
});
