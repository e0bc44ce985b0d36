/**
 * `npm run bench [-- --quick] [-- --json]`: the authorizer's costs, each next to a baseline
 * measured in the same run (the machines are shared and noisy: ratios, not absolute times, are
 * what the targets speak of).
 *
 * 1. Warm hit: a full handler call on a cached jti vs a bare aws-jwt-verify verify() (RS256, ES256).
 * 2. Miss: a full call on an uncached jti against dynalite on loopback vs a bare GetItem.
 * 3. Cold start: bundle size and load time in fresh node processes vs a bundle that only
 *    creates a DynamoDB client.
 * 4. Memory: heap growth with 100 000 distinct cached jtis.
 * 5. Concurrency: many concurrent calls sharing one cache, mixed hits, misses and revoked tokens.
 */
import { execFile, spawn } from 'node:child_process';
import {
  generateKeyPairSync,
  createSign,
  sign as cryptoSign,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { JwtVerifier } from 'aws-jwt-verify';
import { build } from 'esbuild';
import type { AuthorizerHandler } from '../lambda/request/authorizer';
import { RevocationChecker } from '../lambda/request/revocation-checker';
import { tokenKey } from '../lambda/revocations/table';
import { writeTokenRevocation } from '../lambda/revocations/table';
import { FUNCTION_BUNDLING } from '../lib/bundling';
import { ensureRevocationTable } from '../lambda/revocations/table';
import { MemoryRevocationStore } from '../lambda/revocations/table';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_BenchPool';
const AUDIENCE = 'bench-api';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:benchapi/prod/GET/orders/42';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const CONCURRENCY = 32;

export interface Row {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly baseline: number | null;
  readonly ratio: number | null;
  /** Largest acceptable ratio, where the project names one. */
  readonly target: number | null;
}

interface Settings {
  readonly quick: boolean;
  readonly timeMs: number;
  /** Rounds the timed comparisons are cut into (after one warm-up round). */
  readonly rounds: number;
  readonly coldStartRuns: number;
  readonly cachedJtis: number;
  readonly concurrentCalls: number;
}

type Alg = 'RS256' | 'ES256';

interface SigningKey {
  readonly alg: Alg;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, string>;
}

function signingKey(alg: Alg): SigningKey {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `bench-${alg}`;
  const jwk = pair.publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { alg, kid, privateKey: pair.privateKey, jwk: { ...jwk, kid, alg, use: 'sig' } };
}

function mint(key: SigningKey, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' })).toString(
    'base64url',
  );
  const payload = Buffer.from(
    JSON.stringify({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'bench-user',
      jti: randomUUID(),
      iat: now,
      exp: now + 3600,
      scope: 'orders:read orders:write',
      client_id: 'bench-client',
      ...claims,
    }),
  ).toString('base64url');
  const input = `${header}.${payload}`;
  const signature =
    key.alg === 'RS256'
      ? createSign('RSA-SHA256').update(input).sign(key.privateKey, 'base64url')
      : cryptoSign('sha256', Buffer.from(input), {
          key: key.privateKey,
          dsaEncoding: 'ieee-p1363',
        }).toString('base64url');
  return `${input}.${signature}`;
}

async function jwksServer(keys: SigningKey[]): Promise<{ uri: string; server: Server }> {
  const body = JSON.stringify({ keys: keys.map((key) => key.jwk) });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, server };
}

function row(
  name: string,
  unit: string,
  value: number,
  baseline: number | null,
  target: number | null,
): Row {
  return { name, unit, value, baseline, ratio: baseline ? value / baseline : null, target };
}

/**
 * A row from paired samples (`values[i]` and `baselines[i]` measured side by side): the
 * medians, and the median of the pairs' ratios, which is steadier on a shared machine than the
 * ratio of the medians because each pair ran under the same load.
 */
function pairedRow(
  name: string,
  unit: string,
  values: readonly number[],
  baselines: readonly number[],
  target: number,
): Row {
  return {
    ...row(name, unit, median(values), median(baselines), target),
    ratio: median(values.map((value, i) => value / (baselines[i] ?? NaN))),
  };
}

/**
 * Latency in microseconds of each task, one median per round. The tasks take turns: the run is cut into
 * rounds and each task gets a slice of every round (in a rotating order): drift on a shared
 * machine (another process, a slower minute) then hits every task alike instead of whichever
 * ran during it, and round `i` of two tasks is a pair for {@link pairedRow}. The first round
 * warms everything up (JIT, sockets, dynalite) and does not count.
 */
async function compare(
  settings: Settings,
  tasks: Record<string, () => Promise<unknown>>,
): Promise<Record<string, number[]>> {
  // tinybench is published as an ES module only.
  const { Bench } = await import('tinybench');
  const names = Object.keys(tasks);
  const perRound: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round <= settings.rounds; round += 1) {
    const bench = new Bench({ time: settings.timeMs / settings.rounds, warmupTime: 0 });
    const order = names.map((_, i) => names[(i + round) % names.length] as string);
    for (const name of order) bench.add(name, tasks[name] as () => Promise<unknown>);
    await bench.run();
    if (round === 0) continue;
    for (const task of bench.tasks) {
      const result = task.result as { latency?: { mean: number; p50?: number } } | undefined;
      perRound[task.name]?.push((result?.latency?.p50 ?? result?.latency?.mean ?? NaN) * 1000);
    }
  }
  return perRound;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Bundles `entry` (relative to the project) as the functions are deployed; returns the file. */
async function bundle(entry: string, outdir: string): Promise<string> {
  const outfile = join(outdir, 'index.mjs');
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: FUNCTION_BUNDLING.format,
    target: FUNCTION_BUNDLING.target,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    minify: FUNCTION_BUNDLING.minify,
    keepNames: FUNCTION_BUNDLING.keepNames,
    sourcemap: FUNCTION_BUNDLING.sourceMap ? 'external' : false,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    external: [...FUNCTION_BUNDLING.externalModules],
    banner: { js: FUNCTION_BUNDLING.banner },
    logLevel: 'silent',
  });
  return outfile;
}

/** The authorizer's modules, from its deployed bundle. */
type Deployed = typeof import('./bundled-entry');

async function loadDeployed(dir: string): Promise<Deployed> {
  const file = await bundle('bench/bundled-entry.ts', dir);
  return (await import(pathToFileURL(file).href)) as Deployed;
}

/** The handler as deployed: production dependencies and Powertools telemetry. */
function productionHandler(
  deployed: Deployed,
  env: Record<string, string>,
  client: DynamoDBClient,
): AuthorizerHandler {
  const config = deployed.loadConfig(env);
  return deployed.createHandler(
    deployed.createProductionDeps(config, {
      dynamoDbClient: client,
      telemetry: new deployed.PowertoolsTelemetry(),
    }),
  );
}

async function warmHit(
  deployed: Deployed,
  settings: Settings,
  env: Record<string, string>,
  jwksUri: string,
  client: DynamoDBClient,
  keys: SigningKey[],
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const key of keys) {
    const handler = productionHandler(deployed, env, client);
    const token = mint(key);
    const event = { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN };
    await handler(event);
    await handler(event);
    const verifier = JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksUri });
    verifier.cacheJwks({ keys: keys.map((entry) => ({ kty: entry.jwk.kty ?? '', ...entry.jwk })) });
    await verifier.verify(token);
    const rounds = await compare(settings, {
      handler: () => handler(event),
      verify: () => verifier.verify(token),
    });
    rows.push(
      pairedRow(
        `warm hit, ${key.alg}: handler vs bare verify()`,
        'us/call',
        rounds.handler ?? [],
        rounds.verify ?? [],
        1.1,
      ),
    );
  }
  return rows;
}

async function miss(
  deployed: Deployed,
  settings: Settings,
  env: Record<string, string>,
  jwksUri: string,
  client: DynamoDBClient,
  key: SigningKey,
  operations: () => number,
): Promise<Row[]> {
  // A known token whose jti is no longer cached: a working set of tokens larger than the
  // revocation cache, each verified once before (the verified-token cache holds them all) and
  // all of one user (the subject's entry stays cached). Each call is then one GetItem.
  const workingSet = Array.from({ length: 1000 }, () => mint(key));
  const known = productionHandler(deployed, { ...env, CACHE_MAX_ENTRIES: '64' }, client);
  for (const token of workingSet) await known(tokenEvent(token));
  // New tokens: a signature check, then that read. Each token is used once by each task.
  const pool = Array.from({ length: settings.quick ? 3000 : 12_000 }, () => mint(key));
  const fresh = productionHandler(deployed, env, client);
  await fresh(tokenEvent(mint(key)));
  const verifier = JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksUri });
  verifier.cacheJwks({ keys: [{ kty: key.jwk.kty ?? '', ...key.jwk }] });
  // The read the store makes for a token: the same key, consistency and projection.
  const keys = new Map(
    [...workingSet, ...pool].map((token) => [token, tokenKey(ISSUER, claimsOf(token).jti)]),
  );
  const getItem = (token: string) =>
    client.send(
      new deployed.GetItemCommand({
        TableName: env.REVOCATION_TABLE_NAME,
        Key: { pk: { S: keys.get(token) ?? '' } },
        ConsistentRead: true,
        ProjectionExpression: '#pk, #ttl, #nb',
        ExpressionAttributeNames: { '#pk': 'pk', '#ttl': 'ttl', '#nb': 'notBefore' },
      }),
    );
  const calls = { known: 0, fresh: 0, verifyThenGet: 0, getItem: 0 };
  const next = (task: keyof typeof calls, tokens: readonly string[]): string => {
    const token = tokens[calls[task] % tokens.length] as string;
    calls[task] += 1;
    return token;
  };
  const before = operations();
  const rounds = await compare(settings, {
    known: () => known(tokenEvent(next('known', workingSet))),
    getItem: () => getItem(next('getItem', workingSet)),
    fresh: () => fresh(tokenEvent(next('fresh', pool))),
    verifyThenGet: async () => {
      const token = next('verifyThenGet', pool);
      await verifier.verify(token);
      return getItem(token);
    },
  });
  // The figures mean what they say only if each call made one read (plus the generation
  // record's, about one a second for each handler) and no new token came twice.
  const made = calls.known + calls.fresh + calls.verifyThenGet + calls.getItem;
  const extra = operations() - before - made;
  process.stderr.write(
    `miss: ${made} calls, ${made + extra} DynamoDB requests (${extra} of them generation-record reads)\n`,
  );
  if (extra < 0 || extra > made / 20) throw new Error('miss: calls did not make one read each');
  if (calls.fresh > pool.length || calls.verifyThenGet > pool.length) {
    throw new Error(`miss: the token pool (${pool.length}) ran out`);
  }
  return [
    pairedRow(
      'miss, known token (jti not cached; dynalite on loopback): handler vs bare GetItem',
      'us/call',
      rounds.known ?? [],
      rounds.getItem ?? [],
      1.1,
    ),
    pairedRow(
      'miss, new token: handler vs bare verify() then bare GetItem',
      'us/call',
      rounds.fresh ?? [],
      rounds.verifyThenGet ?? [],
      1.1,
    ),
  ];
}

/** The claims of a token minted here (read without verifying). */
function claimsOf(token: string): { jti: string; exp: number } {
  const payload = Buffer.from(token.split('.')[1] ?? '', 'base64url').toString();
  return JSON.parse(payload) as { jti: string; exp: number };
}

function tokenEvent(token: string): Record<string, string> {
  return { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN };
}

async function coldStart(settings: Settings, env: Record<string, string>): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  try {
    const authorizer = await bundle('lambda/handlers/authorizer.ts', join(dir, 'authorizer'));
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
      const { stdout } = await run(process.execPath, ['--enable-source-maps', probe, file], {
        env: childEnv,
      });
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

async function memory(settings: Settings): Promise<Row> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const collect = (): number => {
    gc?.();
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  const clock = Date.now();
  const store = new MemoryRevocationStore(() => clock);
  const checker = new RevocationChecker({
    store,
    notRevokedTtlSeconds: 300,
    generationPollSeconds: 1,
    maxEntries: 100_000,
    now: () => clock,
  });
  const before = collect();
  for (let i = 0; i < settings.cachedJtis; i += 1) {
    await checker.check({
      // As the verifier produces it: a jti parsed out of a JSON payload.
      revocationKey: tokenKey(ISSUER, JSON.parse(`"${randomUUID()}"`) as string),
      subjectKey: undefined,
      exp: clock / 1000 + 3600,
      iat: clock / 1000,
    });
  }
  const after = collect();
  if (checker.size !== Math.min(settings.cachedJtis, 100_000))
    throw new Error('the cache did not hold every jti');
  return row(
    `memory: heap growth with ${settings.cachedJtis} distinct cached jtis (CACHE_MAX_ENTRIES 100000${gc ? '' : ', no --expose-gc'}) vs a 128 MB function`,
    'MB',
    (after - before) / 1024 / 1024,
    128,
    // The issue names no ratio: "well inside a 128 MB Lambda".
    null,
  );
}

async function concurrency(
  deployed: Deployed,
  settings: Settings,
  env: Record<string, string>,
  client: DynamoDBClient,
  key: SigningKey,
  operations: () => number,
): Promise<Row[]> {
  // dynalite answers one request at a time: under this load its queue, not the authorizer,
  // sets the latency, so the store deadline is raised here to measure rather than fail closed.
  const handler = productionHandler(
    deployed,
    { ...env, STORE_TIMEOUT_MS: '10000', STORE_CONNECT_TIMEOUT_MS: '5000' },
    client,
  );
  const hot = Array.from({ length: 50 }, () => mint(key));
  const revoked = Array.from({ length: 20 }, () => mint(key));
  for (const token of revoked) {
    const claims = claimsOf(token);
    await writeTokenRevocation(client, env.REVOCATION_TABLE_NAME ?? '', {
      iss: ISSUER,
      jti: claims.jti,
      exp: claims.exp,
    });
  }
  const fresh = Array.from({ length: Math.floor(settings.concurrentCalls / 10) }, () => mint(key));
  // 80 % hot tokens, 10 % revoked ones, 10 % seen once.
  const calls = Array.from({ length: settings.concurrentCalls }, (_, i) =>
    i % 10 === 0
      ? (fresh[i / 10] as string)
      : i % 10 === 1
        ? (revoked[i % revoked.length] as string)
        : (hot[i % hot.length] as string),
  );
  const distinctKeys = new Set(calls).size;
  const before = operations();
  const latencies: number[] = [];
  let cursor = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (cursor < calls.length) {
        const token = calls[cursor++] as string;
        const t = performance.now();
        try {
          await handler({
            type: 'TOKEN',
            authorizationToken: `Bearer ${token}`,
            methodArn: METHOD_ARN,
          });
        } catch {
          failures += 1;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (failures > 0) throw new Error(`${failures} calls failed under concurrency`);
  const requests = operations() - before;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return [
    row(
      `concurrency: ${calls.length} calls, ${CONCURRENCY} at a time, one shared cache`,
      'calls/s',
      calls.length / seconds,
      null,
      null,
    ),
    row('concurrency: p50 latency', 'ms', at(0.5), null, null),
    row('concurrency: p99 latency', 'ms', at(0.99), null, null),
    row(
      'concurrency: DynamoDB requests vs distinct tokens (coalescing)',
      'requests',
      requests,
      distinctKeys,
      null,
    ),
  ];
}

/** `only`: run just the steps whose names contain it (`miss`, `cold start`, ...). */
export async function runBench(quick: boolean, only?: string): Promise<Row[]> {
  const settings: Settings = quick
    ? {
        quick,
        timeMs: 600,
        rounds: 6,
        coldStartRuns: 5,
        cachedJtis: 100_000,
        concurrentCalls: 2_000,
      }
    : {
        quick,
        timeMs: 4_000,
        rounds: 40,
        coldStartRuns: 61,
        cachedJtis: 100_000,
        concurrentCalls: 20_000,
      };
  const keys = [signingKey('RS256'), signingKey('ES256')];
  const jwks = await jwksServer(keys);
  const dynamo = await dynaliteProcess();
  const bundleDir = mkdtempSync(join(tmpdir(), 'bench-deployed-'));
  const deployed = await loadDeployed(bundleDir);
  let operations = 0;
  const tableName = `bench-${Date.now()}`;
  const env = {
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
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
  try {
    await ensureRevocationTable(client, tableName);
    const rows: Row[] = [];
    const step = async (name: string, work: () => Promise<Row | Row[]>): Promise<void> => {
      if (only !== undefined && !name.includes(only)) return;
      process.stderr.write(`bench: ${name}...\n`);
      const result = await work();
      rows.push(...(Array.isArray(result) ? result : [result]));
    };
    await step('warm hit', () => warmHit(deployed, settings, env, jwks.uri, client, keys));
    await step('miss', () =>
      miss(deployed, settings, env, jwks.uri, client, keys[0] as SigningKey, () => operations),
    );
    await step('cold start', () => coldStart(settings, env));
    await step('memory', () => memory(settings));
    await step('concurrency', () =>
      concurrency(deployed, settings, env, client, keys[0] as SigningKey, () => operations),
    );
    return rows;
  } finally {
    client.destroy();
    rmSync(bundleDir, { recursive: true, force: true });
    await dynamo.stop();
    await new Promise<void>((resolve) => jwks.server.close(() => resolve()));
  }
}

/**
 * dynalite in a process of its own: in the benchmark's process its work would share the event
 * loop with the calls being timed, and the figures would swing with it.
 */
async function dynaliteProcess(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "const s = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }); s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));",
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.trim());
    });
    child.on('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

export function formatTable(rows: readonly Row[]): string {
  const lines = [
    '| figure | value | baseline | ratio | target |',
    '| --- | --- | --- | --- | --- |',
  ];
  const number = (value: number): string =>
    value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  for (const entry of rows) {
    const met =
      entry.target === null || entry.ratio === null
        ? ''
        : entry.ratio <= entry.target
          ? ' (met)'
          : ' (missed)';
    lines.push(
      `| ${entry.name} | ${number(entry.value)} ${entry.unit} | ${entry.baseline === null ? '-' : `${number(entry.baseline)} ${entry.unit}`} | ${entry.ratio === null ? '-' : entry.ratio.toFixed(2)} | ${entry.target === null ? '-' : `<= ${entry.target}${met}`} |`,
    );
  }
  return lines.join('\n');
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
    process.stdout.write(json ? `${JSON.stringify({ rows })}\n` : `${formatTable(rows)}\n`);
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
