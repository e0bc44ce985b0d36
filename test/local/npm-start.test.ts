/**
 * The real commands as a user runs them: `npm start` (local/main.ts through tsx) as its own
 * process, and the `jti` bin as separate processes, talking over loopback only.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, get, tempDataDir } from '../helpers/local';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const JTI = join(ROOT, 'cli', 'bin.cjs');
/** Each test starts real processes (npm start synthesizes its roles, then serves): a few seconds alone, more on a busy machine. */
const PROCESS_BUDGET_MS = 120_000;

function childEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOCAL_DATA_DIR: dataDir,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

async function jtiProcess(args: string[], dataDir: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, [JTI, ...args], {
      env: childEnv(dataDir),
      cwd: ROOT,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function startNpmStart(
  dataDir: string,
  args: string[] = [],
): {
  child: ChildProcessWithoutNullStreams;
  url: Promise<string>;
  output: () => string;
} {
  const child = spawn(process.execPath, [TSX, 'local/main.ts', '--port', '0', ...args], {
    cwd: ROOT,
    env: childEnv(dataDir),
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /gateway\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
  });
  return { child, url, output: () => output };
}

describe('npm start and npx jti as processes', () => {
  it(
    'serves the quick start: 200, revoke, 403, 401; then stops cleanly on Ctrl-C',
    async () => {
      const data = tempDataDir();
      const server = startNpmStart(data.dir);
      try {
        const url = await server.url;
        const minted = await jtiProcess(['token', '--sub', 'alice'], data.dir);
        const token = minted.stdout.trim();

        const allowed = await get(`${url}/hello`, `Bearer ${token}`);
        const revoked = await jtiProcess(['revoke', token], data.dir);
        await eventually(
          async () => (await get(`${url}/hello`, `Bearer ${token}`)).status === 403,
          5000,
        );
        const malformed = await get(`${url}/hello`, 'Bearer not-a-jwt');

        expect(minted.code).toBe(0);
        expect(allowed.status).toBe(200);
        expect(revoked.code).toBe(0);
        expect(revoked.stdout).toMatch(/^revoked jti /);
        expect(malformed.status).toBe(401);
        expect(server.output()).toContain('npx jti revoke "$TOKEN"');
        expect(existsSync(join(data.dir, 'server.json'))).toBe(true);

        const exited = new Promise<number | null>((resolve) => server.child.on('exit', resolve));
        server.child.kill('SIGINT');
        expect(await exited).toBe(0);
        expect(existsSync(join(data.dir, 'server.json'))).toBe(false);
      } finally {
        server.child.kill('SIGKILL');
        data.remove();
      }
    },
    PROCESS_BUDGET_MS,
  );

  it(
    'explains its options, and refuses a bad one with exit code 2',
    async () => {
      const data = tempDataDir();
      try {
        const help = await run(process.execPath, [TSX, 'local/main.ts', '--help'], {
          cwd: ROOT,
          env: childEnv(data.dir),
        });
        const bad = await run(process.execPath, [TSX, 'local/main.ts', '--event', 'soap'], {
          cwd: ROOT,
          env: childEnv(data.dir),
        }).then(
          () => ({ code: 0, stderr: '' }),
          (error: { code: number; stderr: string }) => error,
        );

        expect(help.stdout).toContain('--in-memory');
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain('--event: "soap" is not one of');
      } finally {
        data.remove();
      }
    },
    PROCESS_BUDGET_MS,
  );

  it(
    'gives the jti CLI help on every command and exit code 2 on bad input',
    async () => {
      const data = tempDataDir();
      try {
        const help = await jtiProcess(['--help'], data.dir);
        const revokeHelp = await jtiProcess(['revoke', '--help'], data.dir);
        const malformed = await jtiProcess(['revoke', 'not-a-token', '--table', 't'], data.dir);
        const unknown = await jtiProcess(['frobnicate'], data.dir);

        expect([help.code, revokeHelp.code, malformed.code, unknown.code]).toEqual([0, 0, 2, 2]);
        expect(help.stdout).toContain('Commands:');
        expect(revokeHelp.stdout).toContain('Usage: jti revoke');
        expect(malformed.stderr).toContain('this is not a JWT');
        expect(unknown.stderr).toContain('unknown command');
      } finally {
        data.remove();
      }
    },
    PROCESS_BUDGET_MS,
  );
});
