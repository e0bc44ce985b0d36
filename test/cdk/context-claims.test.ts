/**
 * The construct's `contextClaims`: passed to the function as CONTEXT_CLAIMS, and validated at
 * synth with the function's own rules (a key the context already carries is refused). Bundling
 * is skipped.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  RevocationAuthorizer,
  type RevocationAuthorizerProps,
} from '../../lib/revocation-authorizer';
import { loadConfig } from '../../lambda/shared/config';

function build(props: Partial<RevocationAuthorizerProps> = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  new RevocationAuthorizer(stack, 'Authorizer', {
    issuers: [{ issuer: 'https://issuer.example', audience: ['api'] }],
    ...props,
  });
  return Template.fromStack(stack);
}

describe('contextClaims', () => {
  it('passes the claims as CONTEXT_CLAIMS, which the function reads back', () => {
    const template = build({ contextClaims: ['email', 'cognito:groups=groups'] });

    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ CONTEXT_CLAIMS: 'email,cognito:groups=groups' }),
      },
    });
    const config = loadConfig({
      JWT_ISSUER: 'https://issuer.example',
      JWT_AUDIENCE: 'api',
      CONTEXT_CLAIMS: 'email,cognito:groups=groups',
      REVOCATION_TABLE_NAME: 'table',
      AWS_REGION: 'eu-west-1',
    });
    expect(config.contextClaims).toEqual([
      { claim: 'email', key: 'email' },
      { claim: 'cognito:groups', key: 'groups' },
    ]);
  });

  it('sets nothing by default, nor for an empty list', () => {
    for (const template of [build(), build({ contextClaims: [] })]) {
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
      expect(
        (fn?.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
          .Variables,
      ).not.toHaveProperty('CONTEXT_CLAIMS');
    }
  });

  it.each([
    [
      'a key the authorizer sets itself',
      ['sub'],
      'contextClaims: "sub": the context already has "sub"',
    ],
    [
      'a name API Gateway gives itself',
      ['user=principalId'],
      'contextClaims: "user=principalId": the context already has "principalId"',
    ],
    [
      'a key given twice',
      ['email', 'mail=email'],
      'contextClaims: "mail=email": the context key "email" is given twice',
    ],
    [
      'an entry holding the list separator',
      ['email,name'],
      'contextClaims: "email,name" is not a claim name',
    ],
  ])('refuses %s at synth', (_name, contextClaims, problem) => {
    expect(() => build({ contextClaims })).toThrow(problem);
  });
});
