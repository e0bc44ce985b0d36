/**
 * `npm run simulate [-- --quick] [-- --json] [-- --store dynamodb-local]`: the propagation
 * simulation (see propagation-sim.ts) at the size the project's figures quote, printed as a
 * table. `--scale [--plot FILE]`: the internet-scale rows instead (see scale-sim.ts), and their
 * curves drawn as an SVG.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EmbeddedDynamoDb } from '../local/embedded-dynamodb';
import { simulate, type SimulationOptions, type StrategyResult } from './propagation-sim';
import { formatScaleRows, simulateScale } from './scale-sim';
import { plotScale } from './support/scale-plot';

export const FULL: Omit<SimulationOptions, 'dynamoDb' | 'onProgress'> = {
  requests: 1_000_000,
  containers: 50,
  tokens: 10_000,
  users: 2_000,
  zipfExponent: 1,
  requestsPerSecond: 1_000,
  revocationEverySeconds: 10,
  seed: 42,
};

export const QUICK: Omit<SimulationOptions, 'dynamoDb' | 'onProgress'> = {
  ...FULL,
  requests: 20_000,
  containers: 10,
  tokens: 1_000,
  users: 200,
  requestsPerSecond: 200,
  revocationEverySeconds: 2,
};

export function formatResults(results: readonly StrategyResult[], options: typeof FULL): string {
  const lines = [
    `${options.requests} requests, ${options.containers} containers, ${options.tokens} tokens (Zipf ${options.zipfExponent}), ` +
      `${options.requestsPerSecond} requests/s, a revocation every ${options.revocationEverySeconds} s (virtual time)`,
    '',
    '| strategy | DynamoDB reads | reads/request | largest revocation-to-Allow delay | Allows of revoked tokens | of them after the bound |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of results) {
    lines.push(
      `| ${result.strategy} | ${result.storeReads} | ${result.readsPerRequest.toFixed(4)} | ${(result.maxDelayMs / 1000).toFixed(3)} s | ${result.allowsOfRevoked} | ${result.allowsAfterBound} (bound ${result.boundMs / 1000} s) |`,
    );
  }
  const ours = results[0];
  if (ours) {
    const budget =
      ours.pollIntervals + ours.firstSights + options.containers * (1 + ours.revocations);
    lines.push(
      '',
      `generation record: ${ours.generationReads} generation reads (budget: ${ours.pollIntervals} container-seconds), ` +
        `${ours.keyReads} key reads for ${ours.firstSights} first sights of a token by a container; ` +
        `total ${ours.storeReads} <= ${budget} (one read per container per poll interval + one per first sight + one per container per revocation + the cold starts)`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      store: { type: 'string' },
      scale: { type: 'boolean' },
      plot: { type: 'string' },
    },
  });
  if (values.scale) {
    const run = await simulateScale(values.quick === true, (line) =>
      process.stderr.write(`${line}\n`),
    );
    if (values.plot) writeFileSync(values.plot, plotScale(run));
    process.stdout.write(
      values.json ? `${JSON.stringify({ rows: run.rows })}\n` : `${formatScaleRows(run.rows)}\n`,
    );
    return;
  }
  const options = values.quick ? QUICK : FULL;
  let dynamo: EmbeddedDynamoDb | undefined;
  let client: DynamoDBClient | undefined;
  if (values.store === 'dynamodb-local') {
    dynamo = await EmbeddedDynamoDb.start();
    client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: dynamo.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  } else if (values.store !== undefined && values.store !== 'memory') {
    throw new Error('--store is memory (default) or dynamodb-local');
  }
  const dynamoDb = client;
  try {
    const results = await simulate({
      ...options,
      dynamoDb: dynamoDb && { admin: dynamoDb, clientFor: () => dynamoDb },
      onProgress: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ options, store: values.store ?? 'memory', results })}\n`
        : `${formatResults(results, options)}\n`,
    );
  } finally {
    client?.destroy();
    await dynamo?.stop();
  }
}

if (require.main === module) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main().catch((error: unknown) => {
    process.stderr.write(`simulate: ${String(error)}\n`);
    process.exit(1);
  });
}
