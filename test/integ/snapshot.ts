/**
 * The integration test's snapshot (`integ.demo.ts.snapshot/`), written and checked offline, the
 * way `@aws-cdk/integ-runner` writes and checks it, with no AWS account and no credentials:
 *
 * - the app is synthesized as integ-runner synthesizes it: run from this folder with the context
 *   integ-runner gives every test (its recommended feature flags, `@aws-cdk/core:target-partitions`
 *   unset, no version reporting, path or asset metadata, no stack traces) and its placeholder environment
 *   (`CDK_INTEG_ACCOUNT=12345678`...);
 * - the check compares the template of each test case's stack (not the assertion stack's) with
 *   the snapshot's after replacing the asset hashes the stack's asset manifest lists by
 *   placeholders, as integ-runner does unless a test sets `diffAssets`, and compares the test
 *   manifest (`integ.json`);
 * - the snapshot keeps no asset folders (the test has no update workflow, so integ-runner keeps
 *   none either).
 *
 * Why not integ-runner itself: the newest integ-runner the project's package registry offers
 * (2.197.10) reads cloud assemblies up to schema 53, and aws-cdk-lib 2.276 writes schema 55; it
 * refuses this app before comparing anything (docs/integration-test.md).
 *
 * `npm run integ:snapshot` checks; `npm run integ:snapshot -- --update` writes the snapshot.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

export const INTEG_DIR = __dirname;
export const TEST_FILE = 'integ.demo.ts';
export const SNAPSHOT_DIR = join(INTEG_DIR, `${TEST_FILE}.snapshot`);
const TSX = join(INTEG_DIR, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** integ-runner's placeholder environment for every test's synth (`DEFAULT_SYNTH_OPTIONS.env`). */
const INTEG_ENV = {
  CDK_INTEG_ACCOUNT: '12345678',
  CDK_INTEG_REGION: 'test-region',
  CDK_INTEG_HOSTED_ZONE_ID: 'Z23ABC4XYZL05B',
  CDK_INTEG_HOSTED_ZONE_NAME: 'example.com',
  CDK_INTEG_DOMAIN_NAME: '*.example.com',
  CDK_INTEG_CERT_ARN:
    'arn:aws:acm:test-region:12345678:certificate/86468209-a272-595d-b831-0efb6421265z',
  CDK_INTEG_SUBNET_ID: 'subnet-0dff1a399d8f6f92c',
};

/** The context integ-runner synthesizes every test with. */
export function integContext(): Record<string, unknown> {
  const runnerLib = dirname(require.resolve('@aws-cdk/integ-runner'));
  const flags = JSON.parse(
    readFileSync(join(runnerLib, 'recommended-feature-flags.json'), 'utf8'),
  ) as Record<string, unknown>;
  delete flags['@aws-cdk/core:target-partitions'];
  return {
    ...flags,
    'aws:cdk:version-reporting': false,
    'aws:cdk:enable-path-metadata': false,
    'aws:cdk:enable-asset-metadata': false,
    // No stack traces in the assembly: they hold machine paths, and no check reads them.
    'aws:cdk:disable-stack-trace': true,
    'aws:cdk:disable-creation-stack-traces': true,
  };
}

/** Runs the integration test app into `outdir`, as the CDK toolkit runs an app. */
export function synthesize(outdir: string): void {
  execFileSync(process.execPath, [TSX, TEST_FILE], {
    cwd: INTEG_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...INTEG_ENV,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(integContext()),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 300_000,
  });
}

/** Stack traces kept beside metadata and acknowledgements: machine paths, read by no check. */
const TRACE_KEYS = new Set(['trace', 'stackTraces', 'acknowledgedStackTrace']);

function withoutTraces(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTraces);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !TRACE_KEYS.has(key))
      .map(([key, child]) => [key, withoutTraces(child)]),
  );
}

/**
 * Writes the snapshot: the synthesized assembly without its asset folders (as integ-runner
 * keeps none for a test without update workflow) and without stack traces (as integ-runner drops
 * them from the manifest), so that it holds no path of the machine that wrote it.
 */
export function writeSnapshot(): void {
  rmSync(SNAPSHOT_DIR, { recursive: true, force: true });
  synthesize(SNAPSHOT_DIR);
  for (const name of readdirSync(SNAPSHOT_DIR)) {
    const file = join(SNAPSHOT_DIR, name);
    if (name.startsWith('asset.') || name === '.cache' || name === 'cdk.out') {
      rmSync(file, { recursive: true, force: true });
    } else if (name.endsWith('.json')) {
      writeFileSync(file, `${JSON.stringify(withoutTraces(readJson(file)), null, 2)}\n`);
    }
  }
}

interface IntegManifest {
  testCases: Record<string, { stacks: string[] }>;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

/**
 * The stacks compared: each test case's, as integ-runner compares them. Not the assertion stack,
 * whose custom resources carry a fresh `salt` (the synth's time) so they run at every deploy.
 */
function stacksOf(assembly: string): string[] {
  const manifest = readJson(join(assembly, 'integ.json')) as IntegManifest;
  return Object.values(manifest.testCases).flatMap((testCase) => testCase.stacks);
}

/** The stack's template with each asset hash of its asset manifest replaced by `AssetN`. */
function canonicalTemplate(assembly: string, stack: string): unknown {
  const assets = readJson(join(assembly, `${stack}.assets.json`)) as {
    files?: Record<string, unknown>;
    dockerImages?: Record<string, unknown>;
  };
  const hashes = [...Object.keys(assets.files ?? {}), ...Object.keys(assets.dockerImages ?? {})];
  const text = readFileSync(join(assembly, `${stack}.template.json`), 'utf8');
  const replaced = hashes.reduce(
    (current, hash, index) => current.split(hash).join(`Asset${index + 1}`),
    text,
  );
  return JSON.parse(replaced) as unknown;
}

/** What differs between the snapshot and a synthesized assembly (empty when nothing does). */
export function compareAssemblies(snapshot: string, actual: string): string[] {
  const problems: string[] = [];
  if (!existsSync(join(snapshot, 'integ.json'))) {
    return [`no snapshot at ${snapshot}: write one with npm run integ:snapshot -- --update`];
  }
  if (
    !isDeepStrictEqual(readJson(join(snapshot, 'integ.json')), readJson(join(actual, 'integ.json')))
  ) {
    problems.push('integ.json (the test cases) differs');
  }
  const expected = stacksOf(snapshot);
  const stacks = stacksOf(actual);
  for (const stack of expected.filter((name) => !stacks.includes(name))) {
    problems.push(`${stack} exists in the snapshot, but not in the app`);
  }
  for (const stack of stacks) {
    if (!expected.includes(stack)) {
      problems.push(`${stack} exists in the app, but not in the snapshot`);
      continue;
    }
    const before = canonicalTemplate(snapshot, stack) as Record<string, Record<string, unknown>>;
    const after = canonicalTemplate(actual, stack) as Record<string, Record<string, unknown>>;
    for (const section of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const old = before[section] ?? {};
      const now = after[section] ?? {};
      for (const id of new Set([...Object.keys(old), ...Object.keys(now)])) {
        if (!isDeepStrictEqual(old[id], now[id]))
          problems.push(`${stack}: ${section}.${id} differs`);
      }
    }
  }
  return problems;
}

/** Synthesizes the app into a temporary folder and compares it with the snapshot. */
export function checkSnapshot(snapshot = SNAPSHOT_DIR): string[] {
  const actual = mkdtempSync(join(tmpdir(), 'integ-snapshot-'));
  try {
    synthesize(actual);
    return compareAssemblies(snapshot, actual);
  } finally {
    rmSync(actual, { recursive: true, force: true });
  }
}

if (require.main === module) {
  if (process.argv.includes('--update')) {
    writeSnapshot();
    process.stdout.write(`integ snapshot written: ${SNAPSHOT_DIR}\n`);
  } else {
    const problems = checkSnapshot();
    for (const problem of problems) process.stderr.write(`integ snapshot: ${problem}\n`);
    process.stdout.write(
      problems.length === 0
        ? 'integ snapshot: no change\n'
        : 'integ snapshot: changed (check it, then npm run integ:snapshot -- --update)\n',
    );
    process.exitCode = problems.length === 0 ? 0 : 1;
  }
}
