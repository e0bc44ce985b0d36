/**
 * CDK assertions on `localDevelopment` (the variables `sam local invoke` must fill, declared
 * empty) and on the refusal of plain-HTTP JWKS hosts in any template the construct makes.
 */
import { App } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import { build, functionVariables, newStack } from './operations-support';

const AUTHORIZER = 'JWT revocation authorizer';
const ENDPOINT = 'JWT revocation endpoint';

describe('localDevelopment', () => {
  it('declares the endpoint, the JWKS URI and the plain-HTTP hosts empty, on both functions', () => {
    const { stack } = build({ localDevelopment: true, revocationEndpoint: true });

    const template = Template.fromStack(stack);
    for (const fn of [AUTHORIZER, ENDPOINT]) {
      expect(functionVariables(template, fn)).toMatchObject({
        JWT_ISSUER: 'https://issuer.example',
        AWS_ENDPOINT_URL_DYNAMODB: '',
        JWKS_URI: '',
        JWKS_ALLOW_HTTP_HOSTS: '',
      });
    }
    Annotations.fromStack(stack).hasWarning(
      '/Test/Authorizer',
      'localDevelopment: true declares AWS_ENDPOINT_URL_DYNAMODB, JWKS_ALLOW_HTTP_HOSTS and JWKS_URI empty for sam local invoke. Deployed, empty values change nothing, but this template is meant for local use: synthesize without it to deploy. [ack: jwt-revocation-authorizer:localDevelopment]',
    );
  });

  it('keeps the values the props give, and declares JWKS_URI only beside JWT_ISSUER', () => {
    const single = build({
      localDevelopment: true,
      issuers: [
        { issuer: 'https://a.example', audience: ['x'], jwksUri: 'https://keys.example/a' },
      ],
      extraEnvironment: { AWS_ENDPOINT_URL_DYNAMODB: 'https://vpce.example' },
    });
    const several = build({
      localDevelopment: true,
      issuers: [
        { issuer: 'https://a.example', audience: ['x'] },
        { issuer: 'https://b.example', audience: ['y'] },
      ],
    });

    expect(functionVariables(Template.fromStack(single.stack), AUTHORIZER)).toMatchObject({
      JWKS_URI: 'https://keys.example/a',
      AWS_ENDPOINT_URL_DYNAMODB: 'https://vpce.example',
      JWKS_ALLOW_HTTP_HOSTS: '',
    });
    const variables = functionVariables(Template.fromStack(several.stack), AUTHORIZER);
    expect(variables).not.toHaveProperty('JWKS_URI');
    expect(variables).toMatchObject({ AWS_ENDPOINT_URL_DYNAMODB: '', JWKS_ALLOW_HTTP_HOSTS: '' });
  });

  it('is off by default: none of them is declared, and the synth does not warn', () => {
    const { stack } = build({ revocationEndpoint: true });

    const template = Template.fromStack(stack);
    for (const fn of [AUTHORIZER, ENDPOINT]) {
      const variables = functionVariables(template, fn);
      for (const name of ['AWS_ENDPOINT_URL_DYNAMODB', 'JWKS_URI', 'JWKS_ALLOW_HTTP_HOSTS']) {
        expect(variables).not.toHaveProperty(name);
      }
    }
    expect(Annotations.fromStack(stack).findWarning('*', /localDevelopment/)).toEqual([]);
  });
});

describe('plain-HTTP JWKS hosts in a template', () => {
  it.each([false, true])(
    'are refused in extraEnvironment (localDevelopment: %p)',
    (localDevelopment) => {
      expect(() =>
        build({
          localDevelopment,
          extraEnvironment: { JWKS_ALLOW_HTTP_HOSTS: 'host.docker.internal' },
        }),
      ).toThrow(
        /extraEnvironment\.JWKS_ALLOW_HTTP_HOSTS: plain-HTTP JWKS is for sam local invoke and npm run invoke only, never in a template/,
      );
    },
  );

  it('are refused at synth when added to a function after the construct', () => {
    const { authorizer, stack } = build({ localDevelopment: true });
    authorizer.function.addEnvironment('JWKS_ALLOW_HTTP_HOSTS', 'host.docker.internal');

    expect(() => App.of(stack)!.synth()).toThrow(
      /Test\/Authorizer\/Function environment\.JWKS_ALLOW_HTTP_HOSTS: plain-HTTP JWKS/,
    );
  });

  it('are refused at synth when written by a property override (escape hatch)', () => {
    const { authorizer, stack } = build({ localDevelopment: true });
    (authorizer.function.node.defaultChild as lambda.CfnFunction).addPropertyOverride(
      'Environment.Variables.JWKS_ALLOW_HTTP_HOSTS',
      'evil.example',
    );

    expect(() => App.of(stack)!.synth()).toThrow(/JWKS_ALLOW_HTTP_HOSTS: plain-HTTP JWKS/);
  });

  it('are not refused when empty, in the props or added later', () => {
    const stack = newStack();
    const { authorizer } = build({ extraEnvironment: { JWKS_ALLOW_HTTP_HOSTS: ' ' } }, stack);
    authorizer.function.addEnvironment('OTHER', 'x');

    expect(() => App.of(stack)!.synth()).not.toThrow();
  });
});
