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
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { AwsSolutionsChecks } from 'cdk-nag';
import { demoPropsFromContext } from '../../bin/demo-context';
import { DEMO_ACKNOWLEDGEMENTS, DEMO_ORDERS_SCOPE } from '../../lib/demo-stack';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const CDK = join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
const CDK_ENV = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' };
/**
 * The budget of the one real `cdk synth` of this file (bundling three functions with esbuild):
 * about 20 s alone on a 2-core machine, so a machine busy with other work gets several times
 * that before the test gives up.
 */
const SYNTH_BUDGET_MS = 240_000;

/** `npx cdk synth` as the README runs it, into `outdir`; its stdout and stderr. */
async function cdkSynth(outdir: string, context: string[]): Promise<string> {
  const { stdout, stderr } = await run(
    process.execPath,
    [CDK, 'synth', ...context, '-o', outdir, '--quiet'],
    { cwd: ROOT, env: CDK_ENV, timeout: SYNTH_BUDGET_MS },
  );
  return `${stdout}${stderr}`;
}

// One real synth for the file, shared by every test that reads its assembly.
describe('npx cdk synth of the demo stack (offline, local esbuild, cdk-nag AwsSolutions)', () => {
  let outdir: string;
  let output: string;
  let template: Template;
  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'cdk-cli-'));
    output = await cdkSynth(outdir, ['-c', 'issuer=https://issuer.example', '-c', 'audience=api']);
    const file = join(outdir, 'JwtRevocationDemo.template.json');
    template = Template.fromJSON(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
  }, SYNTH_BUDGET_MS);
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesizes without Docker and with no unacknowledged cdk-nag finding', () => {
    // An unacknowledged finding fails the synth, so reaching here means none.
    expect(output).not.toMatch(/docker/i);
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
  });

  it('requires the orders:read scope on GET /orders of both APIs, and no scope on GET /hello', () => {
    const authorizer = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: 'JWT revocation authorizer for API Gateway' },
      }),
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];

    expect(authorizer).toHaveLength(1);
    expect(authorizer[0]?.Properties.Environment.Variables.ROUTE_SCOPES).toBe(
      JSON.stringify({ 'GET /orders': [DEMO_ORDERS_SCOPE] }),
    );
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'orders' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /orders',
      AuthorizationType: 'CUSTOM',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /hello',
      AuthorizationType: 'CUSTOM',
    });
  });

  it('passes the caller email to the echoing route (contextClaims)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CONTEXT_CLAIMS: 'email' }) },
    });
  });

  it("leaves the account's API Gateway CloudWatch role and setting behind when the demo is deleted", () => {
    // Set once per account and Region, relied on by every API there.
    const role = template.findResources('AWS::IAM::Role', {
      Properties: {
        ManagedPolicyArns: [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
              ],
            ],
          },
        ],
      },
    });
    const account = template.findResources('AWS::ApiGateway::Account');

    expect(Object.values(role)).toHaveLength(1);
    expect(Object.values(account)).toHaveLength(1);
    for (const resource of [...Object.values(role), ...Object.values(account)]) {
      expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('bundles the authorizer and the endpoint as ESM with the SDK inside', () => {
    const bundles = readdirSync(outdir)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(outdir, name, 'index.mjs'))
      .filter((file) => existsSync(file));
    // The authorizer and the revocation endpoint (the demo route is CommonJS, index.js).
    expect(bundles).toHaveLength(2);
    const contents = bundles.map((file) => readFileSync(file, 'utf8'));
    const bundle = contents.find((text) => text.includes('Authorizer failed closed')) ?? '';
    expect(contents.some((text) => text.includes('temporarily_unavailable'))).toBe(true);
    // The SDK is bundled, with the request handler option the store deadline relies on.
    expect(bundle).toContain('throwOnRequestTimeout');
  });
});

describe('cdk-nag on the demo stack', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  });
  afterEach(() => {
    rmSync(outdir, { recursive: true, force: true });
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

  it('reads localDevelopment (for sam local invoke), off unless true', () => {
    const read = (value: unknown) =>
      demoPropsFromContext(
        (key) =>
          ({ issuer: 'https://issuer.example', audience: 'api', localDevelopment: value })[key],
      );

    expect(read('true').localDevelopment).toBe(true);
    expect(read(true).localDevelopment).toBe(true);
    expect(read('false').localDevelopment).toBeUndefined();
    expect(read(undefined).localDevelopment).toBeUndefined();
    expect(() => read('yes')).toThrow(/localDevelopment: "yes" is not true or false/);
  });

  it('names everything that is missing or wrong', () => {
    expect(() =>
      demoPropsFromContext((key) => (key === 'authorizerCacheTtlSeconds' ? 'soon' : undefined)),
    ).toThrow(
      /issuer: missing[\s\S]*audience: missing[\s\S]*authorizerCacheTtlSeconds: "soon" is not a whole number/,
    );
  });
});

describe('npx cdk synth without context', () => {
  it(
    'refuses to synthesize without issuer and audience, saying how to set them',
    async () => {
      const outcome = await cdkSynth(join(tmpdir(), 'cdk-none'), []).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );

      expect(outcome.code).not.toBe(0);
      expect(outcome.stderr).toContain('issuer: missing');
      expect(outcome.stderr).toContain('-c issuer=');
    },
    SYNTH_BUDGET_MS,
  );
});
