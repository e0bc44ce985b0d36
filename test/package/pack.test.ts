/**
 * The package as a consumer gets it. `npm pack` (which builds it: prepack), then the tarball
 * installed with --omit=dev, from the local npm cache first, into a fresh CDK app in a temporary
 * folder outside the repository, next to the aws-cdk-lib and constructs of this repository's
 * versions. There the app type-checks against the declarations (both module resolutions CDK apps
 * use), synthesizes a stack with the construct on a REST and an HTTP API and grantRevoke, and runs
 * `npx jti`. Slow (a build, an install): the work is done once, with a generous budget.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { iamActions } from '../../lambda/revocations/table';
import { RevocationAuthorizer } from '../../lib/revocation-authorizer';
import { APP_SOURCE, appTsconfig, LOADS_SOURCE, STACK_NAME } from './consumer-app';

const ROOT = join(__dirname, '..', '..');
const BUDGET_MS = 15 * 60_000;
const run = promisify(execFile);
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const versionOf = (name: string): string =>
  (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

/** The environment of a shell, without what `npm test` passes to its children. */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD' && key !== 'NODE_OPTIONS',
  ),
);

async function sh(command: string, args: string[], cwd: string): Promise<string> {
  const { stdout } = await run(command, args, {
    cwd,
    env: cleanEnv,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

let work: string;
let app: string;
let tarballFiles: string[];
let template: Template;
const timings: Record<string, number> = {};

async function timed<T>(step: string, action: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await action();
  } finally {
    timings[step] = Math.round(performance.now() - started);
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'jwt-revocation-pack-'));
  app = join(work, 'app');
  mkdirSync(app);
  const packed = await timed('npm pack', () =>
    sh('npm', ['pack', '--json', '--pack-destination', work], ROOT),
  );
  const [tarball] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
  if (!tarball) throw new Error(`npm pack printed no tarball: ${packed}`);
  tarballFiles = tarball.files.map((file) => file.path);

  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }),
  );
  await timed('npm install', () =>
    sh(
      'npm',
      [
        'install',
        '--omit=dev',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(work, tarball.filename),
        `aws-cdk-lib@${versionOf('aws-cdk-lib')}`,
        `constructs@${versionOf('constructs')}`,
      ],
      app,
    ),
  );
  writeFileSync(join(app, 'app.ts'), APP_SOURCE);
  writeFileSync(join(app, 'tsconfig.json'), appTsconfig(join(ROOT, 'node_modules', '@types')));
  writeFileSync(join(app, 'loads.cjs'), LOADS_SOURCE);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await timed('tsc', async () => {
    await sh(process.execPath, [tsc, '-p', '.'], app);
    await sh(
      process.execPath,
      [tsc, '-p', '.', '--noEmit', '--module', 'commonjs', '--moduleResolution', 'node10'],
      app,
    );
  });
  await timed('synth', () => sh(process.execPath, ['app.js'], app));
  template = Template.fromJSON(
    JSON.parse(readFileSync(join(app, 'cdk.out', `${STACK_NAME}.template.json`), 'utf8')) as {
      [key: string]: unknown;
    },
  );
}, BUDGET_MS);

afterAll(() => {
  process.stdout.write(`pack test steps (ms): ${JSON.stringify(timings)}\n`);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The asset folder in the app's cdk.out holding a function's code. */
function assetOf(functionId: RegExp): string {
  const functions = template.findResources('AWS::Lambda::Function');
  const [, fn] = Object.entries(functions).find(([id]) => functionId.test(id)) ?? [];
  const key = (fn as { Properties: { Code: { S3Key: string } } } | undefined)?.Properties.Code
    .S3Key;
  if (!key) throw new Error(`no function ${String(functionId)}`);
  return join(app, 'cdk.out', `asset.${key.replace(/\.zip$/, '')}`);
}

describe('the packed package in a fresh CDK app', () => {
  it('ships the compiled entries, the bundles and the bin, and no TypeScript source', () => {
    expect(tarballFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'cli/bin.cjs',
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'dist/lambda/revocations/client.js',
        'dist/lambda/revocations/client.d.ts',
        'dist/cli/main.js',
        'dist/bundles/authorizer/index.mjs',
        'dist/bundles/authorizer/index.mjs.map',
        'dist/bundles/revoke/index.mjs',
        'dist/bundles/THIRD-PARTY-LICENSES.txt',
      ]),
    );
    expect(tarballFiles.filter((file) => /\.m?ts$/.test(file) && !/\.d\.ts$/.test(file))).toEqual(
      [],
    );
  });

  it('installs without esbuild, tsx or this repository', () => {
    const modules = join(app, 'node_modules');

    expect(existsSync(join(modules, manifest.name, 'dist', 'lib', 'index.js'))).toBe(true);
    expect(existsSync(join(modules, 'esbuild'))).toBe(false);
    expect(existsSync(join(modules, 'tsx'))).toBe(false);
    expect(existsSync(join(modules, 'aws-jwt-verify'))).toBe(false);
  });

  it('synthesizes the authorizer function from the bundle inside the package', () => {
    const asset = assetOf(/^RevocationFunction[0-9A-F]{8}$/);
    const bundle = join(app, 'node_modules', manifest.name, 'dist', 'bundles', 'authorizer');

    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Description: 'JWT revocation authorizer for API Gateway',
      Code: { S3Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$') },
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps' }) },
    });
    expect(readFileSync(join(asset, 'index.mjs'))).toEqual(readFileSync(join(bundle, 'index.mjs')));
    expect(existsSync(join(asset, 'index.mjs.map'))).toBe(true);
  });

  it('creates the table, the authorizers of both APIs, and the grants', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 0,
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: Match.stringLikeRegexp('^RevocationRestTokenAuthorizer') },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: Match.stringLikeRegexp('^OrdersHttpHttpAuthorizer') },
    });
    const table = { 'Fn::GetAtt': [Match.stringLikeRegexp('^RevocationTable'), 'Arn'] };
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^SupportTool') }],
      PolicyDocument: {
        Statement: [{ Action: iamActions('revoker'), Effect: 'Allow', Resource: table }],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^RevocationFunctionRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: iamActions('reader'), Effect: 'Allow', Resource: table },
        ]),
      },
    });
  });

  it('bundles each function exactly as the construct bundles it from this repository', () => {
    const outdir = join(work, 'from-source');
    const sourceApp = new App({ outdir });
    const stack = new Stack(sourceApp, 'FromSource');
    new RevocationAuthorizer(stack, 'Revocation', {
      issuers: [{ issuer: 'https://login.example.com/', audience: ['orders-api'] }],
      revocationEndpoint: true,
    });
    const assembly = sourceApp.synth();
    const fromSource = Template.fromJSON(
      assembly.getStackByName('FromSource').template as { [key: string]: unknown },
    );
    const sourceAsset = (id: RegExp): string => {
      const [, fn] =
        Object.entries(fromSource.findResources('AWS::Lambda::Function')).find(([key]) =>
          id.test(key),
        ) ?? [];
      const key = (fn as { Properties: { Code: { S3Key: string } } }).Properties.Code.S3Key;
      return join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
    };
    const bundles = join(app, 'node_modules', manifest.name, 'dist', 'bundles');

    expect(readFileSync(sourceAsset(/^RevocationFunction[0-9A-F]{8}$/))).toEqual(
      readFileSync(join(bundles, 'authorizer', 'index.mjs')),
    );
    expect(readFileSync(sourceAsset(/^RevocationRevokeFunction[0-9A-F]{8}$/))).toEqual(
      readFileSync(join(bundles, 'revoke', 'index.mjs')),
    );
  });

  it('loads the AWS SDK only through the client entry, and the CDK only through the main one', async () => {
    const main = JSON.parse(await sh(process.execPath, ['loads.cjs', manifest.name], app)) as {
      exports: string[];
      sdk: boolean;
      cdk: boolean;
    };
    const client = JSON.parse(
      await sh(process.execPath, ['loads.cjs', `${manifest.name}/client`], app),
    ) as { exports: string[]; sdk: boolean; cdk: boolean };

    expect(main).toEqual({
      exports: ['AUTHORIZER_METRICS', 'RevocationAuthorizer', 'validateProps'],
      sdk: false,
      cdk: true,
    });
    expect(client).toEqual({ exports: ['RevocationClient'], sdk: true, cdk: false });
  });

  it('runs npx jti from the --omit=dev install: --version and --help', async () => {
    const version = await sh('npx', ['jti', '--version'], app);
    const help = await sh('npx', ['jti', '--help'], app);

    expect(version.trim()).toBe(manifest.version);
    expect(help).toContain('Usage: jti <command> [options]');
  });
});
