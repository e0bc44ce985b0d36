/**
 * The Lambda entry itself, loaded in a fresh process as the runtime loads it: its top-level
 * await holds the init phase for the prefetch, never longer than `INIT_PREFETCH_TIMEOUT_MS`,
 * and a prefetch that could not finish fails nothing: the module loads, exports its handler and
 * logs a warning.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { FaultyDynamoDb } from '../../helpers/dynamodb';
import { JwksServer } from '../../helpers/jwks-server';
import { AUDIENCE, generateTestKey, ISSUER } from '../../helpers/tokens';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const ENTRY = pathToFileURL(join(ROOT, 'lambda', 'handlers', 'authorizer.mts')).href;
/** Far longer than loading takes: a load this long waited for the hung dependencies. */
const HUNG_FOR_MS = 30_000;

let dir: string;
let jwks: JwksServer;
let dynamo: FaultyDynamoDb;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'authorizer-entry-'));
  writeFileSync(
    join(dir, 'probe.mjs'),
    [
      'const started = performance.now();',
      'const entry = await import(process.argv[2]);',
      'const result = { ms: performance.now() - started, handler: typeof entry.handler };',
      'process.stderr.write(`\\nPROBE ${JSON.stringify(result)}\\n`);',
      // The abandoned requests would keep the process alive until their own deadlines.
      'process.exit(0);',
    ].join('\n'),
  );
  jwks = await JwksServer.start([generateTestKey('RS256').jwk]);
  jwks.mode = 'hang';
  dynamo = await FaultyDynamoDb.start('hang');
});
afterAll(async () => {
  await Promise.all([jwks.stop(), dynamo.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function load(settings: Record<string, string>): Promise<{
  probe: { ms: number; handler: string };
  warnings: Record<string, unknown>[];
}> {
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_METRICS_DISABLED: 'true',
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URI: jwks.uri,
    JWKS_TIMEOUT_MS: String(HUNG_FOR_MS),
    REVOCATION_TABLE_NAME: 'revocations',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    STORE_TIMEOUT_MS: String(HUNG_FOR_MS),
    STORE_MAX_ATTEMPTS: '1',
    ...settings,
  };
  const { stdout, stderr } = await run(process.execPath, [TSX, join(dir, 'probe.mjs'), ENTRY], {
    cwd: ROOT,
    env,
    timeout: 2 * HUNG_FOR_MS,
  });
  const probeLine = stderr.split('\n').find((line) => line.startsWith('PROBE '));
  const warnings = `${stdout}\n${stderr}`
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((log) => log.level === 'WARN');
  return {
    probe: JSON.parse(probeLine?.slice('PROBE '.length) ?? 'null') as {
      ms: number;
      handler: string;
    },
    warnings,
  };
}

describe('the authorizer entry', () => {
  it('finishes its init at the prefetch deadline when the issuer and DynamoDB hang', async () => {
    const { probe, warnings } = await load({ INIT_PREFETCH_TIMEOUT_MS: '500' });

    expect(probe.handler).toBe('function');
    expect(probe.ms).toBeLessThan(HUNG_FOR_MS / 2);
    expect(warnings).toEqual([
      expect.objectContaining({
        message: 'cold-start prefetch incomplete; the first request fetches what is missing',
        keys: 'timed out',
        store: 'timed out',
      }),
    ]);
  });

  it('prefetches nothing with INIT_PREFETCH_TIMEOUT_MS=0', async () => {
    const before = { jwks: jwks.requests, dynamo: dynamo.requests };

    const { probe, warnings } = await load({ INIT_PREFETCH_TIMEOUT_MS: '0' });

    expect(probe.handler).toBe('function');
    expect(warnings).toEqual([]);
    expect({ jwks: jwks.requests, dynamo: dynamo.requests }).toEqual(before);
  });
});
