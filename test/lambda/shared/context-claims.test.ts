/**
 * `CONTEXT_CLAIMS`: `claim` or `claim=key`, comma-separated; a key the context already carries
 * (the authorizer's own, API Gateway's) or given twice fails the cold start, naming the entry.
 */
import { loadConfig } from '../../../lambda/shared/config';
import {
  API_GATEWAY_AUTHORIZER_KEYS,
  FIXED_CONTEXT_KEYS,
  parseContextClaims,
} from '../../../lambda/shared/context-claims';
import { ConfigurationError } from '../../../lambda/shared/errors';

const minimal = {
  JWT_ISSUER: 'https://issuer.example',
  JWT_AUDIENCE: 'api',
  REVOCATION_TABLE_NAME: 'revocations',
  AWS_REGION: 'eu-west-1',
};

function problemsOf(contextClaims: string): readonly string[] {
  try {
    loadConfig({ ...minimal, CONTEXT_CLAIMS: contextClaims });
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('CONTEXT_CLAIMS', () => {
  it('reads claims, each under its own name or the key it is renamed to', () => {
    const config = loadConfig({
      ...minimal,
      CONTEXT_CLAIMS: ' email, cognito:groups=groups ,https://example.com/tenant=tenant,,',
    });

    expect(config.contextClaims).toEqual([
      { claim: 'email', key: 'email' },
      { claim: 'cognito:groups', key: 'groups' },
      { claim: 'https://example.com/tenant', key: 'tenant' },
    ]);
  });

  it('is empty by default', () => {
    expect(loadConfig(minimal).contextClaims).toEqual([]);
  });

  it.each(FIXED_CONTEXT_KEYS)('refuses "%s", a key the authorizer sets itself', (key) => {
    expect(problemsOf(key)).toEqual([
      expect.stringMatching(
        new RegExp(`^CONTEXT_CLAIMS: "${key}": the context already has "${key}" .*rename it`),
      ),
    ]);
  });

  it.each(API_GATEWAY_AUTHORIZER_KEYS)('refuses "%s", a name API Gateway gives itself', (key) => {
    expect(problemsOf(`custom=${key}`)).toEqual([
      expect.stringMatching(new RegExp(`^CONTEXT_CLAIMS: "custom=${key}": the context already`)),
    ]);
  });

  it('refuses a collision whatever its case, and a rename onto a taken key', () => {
    expect(problemsOf('SUB,tenant=Scope,email')).toEqual([
      expect.stringMatching(/^CONTEXT_CLAIMS: "SUB": the context already has "sub"/),
      expect.stringMatching(/^CONTEXT_CLAIMS: "tenant=Scope": the context already has "scope"/),
    ]);
  });

  it('accepts a reserved claim renamed to a free key', () => {
    expect(loadConfig({ ...minimal, CONTEXT_CLAIMS: 'sub=subject' }).contextClaims).toEqual([
      { claim: 'sub', key: 'subject' },
    ]);
  });

  it.each([
    [
      'a key given twice',
      'email,mail=email',
      'CONTEXT_CLAIMS: "mail=email": the context key "email" is given twice',
    ],
    [
      'a key given twice in another case',
      'tenant,org=TENANT',
      'CONTEXT_CLAIMS: "org=TENANT": the context key "TENANT" is given twice',
    ],
    [
      'white space in a claim name',
      'family name',
      'CONTEXT_CLAIMS: "family name" is not a claim name, or claim=key (no white space, "," or "=" in the name)',
    ],
    [
      'two renamings',
      'a=b=c',
      'CONTEXT_CLAIMS: "a=b=c" is not a claim name, or claim=key (no white space, "," or "=" in the name)',
    ],
    [
      'an empty claim name',
      '=key',
      'CONTEXT_CLAIMS: "=key" is not a claim name, or claim=key (no white space, "," or "=" in the name)',
    ],
    [
      'an empty key',
      'email=',
      'CONTEXT_CLAIMS: "email=": the context key must be 1 to 128 printable ASCII characters, without space, "," or "=" (rename it: email=newName)',
    ],
    [
      'a key outside printable ASCII',
      'name=prénom',
      'CONTEXT_CLAIMS: "name=prénom": the context key must be 1 to 128 printable ASCII characters, without space, "," or "=" (rename it: name=newName)',
    ],
    [
      '__proto__ as a key',
      '__proto__',
      'CONTEXT_CLAIMS: "__proto__": "__proto__" cannot be a context key; rename it: __proto__=newName',
    ],
  ])('refuses %s', (_name, setting, problem) => {
    expect(problemsOf(setting)).toEqual([problem]);
  });

  it('takes a list from the construct with the same rules', () => {
    const { claims, problems } = parseContextClaims(['email', 'a,b', 'jti']);

    expect(claims).toEqual([{ claim: 'email', key: 'email' }]);
    expect(problems).toHaveLength(2);
  });
});
