/**
 * `npm run invoke`: the sample events in events/ through the Lambda entry, with an env-vars
 * file in SAM's format, against local mode's dev issuer and DynamoDB.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { samEnvVars, withToken } from '../../local/invoke';
import { startLocalServer, type LocalServer } from '../../local/server';
import { jti, tempDataDir, runInvoke, type InvokeRun } from '../helpers/local';

/** Each test starts a process (tsx, the SDK, the handler): seconds alone, more on a busy machine. */
const PROCESS_BUDGET_MS = 120_000;

let data: ReturnType<typeof tempDataDir>;
let server: LocalServer;
let envFile: string;
let token: string;

beforeAll(async () => {
  data = tempDataDir();
  server = await startLocalServer({ env: { PATH: process.env.PATH }, dataDir: data.dir, port: 0 });
  envFile = join(data.dir, 'env.json');
  writeFileSync(
    envFile,
    JSON.stringify({
      Parameters: { AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      AuthorizerFunction: {
        JWT_ISSUER: server.state.issuer,
        JWT_AUDIENCE: server.state.audience,
        JWKS_URI: `${server.state.issuer}/.well-known/jwks.json`,
        REVOCATION_TABLE_NAME: server.state.tableName,
        AWS_ENDPOINT_URL_DYNAMODB: server.state.dynamoDbEndpoint,
      },
    }),
  );
  token = (await jti(['token', '--sub', 'alice'], { LOCAL_DATA_DIR: data.dir })).out.trim();
});
afterAll(async () => {
  await server.close();
  data.remove();
});

async function invoke(args: string[]): Promise<InvokeRun> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, LOCAL_DATA_DIR: data.dir };
  return runInvoke(args, env);
}

describe('npm run invoke', () => {
  it.each([
    ['events/rest-token.json', 'Allow'],
    ['events/rest-request.json', 'Allow'],
  ])(
    'answers %s with a good token: %s policy',
    async (event, effect) => {
      const result = await invoke([event, '--env-vars', envFile, '--token', token]);

      expect(result.code).toBe(0);
      expect(result.output).toMatchObject({
        principalId: 'alice',
        policyDocument: {
          Statement: [
            {
              Effect: effect,
              Resource: 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/demo/*',
            },
          ],
        },
      });
    },
    PROCESS_BUDGET_MS,
  );

  it(
    'answers events/http-v2.json with a simple response',
    async () => {
      const result = await invoke(['events/http-v2.json', '-n', envFile, '--token', token]);

      expect(result).toMatchObject({
        code: 0,
        output: { isAuthorized: true, context: { sub: 'alice' } },
      });
    },
    PROCESS_BUDGET_MS,
  );

  it.each(['events/rest-token.json', 'events/rest-token-malformed.json', 'events/http-v2.json'])(
    'answers %s as committed (no real token) with Unauthorized',
    async (event) => {
      const result = await invoke([event, '--env-vars', envFile]);

      expect(result).toMatchObject({
        code: 1,
        output: { errorType: 'Error', errorMessage: 'Unauthorized' },
      });
    },
    PROCESS_BUDGET_MS,
  );

  it(
    'answers Deny once the token is revoked',
    async () => {
      const revoked = (
        await jti(['token', '--sub', 'bob'], { LOCAL_DATA_DIR: data.dir })
      ).out.trim();
      await jti(['revoke', revoked], { LOCAL_DATA_DIR: data.dir });

      const result = await invoke([
        'events/rest-token.json',
        '--env-vars',
        envFile,
        '--token',
        revoked,
      ]);

      expect(result).toMatchObject({
        code: 0,
        output: { policyDocument: { Statement: [{ Effect: 'Deny' }] } },
      });
    },
    PROCESS_BUDGET_MS,
  );

  it(
    'fails the cold start, naming the settings, without an env-vars file',
    async () => {
      const result = await invoke(['events/rest-token.json']);

      expect(result.code).toBe(1);
      expect(result.output).toMatchObject({ errorType: 'ConfigurationError' });
      expect((result.output as { errorMessage: string }).errorMessage).toContain(
        'JWT_ISSUER: is required',
      );
    },
    PROCESS_BUDGET_MS,
  );

  it(
    'refuses a missing event file with exit code 2',
    async () => {
      const result = await invoke(['events/no-such-event.json']);

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no-such-event.json');
    },
    PROCESS_BUDGET_MS,
  );
});

describe('samEnvVars', () => {
  it('applies Parameters, then the one function block', () => {
    expect(
      samEnvVars({ Parameters: { A: '1', B: 2 }, Fn: { B: 'three', C: true } }, undefined),
    ).toEqual({
      A: '1',
      B: 'three',
      C: 'true',
    });
  });

  it('needs --function when there are several functions, and refuses unknown ones', () => {
    const file = { Fn1: { A: '1' }, Fn2: { A: '2' } };

    expect(() => samEnvVars(file, undefined)).toThrow(/choose one with --function/);
    expect(samEnvVars(file, 'Fn2')).toEqual({ A: '2' });
    expect(() => samEnvVars(file, 'Fn3')).toThrow(/no block for Fn3/);
    expect(() => samEnvVars([], undefined)).toThrow(/JSON object/);
    expect(() => samEnvVars({ Fn: { A: { nested: 1 } } }, undefined)).toThrow(/must be a string/);
  });
});

describe('withToken', () => {
  it('replaces the token in every place an event carries it', () => {
    const event = {
      authorizationToken: 'Bearer old',
      headers: { Authorization: 'Bearer old', Accept: 'x' },
      multiValueHeaders: { authorization: ['Bearer old'] },
      identitySource: ['Bearer old'],
    };

    expect(withToken(event, 'new')).toEqual({
      authorizationToken: 'Bearer new',
      headers: { Authorization: 'Bearer new', Accept: 'x' },
      multiValueHeaders: { authorization: ['Bearer new'] },
      identitySource: ['Bearer new'],
    });
    expect(event.authorizationToken).toBe('Bearer old');
  });
});
