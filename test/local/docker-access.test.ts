/**
 * Local mode for `sam local invoke` (`npm start -- --docker`): what it listens on, the env-vars
 * file it writes for SAM, and what `npm run invoke -t` predicts with that file and a template
 * synthesized with `localDevelopment` (SAM's rules applied; `host.docker.internal` resolved to
 * this machine, as from SAM's container). SAM itself needs Docker, which these machines lack.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { RevocationAuthorizer } from '../../lib/revocation-authorizer';
import { startLocalServer, type LocalServer } from '../../local/server';
import { accepts, jti, tempDataDir, runInvoke, type InvokeRun } from '../helpers/local';

const PROCESS_BUDGET_MS = 120_000;

let data: ReturnType<typeof tempDataDir>;
let server: LocalServer;
let token: string;

/** The demo's functions as `cdk synth -c localDevelopment=...` writes them (bundling skipped). */
function writeTemplate(localDevelopment: boolean): string {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true },
  });
  const stack = new Stack(app, 'JwtRevocationDemo');
  new RevocationAuthorizer(stack, 'Authorizer', {
    issuers: [{ issuer: 'https://issuer.example', audience: ['api'] }],
    localDevelopment,
  });
  const file = join(data.dir, `template-${localDevelopment}.json`);
  writeFileSync(file, JSON.stringify(app.synth().getStackArtifact(stack.artifactId).template));
  return file;
}

beforeAll(async () => {
  data = tempDataDir();
  server = await startLocalServer({
    env: { PATH: process.env.PATH },
    dataDir: data.dir,
    port: 0,
    inMemory: true,
    docker: true,
  });
  token = (await jti(['token', '--sub', 'alice'], { LOCAL_DATA_DIR: data.dir })).out.trim();
});
afterAll(async () => {
  await server.close();
  data.remove();
});

/** `npm run invoke` as the shell that runs `sam local invoke` would: the role's credentials. */
async function invoke(args: string[]): Promise<InvokeRun> {
  const role = server.state.authorizerCredentials!;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOCAL_DATA_DIR: data.dir,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_ACCESS_KEY_ID: role.accessKeyId,
    AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
  };
  return runInvoke(args, env);
}

describe('npm start -- --docker', () => {
  it('writes the env-vars file SAM needs to reach the dev issuer and DynamoDB from a container', () => {
    const file = JSON.parse(readFileSync(server.samEnvVarsFile!, 'utf8')) as unknown;
    const iamPort = new URL(server.state.dynamoDbEndpoint!).port;

    expect(file).toEqual({
      Parameters: {
        JWT_ISSUER: server.state.issuer,
        JWT_AUDIENCE: 'local-api',
        JWKS_URI: `http://host.docker.internal:${server.port}/.well-known/jwks.json`,
        JWKS_ALLOW_HTTP_HOSTS: 'host.docker.internal',
        AWS_ENDPOINT_URL_DYNAMODB: `http://host.docker.internal:${iamPort}`,
        REVOCATION_TABLE_NAME: 'jwt-revocations',
      },
    });
    // The issuer the tokens name stays loopback: compared, never fetched.
    expect(server.state.issuer).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('listens on every interface: the gateway and the DynamoDB endpoint answer at 127.0.0.2', async () => {
    // A listener bound to 127.0.0.1 alone refuses 127.0.0.2 (local-server.test.ts checks that).
    await expect(accepts('127.0.0.2', server.port)).resolves.toBe(true);
    const iamPort = Number(new URL(server.state.dynamoDbEndpoint!).port);
    await expect(accepts('127.0.0.2', iamPort)).resolves.toBe(true);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });
});

describe('npm run invoke -t, predicting sam local invoke against it', () => {
  it(
    'answers Allow for a dev issuer token, then Deny once it is revoked',
    async () => {
      const template = writeTemplate(true);
      const args = ['-t', template, '--function', 'Function', 'events/rest-token.json'];

      const allowed = await invoke([...args, '-n', server.samEnvVarsFile!, '--token', token]);
      await jti(['revoke', token], { LOCAL_DATA_DIR: data.dir });
      const denied = await invoke([...args, '-n', server.samEnvVarsFile!, '--token', token]);

      expect(allowed.stderr).not.toContain('would drop');
      expect(allowed).toMatchObject({
        code: 0,
        output: { principalId: 'alice', policyDocument: { Statement: [{ Effect: 'Allow' }] } },
      });
      expect(denied).toMatchObject({
        code: 0,
        output: { policyDocument: { Statement: [{ Effect: 'Deny' }] } },
      });
    },
    PROCESS_BUDGET_MS,
  );

  it(
    'fails the cold start without JWKS_ALLOW_HTTP_HOSTS: plain HTTP to host.docker.internal is refused',
    async () => {
      const file = JSON.parse(readFileSync(server.samEnvVarsFile!, 'utf8')) as {
        Parameters: Record<string, string>;
      };
      delete file.Parameters.JWKS_ALLOW_HTTP_HOSTS;
      const envVars = join(data.dir, 'env-without-hosts.json');
      writeFileSync(envVars, JSON.stringify(file));

      const result = await invoke(
        ['-t', writeTemplate(true), 'events/rest-token.json'].concat([
          '--function',
          'Function',
          '-n',
          envVars,
          '--token',
          token,
        ]),
      );

      expect(result.code).toBe(1);
      expect((result.output as { errorMessage: string }).errorMessage).toContain(
        `JWKS URI "http://host.docker.internal:${server.port}/.well-known/jwks.json" must use https`,
      );
    },
    PROCESS_BUDGET_MS,
  );

  it(
    'names what SAM would drop from a template without localDevelopment, and fails closed',
    async () => {
      const result = await invoke([
        ...['-t', writeTemplate(false), '--function', 'Function', 'events/rest-token.json'],
        ...['-n', server.samEnvVarsFile!, '--token', token],
      ]);

      for (const name of ['JWKS_URI', 'JWKS_ALLOW_HTTP_HOSTS', 'AWS_ENDPOINT_URL_DYNAMODB']) {
        expect(result.stderr).toContain(`sam local invoke would drop ${name}`);
      }
      // Its keys come from the issuer's default JWKS URI, on loopback: the container's own.
      expect(result.stderr).toContain('JWT_ISSUER is http://127.0.0.1');
      expect(result.code).toBe(1);
    },
    PROCESS_BUDGET_MS,
  );
});
