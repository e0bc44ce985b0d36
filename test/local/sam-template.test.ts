/**
 * SAM's rules for a CDK template, as `npm run invoke -t` applies them: which identifiers find the
 * authorizer, and which variables of an env-vars file reach it. Against the construct's own
 * synthesized template (bundling skipped).
 */
import { App, Stack } from 'aws-cdk-lib';
import { RevocationAuthorizer } from '../../lib/revocation-authorizer';
import { samEnvVars } from '../../local/docker-access';
import { listFunctions } from '../../local/invoke';
import { findSamFunction, samEnvironment, samFunctions } from '../../local/sam-template';

let template: unknown;
beforeAll(() => {
  // As `cdk synth` does: the construct paths in the metadata SAM reads.
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true },
  });
  const stack = new Stack(app, 'JwtRevocationDemo');
  new RevocationAuthorizer(stack, 'Authorizer', {
    issuers: [{ issuer: 'https://issuer.example', audience: ['api'] }],
    revocationEndpoint: true,
  });
  template = app.synth().getStackArtifact(stack.artifactId).template;
});

describe('which function sam local invoke finds', () => {
  it('finds the authorizer by its construct id above Resource, or its logical ID', () => {
    const functions = samFunctions(template);
    const authorizer = findSamFunction(functions, 'Function');

    expect(functions.map((fn) => fn.resourceId)).toEqual(['Function', 'RevokeFunction']);
    expect(authorizer.logicalId).toMatch(/^AuthorizerFunction[0-9A-F]{8}$/);
    expect(findSamFunction(functions, authorizer.logicalId)).toBe(authorizer);
  });

  it('does not find it by its whole construct path, as the old instructions said', () => {
    expect(() =>
      findSamFunction(samFunctions(template), 'JwtRevocationDemo/Authorizer/Function'),
    ).toThrow(/sam local invoke would not find JwtRevocationDemo\/Authorizer\/Function/);
  });

  it('lists every function with the identifiers SAM accepts', () => {
    const listing = listFunctions(template);

    expect(listing).toMatch(/^Function\tlogical ID AuthorizerFunction/m);
    expect(listing).toMatch(/^RevokeFunction\tlogical ID AuthorizerRevokeFunction/m);
  });
});

describe('which variables reach it', () => {
  it('sets only declared variables: the file, then the shell, then the template; drops the rest', () => {
    const authorizer = findSamFunction(samFunctions(template), 'Function');
    const envVars = {
      Parameters: { JWT_ISSUER: 'http://127.0.0.1:3000', AWS_ENDPOINT_URL_DYNAMODB: 'x' },
      Function: { JWT_AUDIENCE: 'local-api', UNKNOWN_SETTING: '1' },
    };

    const { variables, dropped } = samEnvironment(authorizer, envVars, {
      JWT_AUDIENCE: 'from-the-shell',
      STORE_TIMEOUT_MS: '999',
      CACHE_MAX_ENTRIES: '5',
    });

    expect(variables.JWT_ISSUER).toBe('http://127.0.0.1:3000');
    expect(variables.JWT_AUDIENCE).toBe('local-api');
    // Declared, and set in the shell: the shell's value.
    expect(variables.STORE_TIMEOUT_MS).toBe('999');
    // A Ref to the table: SAM cannot resolve it, so it is empty unless overridden.
    expect(variables.REVOCATION_TABLE_NAME).toBe('');
    // Not declared by the template: neither the file's nor the shell's value gets through.
    expect(variables).not.toHaveProperty('AWS_ENDPOINT_URL_DYNAMODB');
    expect(variables).not.toHaveProperty('CACHE_MAX_ENTRIES');
    expect(dropped.sort()).toEqual(['AWS_ENDPOINT_URL_DYNAMODB', 'UNKNOWN_SETTING']);
  });

  it('takes the first non-empty function block, by logical ID before resource id', () => {
    const authorizer = findSamFunction(samFunctions(template), 'Function');

    const byLogicalId = samEnvironment(
      authorizer,
      { [authorizer.logicalId]: { JWT_AUDIENCE: 'a' }, Function: { JWT_AUDIENCE: 'b' } },
      {},
    );
    const emptyFirst = samEnvironment(
      authorizer,
      { [authorizer.logicalId]: {}, Function: { JWT_AUDIENCE: 'b' } },
      {},
    );

    expect(byLogicalId.variables.JWT_AUDIENCE).toBe('a');
    expect(emptyFirst.variables.JWT_AUDIENCE).toBe('b');
  });
});

describe('a template synthesized with localDevelopment', () => {
  it('takes every variable of the env-vars file npm start -- --docker writes; without it SAM drops three', () => {
    const synth = (localDevelopment: boolean) => {
      const app = new App({
        context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true },
      });
      const stack = new Stack(app, 'JwtRevocationDemo');
      new RevocationAuthorizer(stack, 'Authorizer', {
        issuers: [{ issuer: 'https://issuer.example', audience: ['api'] }],
        localDevelopment,
      });
      return findSamFunction(
        samFunctions(app.synth().getStackArtifact(stack.artifactId).template),
        'Function',
      );
    };
    const envVars = samEnvVars({
      gatewayPort: 3000,
      devIssuer: { issuer: 'http://127.0.0.1:3000', audience: 'local-api' },
      dynamoDbPort: 4000,
      tableName: 'jwt-revocations',
    });

    const dev = samEnvironment(synth(true), envVars, {});
    const plain = samEnvironment(synth(false), envVars, {});

    expect(dev.dropped).toEqual([]);
    expect(dev.variables).toMatchObject({
      JWT_ISSUER: 'http://127.0.0.1:3000',
      JWKS_URI: 'http://host.docker.internal:3000/.well-known/jwks.json',
      JWKS_ALLOW_HTTP_HOSTS: 'host.docker.internal',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://host.docker.internal:4000',
      REVOCATION_TABLE_NAME: 'jwt-revocations',
    });
    expect(plain.dropped.sort()).toEqual([
      'AWS_ENDPOINT_URL_DYNAMODB',
      'JWKS_ALLOW_HTTP_HOSTS',
      'JWKS_URI',
    ]);
  });
});
