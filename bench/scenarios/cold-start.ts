/**
 * Cold start: the authorizer's bundle size, and its load and init time in fresh node processes,
 * each against a bundle that only creates a DynamoDB client (bench/reference-handler.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchContext, Scenario } from '../support/context';
import { bundle } from '../support/deployed';
import { pairedRow, row, type Row } from '../support/statistics';

const execFileAsync = promisify(execFile);

async function run({ settings, env }: BenchContext): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  try {
    const authorizer = await bundle('lambda/handlers/authorizer.mts', join(dir, 'authorizer'));
    const reference = await bundle('bench/reference-handler.ts', join(dir, 'reference'));
    const probe = join(dir, 'probe.mjs');
    writeFileSync(
      probe,
      'const started = performance.now(); await import(process.argv[2]); process.stdout.write(String(performance.now() - started));\n',
    );
    const childEnv = {
      ...env,
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'eu-west-1',
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    // As the function runs: the construct sets NODE_OPTIONS=--enable-source-maps.
    const load = async (file: string): Promise<number> => {
      const { stdout } = await execFileAsync(
        process.execPath,
        ['--enable-source-maps', probe, file],
        { env: childEnv },
      );
      return Number(stdout);
    };
    const authorizerTimes: number[] = [];
    const referenceTimes: number[] = [];
    for (let i = 0; i < settings.coldStartRuns; i += 1) {
      // Alternate, so that drift on a shared machine hits both alike.
      referenceTimes.push(await load(reference));
      authorizerTimes.push(await load(authorizer));
    }
    return [
      row(
        'cold start: bundle size vs DynamoDB-client-only bundle',
        'KiB',
        statSync(authorizer).size / 1024,
        statSync(reference).size / 1024,
        1.15,
      ),
      pairedRow(
        `cold start: load and init time, median of ${settings.coldStartRuns} fresh processes each`,
        'ms',
        authorizerTimes,
        referenceTimes,
        1.25,
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const coldStart: Scenario = { name: 'cold start', run };
