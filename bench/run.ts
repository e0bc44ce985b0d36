/**
 * `npm run bench [-- --quick] [-- --json] [-- --only NAME]`: the authorizer's costs, each next
 * to a baseline measured in the same run (the machines are shared and noisy: ratios, not
 * absolute times, are what the targets speak of). One scenario a file, in bench/scenarios:
 *
 * 1. Warm hit: a full handler call on a cached jti vs a bare aws-jwt-verify verify() (RS256, ES256).
 * 2. Miss: a full call on an uncached jti against DynamoDB Local on loopback vs a bare GetItem.
 * 3. Cold start: bundle size and load time in fresh node processes vs a bundle that only
 *    creates a DynamoDB client.
 * 4. Memory: heap growth with 100 000 distinct cached jtis.
 * 5. Concurrency: many concurrent calls sharing one cache, mixed hits, misses and revoked tokens.
 *
 * `--json` prints {@link BenchResult}; `npm run docs:performance` turns it into the table in
 * docs/performance.md.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureRevocationTable } from '../lambda/revocations/table';
import { DynamoDbLocal } from '../local/dynamodb-local';
import { coldStart } from './scenarios/cold-start';
import { concurrency } from './scenarios/concurrency';
import { memory } from './scenarios/memory';
import { miss } from './scenarios/miss';
import { warmHit } from './scenarios/warm-hit';
import { FULL, QUICK, type BenchContext, type Scenario } from './support/context';
import { loadDeployed } from './support/deployed';
import { formatTable, type BenchResult } from './support/output';
import type { Row } from './support/statistics';
import { AUDIENCE, ISSUER, jwksServer, signingKey } from './support/tokens';

/** In this order: memory runs after the timed scenarios, in the same process. */
const SCENARIOS: readonly Scenario[] = [warmHit, miss, coldStart, memory, concurrency];

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** `only`: run just the scenarios whose names contain it (`miss`, `cold start`, ...). */
export async function runBench(quick: boolean, only?: string): Promise<Row[]> {
  const settings = quick ? QUICK : FULL;
  const keys = [signingKey('RS256'), signingKey('ES256')] as const;
  const jwks = await jwksServer([...keys]);
  // A process of its own (a JVM): its work does not share the event loop with the calls timed.
  const dynamo = await DynamoDbLocal.start();
  const bundleDir = mkdtempSync(join(tmpdir(), 'bench-deployed-'));
  const deployed = await loadDeployed(bundleDir);
  let operations = 0;
  const tableName = `bench-${Date.now()}`;
  const env = {
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWT_AUDIENCE_CLAIM: 'client_id',
    JWKS_URI: jwks.uri,
    REVOCATION_TABLE_NAME: tableName,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  };
  // The bundle's own client, so that the bare GetItem and the handler share one SDK copy.
  const client = deployed.createDynamoDbClient(deployed.loadConfig(env), {
    credentials: CREDENTIALS,
  });
  client.middlewareStack.add(
    (next) => (args) => {
      operations += 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'countRequests' },
  );
  const admin = new DynamoDBClient({
    region: env.AWS_REGION,
    endpoint: dynamo.endpoint,
    credentials: CREDENTIALS,
  });
  const context: BenchContext = {
    settings,
    deployed,
    env,
    tableName,
    jwksUri: jwks.uri,
    client,
    admin,
    keys,
    operations: () => operations,
  };
  try {
    await ensureRevocationTable(admin, tableName);
    const rows: Row[] = [];
    for (const scenario of SCENARIOS) {
      if (only !== undefined && !scenario.name.includes(only)) continue;
      process.stderr.write(`bench: ${scenario.name}...\n`);
      rows.push(...(await scenario.run(context)));
    }
    return rows;
  } finally {
    client.destroy();
    admin.destroy();
    rmSync(bundleDir, { recursive: true, force: true });
    await dynamo.stop();
    await new Promise<void>((resolve) => jwks.server.close(() => resolve()));
  }
}

/**
 * The measurements run in a child process whose standard output is /dev/null: the handler
 * writes its EMF metrics and logs there, as it writes them to Lambda's log pipe, without
 * flooding the table. The child also gets --expose-gc for the memory figure.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const json = process.argv.includes('--json');
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
  const childAt = process.argv.indexOf('--child');
  if (childAt >= 0) {
    const rows = await runBench(quick, only);
    writeFileSync(process.argv[childAt + 1] ?? '', JSON.stringify({ rows }));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const resultFile = join(dir, 'rows.json');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          ...process.execArgv,
          '--expose-gc',
          __filename,
          ...(quick ? ['--quick'] : []),
          ...(only === undefined ? [] : ['--only', only]),
          '--child',
          resultFile,
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`the benchmark exited with ${code}`)),
      );
    });
    const { rows } = JSON.parse(readFileSync(resultFile, 'utf8')) as { rows: Row[] };
    const result: BenchResult = { quick, only: only ?? null, rows };
    process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${formatTable(rows)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main().catch((error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
