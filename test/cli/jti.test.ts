/**
 * The `jti` CLI against DynamoDB Local: every command, its JSON output, its exit codes and errors. It
 * runs as an operator granted exactly the actions docs/permissions.md lists
 * (`TABLE_OPERATIONS.operator`), through the IAM-enforcing endpoint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_LEEWAY_SECONDS, revocationUntil, tokenKey } from '../../lambda/revocations/table';
import { putItem, ttlValue } from '../helpers/dynamodb';
import { bearer, restTokenEvent } from '../helpers/events';
import { buildHandler, startHarness, type Harness } from '../helpers/harness';
import { jti, tempDataDir } from '../helpers/local';
import { goodClaims, ISSUER, newJti, signJwt } from '../helpers/tokens';

let harness: Harness;
let env: NodeJS.ProcessEnv;
let data: ReturnType<typeof tempDataDir>;

beforeAll(async () => {
  harness = await startHarness();
  data = tempDataDir();
  const operator = harness.dynamo.as('operator', harness.tableName);
  env = {
    AWS_ENDPOINT_URL_DYNAMODB: operator.endpoint,
    AWS_ACCESS_KEY_ID: operator.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: operator.credentials.secretAccessKey,
    REVOCATION_TABLE_NAME: harness.tableName,
    LOCAL_DATA_DIR: data.dir,
  };
});
afterAll(async () => {
  await harness.stop();
  data.remove();
});

async function json(args: string[]): Promise<Record<string, unknown>> {
  const run = await jti([...args, '--json'], env);
  expect(run).toMatchObject({ code: 0, err: '' });
  return JSON.parse(run.out) as Record<string, unknown>;
}

describe('jti revoke / status / unrevoke', () => {
  it('revokes a token read from itself, and the authorizer then denies it', async () => {
    const claims = goodClaims();
    const token = signJwt(harness.key, claims);

    const revoked = await json(['revoke', token, '--reason', 'laptop stolen']);
    const again = await json(['revoke', token]);
    const status = await json(['status', token]);
    const { handler } = buildHandler(harness.env);
    const response = await handler(restTokenEvent(bearer(token)));

    expect(revoked).toEqual({
      revoked: true,
      changed: true,
      iss: ISSUER,
      jti: claims.jti,
      until: revocationUntil(claims.exp as number),
    });
    expect(again).toMatchObject({ revoked: true, changed: false });
    expect(status).toMatchObject({
      iss: ISSUER,
      jti: claims.jti,
      revoked: true,
      reason: 'laptop stolen',
    });
    expect(response).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Deny' }] } });
  });

  it('reads the token from standard input for -, so it stays out of argv', async () => {
    const claims = goodClaims();
    const token = signJwt(harness.key, claims);

    const revoked = await jti(['revoke', '-', '--json'], env, `Bearer ${token}\n`);
    const status = await jti(['status', '-', '--json'], env, `${token}\n`);
    const unrevoked = await jti(['unrevoke', '-', '--json'], env, token);
    const empty = await jti(['revoke', '-'], env, '\n');

    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.out)).toMatchObject({
      revoked: true,
      changed: true,
      jti: claims.jti,
    });
    expect(JSON.parse(status.out)).toMatchObject({ revoked: true, jti: claims.jti });
    expect(unrevoked.code).toBe(0);
    expect(empty).toMatchObject({ code: 2, err: 'jti revoke: no token on standard input (for -)' });
  });

  it('revokes by --iss, --jti and --exp (epoch seconds or ISO date), and unrevokes', async () => {
    const id = newJti();
    const exp = new Date(Date.now() + 3_600_000).toISOString();

    expect(await json(['revoke', '--iss', ISSUER, '--jti', id, '--exp', exp])).toMatchObject({
      revoked: true,
    });
    expect(await json(['status', '--iss', ISSUER, '--jti', id])).toMatchObject({ revoked: true });
    expect(await json(['unrevoke', '--iss', ISSUER, '--jti', id])).toEqual({
      removed: true,
      iss: ISSUER,
      jti: id,
    });
    expect(await json(['unrevoke', '--iss', ISSUER, '--jti', id])).toMatchObject({
      removed: false,
    });
    expect(await json(['status', '--iss', ISSUER, '--jti', id])).toEqual({
      iss: ISSUER,
      jti: id,
      revoked: false,
    });
  });

  it('says a token expired beyond every leeway needs no revocation, and writes nothing', async () => {
    const claims = goodClaims({ exp: Math.floor(Date.now() / 1000) - MAX_LEEWAY_SECONDS - 1 });
    const token = signJwt(harness.key, claims);

    const result = await json(['revoke', token]);

    expect(result).toMatchObject({ revoked: false, reason: 'expired' });
    expect(await json(['status', token])).toMatchObject({ revoked: false });
  });

  it('prints a human summary without --json', async () => {
    const token = signJwt(harness.key, goodClaims());

    const revoke = await jti(['revoke', token], env);
    const status = await jti(['status', token], env);

    expect(revoke.out).toMatch(/^revoked jti .* until \d{4}-/);
    expect(status.out).toMatch(/^revoked: jti /);
    expect(status.out).toContain('  by     cli');
  });
});

describe('jti revoke-subject', () => {
  it('logs a subject out everywhere: earlier tokens denied, later ones allowed', async () => {
    const sub = `cli-user-${Date.now()}`;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const older = signJwt(harness.key, goodClaims({ sub, iat: nowSeconds - 60 }));
    const newer = signJwt(harness.key, goodClaims({ sub, iat: nowSeconds + 120 }));

    const result = await json([
      'revoke-subject',
      '--iss',
      ISSUER,
      '--sub',
      sub,
      '--before',
      String(nowSeconds + 60),
    ]);
    const status = await json(['status', '--iss', ISSUER, '--sub', sub]);
    const { handler } = buildHandler(harness.env);

    expect(result).toEqual({
      revoked: true,
      changed: true,
      iss: ISSUER,
      sub,
      notBefore: nowSeconds + 60,
    });
    expect(status).toMatchObject({
      revoked: true,
      notBefore: new Date((nowSeconds + 60) * 1000).toISOString(),
    });
    expect(await handler(restTokenEvent(bearer(older)))).toMatchObject({
      policyDocument: { Statement: [{ Effect: 'Deny' }] },
    });
    expect(await handler(restTokenEvent(bearer(newer)))).toMatchObject({
      policyDocument: { Statement: [{ Effect: 'Allow' }] },
    });
    expect(await json(['unrevoke', '--iss', ISSUER, '--sub', sub])).toMatchObject({
      removed: true,
    });
  });
});

describe('jti list', () => {
  it('pages through the revocations in force, tokens and subjects, skipping ended ones', async () => {
    const marker = `list-${Date.now()}`;
    for (let i = 0; i < 5; i += 1) {
      await json([
        'revoke',
        '--iss',
        ISSUER,
        '--jti',
        `${marker}-${i}`,
        '--exp',
        String(Math.floor(Date.now() / 1000) + 600),
      ]);
    }
    // An ended revocation, as DynamoDB keeps it until its TTL deletion comes round.
    await putItem(
      harness.client,
      harness.tableName,
      tokenKey(ISSUER, `${marker}-ended`),
      ttlValue(Math.floor(Date.now() / 1000) - 1),
    );
    await json(['revoke-subject', '--iss', ISSUER, '--sub', `${marker}-user`]);

    const seen: Record<string, unknown>[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await json(['list', '--limit', '3', ...(next ? ['--next', next] : [])]);
      seen.push(...(page.revocations as Record<string, unknown>[]));
      next = page.next as string | undefined;
      pages += 1;
    } while (next && pages < 100);

    const mine = seen.filter((entry) => String(entry.jti ?? entry.sub).startsWith(marker));
    expect(
      mine
        .filter((entry) => entry.kind === 'token')
        .map((entry) => entry.jti)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4].map((i) => `${marker}-${i}`));
    expect(mine.filter((entry) => entry.kind === 'subject').map((entry) => entry.sub)).toEqual([
      `${marker}-user`,
    ]);
    expect(pages).toBeGreaterThan(1);
    const subjectsOnly = await json(['list', '--kind', 'subject', '--limit', '1000']);
    expect(
      (subjectsOnly.revocations as { kind: string }[]).every((entry) => entry.kind === 'subject'),
    ).toBe(true);
  });
});

describe('errors and help', () => {
  it.each([
    [['revoke', 'not-a-jwt'], 2, 'this is not a JWT'],
    [['revoke', `x.${Buffer.from('[1]').toString('base64url')}.y`], 2, 'not a JSON object'],
    [
      ['revoke', `x.${Buffer.from('{"iss":"https://i"}').toString('base64url')}.y`],
      2,
      'has no jti claim',
    ],
    [['revoke', '--iss', ISSUER, '--jti', 'a'], 2, '--exp is required'],
    [
      ['revoke', '--iss', ISSUER, '--jti', 'a', '--exp', 'tomorrow-ish'],
      2,
      'neither epoch seconds nor an ISO date',
    ],
    [
      ['revoke', '--iss', ISSUER, '--jti', '', '--exp', '2000000000'],
      2,
      'cannot revoke: jti is empty',
    ],
    [['revoke-subject', '--iss', ISSUER], 2, '--iss and --sub are required'],
    [['list', '--limit', '0'], 2, '--limit must be'],
    [['status'], 2, 'give a token, or --iss and --jti'],
    [['revoke', '--bogus'], 2, "Unknown option '--bogus'"],
    [['frobnicate'], 2, 'unknown command'],
  ])('jti %j exits %i: %s', async (args, code, message) => {
    const run = await jti(args, env);

    expect(run.code).toBe(code);
    expect(run.err).toContain(message);
  });

  it('exits 1 with a clear message when the table does not exist', async () => {
    const operator = harness.dynamo.as('operator', 'no-such-table');
    const run = await jti(['status', '--iss', ISSUER, '--jti', 'x', '--table', 'no-such-table'], {
      ...env,
      AWS_ACCESS_KEY_ID: operator.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: operator.credentials.secretAccessKey,
    });

    expect(run.code).toBe(1);
    expect(run.err).toContain(`table no-such-table does not exist at ${operator.endpoint}`);
  });

  it('exits 1 naming the action when the operator lacks a permission it needs', async () => {
    const run = await jti(
      ['status', '--iss', ISSUER, '--jti', 'x', '--table', `${harness.tableName}-elsewhere`],
      env,
    );

    expect(run.code).toBe(1);
    expect(run.err).toContain('is not authorized to perform: dynamodb:GetItem');
  });

  it('exits 2 and explains when no table is configured', async () => {
    const run = await jti(['status', '--iss', ISSUER, '--jti', 'x'], { LOCAL_DATA_DIR: data.dir });

    expect(run.code).toBe(2);
    expect(run.err).toContain('no table: set REVOCATION_TABLE_NAME');
  });

  it('exits 1 when DynamoDB cannot be reached', async () => {
    const run = await jti(['status', '--iss', ISSUER, '--jti', 'x'], {
      ...env,
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
    });

    expect(run.code).toBe(1);
    expect(run.err).toMatch(/jti status: /);
  });

  it('prints the package version with --version', async () => {
    const manifest = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'),
    ) as { version: string };

    const run = await jti(['--version'], env);

    expect(run).toEqual({ code: 0, out: manifest.version, err: '' });
  });

  it.each(['token', 'revoke', 'revoke-subject', 'status', 'unrevoke', 'list'])(
    'explains %s with --help',
    async (command) => {
      const run = await jti([command, '--help'], env);

      expect(run.code).toBe(0);
      expect(run.out).toContain(`Usage: jti ${command}`);
    },
  );
});
