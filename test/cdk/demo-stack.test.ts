/**
 * The demo stack as `cdk synth` builds it: real bundling with the local esbuild, cdk-nag's
 * AwsSolutions pack, CDK context parsing, and the CLI itself, offline.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { AwsSolutionsChecks } from 'cdk-nag';
import { demoPropsFromContext } from '../../bin/demo-context';
import { DEMO_ACKNOWLEDGEMENTS, DemoStack } from '../../lib/demo-stack';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

function synthDemo(outdir: string): { app: App; stack: DemoStack } {
  const app = new App({ outdir });
  const stack = new DemoStack(app, 'Demo', {
    issuers: [{ issuer: 'https://issuer.example', audience: ['api'] }],
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

describe('the demo stack', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  });
  afterEach(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding, bundled by local esbuild', () => {
    const { app, stack } = synthDemo(outdir);

    const assembly = app.synth();

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      AuthorizerResultTtlInSeconds: 0,
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerResultTtlInSeconds: 0,
    });
    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining([
        'HttpApiUrl',
        'MaxRevocationDelaySeconds',
        'RestApiUrl',
        'TableName',
      ]),
    );
    const bundles = readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(assembly.directory, name, 'index.mjs'))
      .filter((file) => existsSync(file));
    // The authorizer and the revocation endpoint (the demo route is CommonJS, index.js).
    expect(bundles).toHaveLength(2);
    const contents = bundles.map((file) => readFileSync(file, 'utf8'));
    const bundle = contents.find((text) => text.includes('Authorizer failed closed')) ?? '';
    expect(contents.some((text) => text.includes('temporarily_unavailable'))).toBe(true);
    // The SDK is bundled, with the request handler option the store deadline relies on.
    expect(bundle).toContain('throwOnRequestTimeout');
  });

  it('gives every acknowledged cdk-nag finding a written reason', () => {
    expect(DEMO_ACKNOWLEDGEMENTS.length).toBeGreaterThan(0);
    for (const { id, reason } of DEMO_ACKNOWLEDGEMENTS) {
      expect(id).toMatch(/^AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(40);
    }
  });

  it('fails the synth on an unacknowledged finding (the check is live)', () => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Careless');
    new apigateway.RestApi(stack, 'Open').root.addMethod('GET');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);

    try {
      expect(() => app.synth()).toThrow(/AwsSolutions-APIG2/);
    } finally {
      errors.mockRestore();
      logs.mockRestore();
    }
  });
});

describe('CDK context', () => {
  it('reads issuer, audience, JWKS URI, cache TTL and replicas', () => {
    const context: Record<string, unknown> = {
      issuer: 'https://issuer.example',
      audience: 'api, admin',
      jwksUri: 'https://issuer.example/keys',
      authorizerCacheTtlSeconds: '30',
      replicaRegions: 'us-east-1',
      audienceClaim: 'client_id',
    };

    const props = demoPropsFromContext((key) => context[key]);

    expect(props.stackName).toBe('JwtRevocationDemo');
    expect(props.issuers).toEqual([
      {
        issuer: 'https://issuer.example',
        audience: ['api', 'admin'],
        jwksUri: 'https://issuer.example/keys',
      },
    ]);
    expect(props.authorizerCacheTtl?.toSeconds()).toBe(30);
    expect(props.replicaRegions).toEqual(['us-east-1']);
    expect(props.audienceClaim).toBe('client_id');
  });

  it('names everything that is missing or wrong', () => {
    expect(() =>
      demoPropsFromContext((key) => (key === 'authorizerCacheTtlSeconds' ? 'soon' : undefined)),
    ).toThrow(
      /issuer: missing[\s\S]*audience: missing[\s\S]*authorizerCacheTtlSeconds: "soon" is not a whole number/,
    );
  });
});

describe('npx cdk synth', () => {
  it('synthesizes the demo stack offline from context', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-cli-'));
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
          'synth',
          '-c',
          'issuer=https://issuer.example',
          '-c',
          'audience=api',
          '-o',
          outdir,
          '--quiet',
        ],
        { cwd: ROOT, env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' }, timeout: 120_000 },
      );

      expect(existsSync(join(outdir, 'JwtRevocationDemo.template.json'))).toBe(true);
      expect(`${stdout}${stderr}`).not.toMatch(/docker/i);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('refuses to synthesize without issuer and audience, saying how to set them', async () => {
    const outcome = await run(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
        'synth',
        '--quiet',
        '-o',
        join(tmpdir(), 'cdk-none'),
      ],
      { cwd: ROOT, env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' }, timeout: 120_000 },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );

    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr).toContain('issuer: missing');
    expect(outcome.stderr).toContain('-c issuer=');
  });
});
