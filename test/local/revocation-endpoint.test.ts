/**
 * The revocation endpoint (`POST /revoke`, `POST /revoke-all`) over real HTTP through the local
 * gateway, behind the real authorizer, against the embedded DynamoDB.
 */
import { readProxyEvent } from '../../lambda/revocations/endpoint';
import { startLocalServer, type LocalServer } from '../../local/server';
import { eventually, get, jti, tempDataDir } from '../helpers/local';

const WINDOW_DEADLINE_MS = 5000;

// Each server starts a DynamoDB Local (a JVM) and synthesizes the construct's roles; on a loaded
// 2-core machine that passed the default 30 s: a budget, not a target.
jest.setTimeout(120_000);

let data: ReturnType<typeof tempDataDir>;
let server: LocalServer;

beforeAll(async () => {
  data = tempDataDir();
  server = await startLocalServer({ env: { PATH: process.env.PATH }, dataDir: data.dir, port: 0 });
});
afterAll(async () => {
  await server.close();
  data.remove();
});

/** A dev-issuer token of `sub`, issued to the client `clientId` (the CLI's own by default). */
async function mint(sub: string, clientId?: string, dataDir = data.dir): Promise<string> {
  const client = clientId ? ['--client-id', clientId] : [];
  return (await jti(['token', '--sub', sub, ...client], { LOCAL_DATA_DIR: dataDir })).out.trim();
}

/** Whether the table holds a revocation of `token`, as `jti status` reads it. */
async function revokedInTable(token: string): Promise<boolean> {
  const run = await jti(['status', '--json', token], { LOCAL_DATA_DIR: data.dir });
  return (JSON.parse(run.out) as { revoked: boolean }).revoked;
}

async function post(
  path: string,
  caller: string | undefined,
  body: string,
  contentType = 'application/x-www-form-urlencoded',
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      ...(caller ? { authorization: `Bearer ${caller}` } : {}),
    },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

const status = async (token: string): Promise<number> =>
  (await get(`${server.url}/hello`, `Bearer ${token}`)).status;

const form = (token: string): string =>
  new URLSearchParams({ token, token_type_hint: 'access_token' }).toString();

describe('POST /revoke', () => {
  it('revokes the caller own token, answering 200 with an empty body', async () => {
    const token = await mint('alice');

    const answer = await post('/revoke', token, form(token));

    expect(answer).toMatchObject({ status: 200, text: '' });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    await eventually(async () => (await status(token)) === 403, WINDOW_DEADLINE_MS);
  });

  it('revokes another token of the same subject, leaving the caller token alone', async () => {
    const caller = await mint('alice');
    const other = await mint('alice');

    expect((await post('/revoke', caller, form(other))).status).toBe(200);

    await eventually(async () => (await status(other)) === 403, WINDOW_DEADLINE_MS);
    expect(await status(caller)).toBe(200);
  });

  it("never revokes another subject's token, and does not say so", async () => {
    const mallory = await mint('mallory');
    const bob = await mint('bob');

    const answer = await post('/revoke', mallory, form(bob));
    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect(answer).toMatchObject({ status: 200, text: '' });
    expect(await status(bob)).toBe(200);
  });

  it("never revokes the same user's token of another client, and does not say so", async () => {
    const web = await mint('henry', 'web-app');
    const mobile = await mint('henry', 'mobile-app');

    const answer = await post('/revoke', mobile, form(web));

    expect(answer).toMatchObject({ status: 200, text: '' });
    expect(await revokedInTable(web)).toBe(false);
    expect(await status(web)).toBe(200);
  });

  it('answers 200 for a token that is not valid anyway', async () => {
    const caller = await mint('carol');

    for (const body of [form('not-a-jwt'), form(`${caller.slice(0, -4)}AAAA`)]) {
      expect(await post('/revoke', caller, body)).toMatchObject({ status: 200, text: '' });
    }
    expect(await status(caller)).toBe(200);
  });

  it.each([
    ['no token parameter', 'token_type_hint=access_token', 'application/x-www-form-urlencoded'],
    ['two token parameters', 'token=a&token=b', 'application/x-www-form-urlencoded'],
    ['a JSON body', '{"token":"x"}', 'application/json'],
  ])('answers 400 invalid_request for %s', async (_name, body, contentType) => {
    const caller = await mint('dave');

    const answer = await post('/revoke', caller, body, contentType);

    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'invalid_request' });
  });

  it('is behind the authorizer: no token, 401', async () => {
    const answer = await post('/revoke', undefined, form('x.y.z'));

    expect(answer.status).toBe(401);
  });
});

describe('POST /revoke-all', () => {
  it("revokes every earlier token of the caller's subject, and only those", async () => {
    const first = await mint('erin');
    const second = await mint('erin');
    const frank = await mint('frank');

    const answer = await post('/revoke-all', first, '');
    // Tokens issued in the same second as the logout count as issued before it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const fresh = await mint('erin');

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ revoked: 'all' });
    await eventually(
      async () => (await status(first)) === 403 && (await status(second)) === 403,
      WINDOW_DEADLINE_MS,
    );
    expect(await status(frank)).toBe(200);
    expect(await status(fresh)).toBe(200);
  });
});

describe('POST /revoke with REVOKE_REQUIRE_SAME_CLIENT=false', () => {
  it("revokes the same user's token of another client", async () => {
    const unbound = tempDataDir();
    const local = await startLocalServer({
      env: { PATH: process.env.PATH, REVOKE_REQUIRE_SAME_CLIENT: 'false' },
      dataDir: unbound.dir,
      port: 0,
    });
    try {
      const web = await mint('ivan', 'web-app', unbound.dir);
      const mobile = await mint('ivan', 'mobile-app', unbound.dir);

      const answer = await fetch(`${local.url}/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Bearer ${mobile}`,
        },
        body: form(web),
        signal: AbortSignal.timeout(10_000),
      });

      expect(answer.status).toBe(200);
      await eventually(
        async () => (await get(`${local.url}/hello`, `Bearer ${web}`)).status === 403,
        WINDOW_DEADLINE_MS,
      );
    } finally {
      await local.close();
      unbound.remove();
    }
  });
});

describe('readProxyEvent', () => {
  it('reads a REST API proxy event with a flat authorizer context', () => {
    const request = readProxyEvent({
      httpMethod: 'POST',
      path: '/demo/revoke',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('token=abc').toString('base64'),
      isBase64Encoded: true,
      requestContext: {
        authorizer: {
          iss: 'https://i',
          sub: 'alice',
          jti: 'j',
          client_id: 'web-app',
          principalId: 'alice',
        },
      },
    });

    expect(request).toEqual({
      method: 'POST',
      action: 'revoke',
      contentType: 'application/x-www-form-urlencoded',
      body: 'token=abc',
      caller: { iss: 'https://i', sub: 'alice', jti: 'j', clientId: 'web-app' },
    });
  });

  it('reads an HTTP API 2.0 event with the context under lambda', () => {
    const request = readProxyEvent({
      version: '2.0',
      rawPath: '/revoke-all',
      headers: {},
      requestContext: {
        http: { method: 'POST' },
        authorizer: { lambda: { iss: 'https://i', sub: 'bob', azp: 'spa' } },
      },
    });

    expect(request).toMatchObject({
      method: 'POST',
      action: 'revoke-all',
      body: '',
      caller: { sub: 'bob', jti: undefined, clientId: 'spa' },
    });
  });

  it('knows no other path', () => {
    expect(readProxyEvent({ httpMethod: 'POST', path: '/revoke/other' })).toBeUndefined();
  });
});
