/**
 * The construct's per-issuer rules: `issuers` entries carry their own audience claim, `typ`,
 * algorithms and (Cognito) `tokenUse`, passed to the function as `JWT_ISSUERS` entries, and are
 * validated at synth with the checks the function applies at cold start. Bundling is skipped.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import {
  RevocationAuthorizer,
  type RevocationAuthorizerProps,
  type TrustedIssuer,
} from '../../lib/revocation-authorizer';
import { loadConfig } from '../../lambda/shared/config';

const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf';
const OKTA = 'https://login.example.okta.test/oauth2/default';

function build(
  issuers: readonly TrustedIssuer[],
  props: Partial<RevocationAuthorizerProps> = {},
): { template: Template; stack: Stack } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  new RevocationAuthorizer(stack, 'Authorizer', { issuers, ...props });
  return { template: Template.fromStack(stack), stack };
}

function variables(template: Template): Record<string, string> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  return (fn?.Properties as { Environment: { Variables: Record<string, string> } }).Environment
    .Variables;
}

describe('issuers with rules of their own', () => {
  it('passes each entry with its rules in JWT_ISSUERS, which the function reads back', () => {
    const { template } = build(
      [
        { issuer: COGNITO, audience: ['web-client'], audienceClaim: 'client_id' },
        { issuer: OKTA, audience: ['api://orders'], requiredTyp: 'at+jwt', algorithms: ['ES256'] },
      ],
      { algorithms: ['RS256'] },
    );
    const env = variables(template);

    expect(JSON.parse(env.JWT_ISSUERS ?? '')).toEqual([
      { issuer: COGNITO, audience: ['web-client'], audienceClaim: 'client_id' },
      { issuer: OKTA, audience: ['api://orders'], requiredTyp: 'at+jwt', algorithms: ['ES256'] },
    ]);
    // The table's name is a reference in the template; the function gets a string.
    const config = loadConfig({ ...env, REVOCATION_TABLE_NAME: 'table', AWS_REGION: 'eu-west-1' });
    expect(config.issuers.map(({ algorithms, tokenUse }) => ({ algorithms, tokenUse }))).toEqual([
      { algorithms: ['RS256'], tokenUse: 'access' },
      { algorithms: ['ES256'], tokenUse: undefined },
    ]);
  });

  it('uses JWT_ISSUERS for a single issuer with rules of its own, JWT_ISSUER otherwise', () => {
    const withRules = variables(
      build([{ issuer: COGNITO, audience: ['spa'], tokenUse: 'id', audienceClaim: 'aud' }])
        .template,
    );
    const plain = variables(build([{ issuer: OKTA, audience: ['api'] }]).template);

    expect(withRules.JWT_ISSUER).toBeUndefined();
    expect(JSON.parse(withRules.JWT_ISSUERS ?? '')).toEqual([
      { issuer: COGNITO, audience: ['spa'], audienceClaim: 'aud', tokenUse: 'id' },
    ]);
    expect(plain).toMatchObject({ JWT_ISSUER: OKTA, JWT_AUDIENCE: 'api' });
    expect(plain.JWT_ISSUERS).toBeUndefined();
  });

  it('accepts a Cognito issuer checked by client_id set on the construct', () => {
    const { template } = build([{ issuer: COGNITO, audience: ['web-client'] }], {
      audienceClaim: 'client_id',
    });

    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ JWT_ISSUER: COGNITO, JWT_AUDIENCE_CLAIM: 'client_id' }),
      },
    });
  });

  it.each([
    [
      'tokenUse on a non-Cognito issuer',
      [{ issuer: OKTA, audience: ['a'], tokenUse: 'access' as const }],
      {},
      'issuers[0]: tokenUse applies to Cognito issuers only',
    ],
    [
      'a Cognito issuer checked by aud (its access tokens have none)',
      [{ issuer: COGNITO, audience: ['web-client'] }],
      {},
      'issuers[0]: a Cognito access token carries no aud claim',
    ],
    [
      'a Cognito ID-token issuer checked by client_id',
      [{ issuer: COGNITO, audience: ['spa'], tokenUse: 'id' as const }],
      { audienceClaim: 'client_id' as const },
      'issuers[0]: a Cognito ID token names its client in aud',
    ],
    [
      'an algorithm of an issuer outside the asymmetric list',
      [{ issuer: OKTA, audience: ['a'], algorithms: ['HS256'] }],
      {},
      'issuers[0].algorithms: must name at least one of RS256',
    ],
    [
      'an empty algorithm list on the construct',
      [{ issuer: OKTA, audience: ['a'] }],
      { algorithms: [] },
      'algorithms: must name at least one of RS256',
    ],
    [
      'an empty requiredTyp of an issuer',
      [{ issuer: OKTA, audience: ['a'], requiredTyp: ' ' }],
      {},
      'issuers[0].requiredTyp: must not be empty',
    ],
  ])('refuses %s at synth', (_name, issuers, props, problem) => {
    expect(() => build(issuers, props)).toThrow(problem);
  });

  it('leaves an issuer known only at deploy time to the function', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const pool = new cognito.UserPool(stack, 'Pool');

    expect(
      () =>
        new RevocationAuthorizer(stack, 'Authorizer', {
          issuers: [{ issuer: pool.userPoolProviderUrl, audience: ['web'], tokenUse: 'id' }],
        }),
    ).not.toThrow();
  });
});
