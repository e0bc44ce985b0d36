/**
 * Local mode end to end over real HTTP: the server `npm start` runs (embedded DynamoDB Local, dev
 * issuer, local gateway, real authorizer), tokens minted and revoked with the `jti` CLI.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startLocalServer, type LocalServer } from '../../local/server';
import { evaluatePolicy, GATEWAY_ANSWERS } from '../../local/gateway';
import { allowResponse } from '../../lambda/request/responses';
import { accepts, eventually, get, jti, tempDataDir } from '../helpers/local';
import { generateTestKey, signJwt } from '../helpers/tokens';

// The generation poll interval is the window for a warm container (default 1 s); this bound
// leaves room for a loaded machine. A deadline, not a speed target.
const WINDOW_DEADLINE_MS = 5000;

const baseEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME });

// Each server starts a DynamoDB Local (a JVM) and synthesizes the construct's roles; some tests
// start two. On a loaded 2-core machine that passed the default 30 s: a budget, not a target.
jest.setTimeout(120_000);

describe.each(['rest-token', 'rest-request', 'http-v2'] as const)(
  'local mode with %s events',
  (eventKind) => {
    let data: ReturnType<typeof tempDataDir>;
    let server: LocalServer;
    let cliEnv: NodeJS.ProcessEnv;

    beforeAll(async () => {
      data = tempDataDir();
      server = await startLocalServer({ env: baseEnv(), dataDir: data.dir, port: 0, eventKind });
      cliEnv = { ...baseEnv(), LOCAL_DATA_DIR: data.dir };
    });
    afterAll(async () => {
      await server.close();
      data.remove();
    });

    it('answers 200 with the echoed context, then 403 once the token is revoked with the CLI', async () => {
      const minted = await jti(['token', '--sub', 'alice', '--scope', 'orders:read'], cliEnv);
      expect(minted).toMatchObject({ code: 0, err: '' });
      const token = minted.out.trim();

      const allowed = await get(`${server.url}/hello`, `Bearer ${token}`);
      const revoked = await jti(['revoke', token, '--reason', 'test'], cliEnv);
      // Before waiting for the 403: a failed write shows its own error, not a time-out.
      expect(revoked).toMatchObject({ code: 0, err: '' });
      await eventually(
        async () => (await get(`${server.url}/hello`, `Bearer ${token}`)).status === 403,
        WINDOW_DEADLINE_MS,
      );
      const denied = await get(`${server.url}/hello`, `Bearer ${token}`);

      expect(allowed.status).toBe(200);
      expect(allowed.body).toMatchObject({
        message: 'Hello, alice',
        authorizer: {
          sub: 'alice',
          scope: 'orders:read',
          iss: server.state.issuer,
          client_id: 'local-cli',
        },
      });
      expect(revoked.code).toBe(0);
      expect(revoked.out).toMatch(/^revoked jti /);
      expect(denied.body).toEqual(
        eventKind === 'http-v2'
          ? GATEWAY_ANSWERS.httpForbidden.body
          : GATEWAY_ANSWERS.restExplicitDeny.body,
      );
    });

    it('answers 401 for a missing, malformed or foreign token', async () => {
      const foreign = signJwt(generateTestKey('RS256'), {
        iss: server.state.issuer,
        aud: server.state.audience,
        sub: 'mallory',
        jti: 'forged',
        exp: Math.floor(Date.now() / 1000) + 600,
      });

      for (const authorization of [
        undefined,
        'Bearer not-a-jwt',
        'Basic YTpi',
        `Bearer ${foreign}`,
      ]) {
        const answer = await get(`${server.url}/hello`, authorization);
        expect(answer).toEqual({ status: 401, body: { message: 'Unauthorized' } });
      }
    });

    it('answers 500 while the embedded store is down, and 200 again once it is back', async () => {
      const token = (await jti(['token', '--sub', 'bob'], cliEnv)).out.trim();
      await server.embeddedStore?.pause();

      const down = await get(`${server.url}/hello`, `Bearer ${token}`);
      await server.embeddedStore?.resume();
      const back = await get(`${server.url}/hello`, `Bearer ${token}`);

      expect(down).toEqual(
        eventKind === 'http-v2'
          ? { status: 500, body: GATEWAY_ANSWERS.httpAuthorizerError.body }
          : { status: 500, body: GATEWAY_ANSWERS.restAuthorizerError.body },
      );
      expect(back.status).toBe(200);
    });
  },
);

describe('the API Gateway authorizer cache', () => {
  it('can reuse an Allow made for one route on every other route of the stage', () => {
    const arn = (method: string, path: string) =>
      `arn:aws:execute-api:us-east-1:123456789012:api/prod/${method}${path}`;
    const token = {
      iss: 'https://i',
      jti: 'j',
      sub: 'alice',
      exp: 2_000_000_000,
      iat: undefined,
      revocationKey: 'k',
      subjectKey: 's',
      claims: {},
    };
    const cached = allowResponse({
      kind: 'rest-token',
      httpApiResponseMode: 'simple',
      resourceArn: arn('GET', '/orders/1'),
      token,
    });
    if (!('policyDocument' in cached)) throw new Error('expected a policy');

    for (const [method, path] of [
      ['GET', '/orders/2'],
      ['POST', '/orders'],
      ['DELETE', '/a/b/c'],
    ]) {
      expect(evaluatePolicy(cached, arn(method as string, path as string))).toBe('allow');
    }
    expect(
      evaluatePolicy(cached, 'arn:aws:execute-api:us-east-1:123456789012:api/other-stage/GET/x'),
    ).toBe('not-allowed');
  });
});

describe('local mode lifecycle', () => {
  it('lets npx jti act as its operator even when the shell holds other AWS credentials', async () => {
    const data = tempDataDir();
    const cliEnv = {
      ...baseEnv(),
      LOCAL_DATA_DIR: data.dir,
      AWS_ACCESS_KEY_ID: 'AKIAOTHERACCOUNT',
      AWS_SECRET_ACCESS_KEY: 'elsewhere',
    };
    const server = await startLocalServer({ env: baseEnv(), dataDir: data.dir, port: 0 });
    try {
      const token = (await jti(['token', '--sub', 'dana'], cliEnv)).out.trim();
      const revoked = await jti(['revoke', token], cliEnv);

      expect(revoked).toMatchObject({ code: 0, err: '' });
    } finally {
      await server.close();
      data.remove();
    }
  });

  it('keeps revocations across a restart', async () => {
    const data = tempDataDir();
    const cliEnv = { ...baseEnv(), LOCAL_DATA_DIR: data.dir };
    // A DynamoDB Local just started from its files answers its first requests slowly on a busy
    // machine: more than the default 333 ms a try.
    const env = { ...baseEnv(), STORE_TIMEOUT_MS: '10000' };
    try {
      const first = await startLocalServer({ env, dataDir: data.dir, port: 0 });
      const port = first.port;
      const token = (await jti(['token', '--sub', 'carol', '--ttl', '1h'], cliEnv)).out.trim();
      expect((await jti(['revoke', token], cliEnv)).code).toBe(0);
      await first.close();

      const second = await startLocalServer({ env, dataDir: data.dir, port });
      try {
        const answer = await get(`${second.url}/hello`, `Bearer ${token}`);
        const status = await jti(['status', token, '--json'], cliEnv);

        expect(answer.status).toBe(403);
        expect(JSON.parse(status.out)).toMatchObject({ revoked: true });
      } finally {
        await second.close();
      }
    } finally {
      data.remove();
    }
  });

  it('listens on loopback only, and writes no env-vars file for SAM, without --docker', async () => {
    const data = tempDataDir();
    const server = await startLocalServer({
      env: baseEnv(),
      dataDir: data.dir,
      port: 0,
      inMemory: true,
    });
    try {
      const iamPort = Number(new URL(server.state.dynamoDbEndpoint!).port);

      // 127.0.0.2 is loopback too, but only a listener on every interface accepts it there.
      expect(await accepts('127.0.0.1', server.port)).toBe(true);
      expect(await accepts('127.0.0.2', server.port)).toBe(false);
      expect(await accepts('127.0.0.2', iamPort)).toBe(false);
      expect(server.samEnvVarsFile).toBeUndefined();
      expect(existsSync(join(data.dir, 'sam-env.json'))).toBe(false);
    } finally {
      await server.close();
      data.remove();
    }
  });

  it('keeps nothing with --in-memory', async () => {
    const data = tempDataDir();
    const cliEnv = { ...baseEnv(), LOCAL_DATA_DIR: data.dir };
    try {
      const first = await startLocalServer({
        env: baseEnv(),
        dataDir: data.dir,
        port: 0,
        inMemory: true,
      });
      const port = first.port;
      const token = (await jti(['token', '--sub', 'dave'], cliEnv)).out.trim();
      await jti(['revoke', token], cliEnv);
      await first.close();

      const second = await startLocalServer({
        env: baseEnv(),
        dataDir: data.dir,
        port,
        inMemory: true,
      });
      try {
        expect((await get(`${second.url}/hello`, `Bearer ${token}`)).status).toBe(200);
      } finally {
        await second.close();
      }
    } finally {
      data.remove();
    }
  });

  it('says clearly when the port is taken', async () => {
    const data = tempDataDir();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startLocalServer({ env: baseEnv(), dataDir: data.dir, port })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is taken; choose another with PORT=<port> or --port`,
      );
    } finally {
      blocker.close();
      data.remove();
    }
  });

  it('says clearly when the data folder cannot be written', async () => {
    const data = tempDataDir();
    const file = join(data.dir, 'a-file');
    writeFileSync(file, 'not a folder');
    try {
      await expect(
        startLocalServer({ env: baseEnv(), dataDir: join(file, 'data'), port: 0 }),
      ).rejects.toThrow(/the data folder .* is not writable/);
    } finally {
      data.remove();
    }
  });
});
