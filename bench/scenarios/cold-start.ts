/**
 * Cold start, in fresh node processes, each figure against a bare baseline bundled the same way:
 *
 * - the time from a fresh process to its first answer: the authorizer's bundle loaded (its init
 *   phase prefetches the issuer keys and the generation record) and called once with a new
 *   token, against bench/reference-first-answer.ts doing the same steps bare, one after another
 *   (load the SDK, a `verify()` that fetches the JWKS, one `GetItem` on a fresh connection);
 * - load and init time with the prefetch off, against a bundle that only creates a DynamoDB
 *   client (bench/reference-handler.ts);
 * - the bundle's size against that bundle's, as information (what users feel is the time to
 *   the first answer).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ITEM_READ, keyOf, tokenKey } from '../../lambda/revocations/table';
import type { BenchContext, Scenario } from '../support/context';
import { bundle } from '../support/deployed';
import { median, pairedRow, row, type Row } from '../support/statistics';
import { claimsOf, ISSUER, jwksServer, mint, tokenEvent } from '../support/tokens';

const execFileAsync = promisify(execFile);

/** Milliseconds since the process started: when the bundle was loaded, and when it answered. */
interface FirstAnswer {
  readonly loaded: number;
  readonly answered: number;
  readonly answer: unknown;
}

const LOAD_PROBE =
  'const started = performance.now(); await import(process.argv[2]); process.stdout.write(String(performance.now() - started));\n';

// performance.now() counts from the process's start. The result goes to stderr: the handler
// logs to stdout. Exits at once: kept-alive sockets would hold the process open.
const FIRST_ANSWER_PROBE = `const entry = await import(process.argv[2]);
const loaded = performance.now();
let answer;
try { answer = await entry.handler(JSON.parse(process.argv[3])); } catch (error) { answer = { error: String(error) }; }
const answered = performance.now();
process.stderr.write('\\nFIRST-ANSWER ' + JSON.stringify({ loaded, answered, answer }) + '\\n');
process.exit(0);
`;

async function run({ settings, env, keys, tableName }: BenchContext): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  // An issuer of its own, to count the JWKS requests of each process.
  const jwks = await jwksServer([...keys]);
  let jwksRequests = 0;
  jwks.server.on('request', () => {
    jwksRequests += 1;
  });
  try {
    const authorizer = await bundle('lambda/handlers/authorizer.mts', join(dir, 'authorizer'));
    const reference = await bundle('bench/reference-handler.ts', join(dir, 'reference'));
    const bare = await bundle('bench/reference-first-answer.ts', join(dir, 'bare'));
    const loadProbe = join(dir, 'load-probe.mjs');
    const firstAnswerProbe = join(dir, 'first-answer-probe.mjs');
    writeFileSync(loadProbe, LOAD_PROBE);
    writeFileSync(firstAnswerProbe, FIRST_ANSWER_PROBE);
    const childEnv = {
      ...env,
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      JWKS_URI: jwks.uri,
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    // As the function runs: the construct sets NODE_OPTIONS=--enable-source-maps.
    const load = async (file: string): Promise<number> => {
      const { stdout } = await execFileAsync(
        process.execPath,
        ['--enable-source-maps', loadProbe, file],
        { env: { ...childEnv, INIT_PREFETCH_TIMEOUT_MS: '0' } },
      );
      return Number(stdout);
    };
    const firstAnswer = async (file: string, event: unknown): Promise<FirstAnswer> => {
      const before = jwksRequests;
      const { stdout, stderr } = await execFileAsync(
        process.execPath,
        ['--enable-source-maps', firstAnswerProbe, file, JSON.stringify(event)],
        { env: childEnv },
      );
      const line = stderr.split('\n').find((text) => text.startsWith('FIRST-ANSWER '));
      if (line === undefined) throw new Error(`first-answer probe gave no result: ${stderr}`);
      if (stdout.includes('prefetch incomplete')) throw new Error(`prefetch failed: ${stdout}`);
      if (jwksRequests - before !== 1) {
        throw new Error(`expected one JWKS fetch per process, saw ${jwksRequests - before}`);
      }
      return JSON.parse(line.slice('FIRST-ANSWER '.length)) as FirstAnswer;
    };
    const authorizerLoads: number[] = [];
    const referenceLoads: number[] = [];
    const authorizerFirst: FirstAnswer[] = [];
    const bareFirst: FirstAnswer[] = [];
    for (let i = 0; i < settings.coldStartRuns; i += 1) {
      // Alternate, so that drift on a shared machine hits both alike. A new token each time.
      referenceLoads.push(await load(reference));
      authorizerLoads.push(await load(authorizer));
      const baseToken = mint(keys[0]);
      const getItem = {
        TableName: tableName,
        Key: keyOf(tokenKey(ISSUER, claimsOf(baseToken).jti)),
        ...ITEM_READ,
      };
      const bareAnswer = await firstAnswer(bare, { token: baseToken, getItem });
      if (bareAnswer.answer !== true) {
        throw new Error(`bare first answer: ${JSON.stringify(bareAnswer.answer)}`);
      }
      bareFirst.push(bareAnswer);
      const answer = await firstAnswer(authorizer, tokenEvent(mint(keys[0])));
      const effect = (answer.answer as { policyDocument?: { Statement?: [{ Effect?: string }] } })
        .policyDocument?.Statement?.[0]?.Effect;
      if (effect !== 'Allow') {
        throw new Error(`authorizer first answer: ${JSON.stringify(answer.answer)}`);
      }
      authorizerFirst.push(answer);
    }
    const runs = settings.coldStartRuns;
    return [
      pairedRow(
        `first answer: fresh process to its first answer, median of ${runs} each: authorizer (prefetch on) vs bare load, verify() with JWKS fetch, GetItem`,
        'ms',
        authorizerFirst.map((first) => first.answered),
        bareFirst.map((first) => first.answered),
        1.2,
      ),
      row(
        'first answer: of which loading and init (the authorizer prefetching) vs bare loading',
        'ms',
        median(authorizerFirst.map((first) => first.loaded)),
        median(bareFirst.map((first) => first.loaded)),
        null,
      ),
      row(
        'cold start: bundle size vs DynamoDB-client-only bundle (information)',
        'KiB',
        statSync(authorizer).size / 1024,
        statSync(reference).size / 1024,
        null,
      ),
      pairedRow(
        `cold start: load and init time (prefetch off), median of ${runs} fresh processes each`,
        'ms',
        authorizerLoads,
        referenceLoads,
        1.25,
      ),
    ];
  } finally {
    await new Promise<void>((resolve) => jwks.server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}

export const coldStart: Scenario = { name: 'cold start', run };
