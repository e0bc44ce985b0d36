/**
 * Helpers for end-to-end tests of local mode: a data folder, HTTP calls, the CLI in-process,
 * `npm run invoke` in a process of its own.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../cli/jti';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'jti-local-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

export async function get(url: string, authorization?: string): Promise<HttpAnswer> {
  const response = await fetch(url, {
    headers: authorization === undefined ? {} : { authorization },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `jti <args>` in-process with the given environment (and standard input). */
export async function jti(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    env,
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    readStdin: () => Promise.resolve(stdin),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Polls until `probe` returns true or `deadlineMs` passes; returns the time it took. */
export async function eventually(
  probe: () => Promise<boolean>,
  deadlineMs: number,
  stepMs = 50,
): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < deadlineMs) {
    if (await probe()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  throw new Error(`condition not met within ${deadlineMs} ms`);
}

/** Whether something accepts TCP connections at `host:port`. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    const answer = (accepted: boolean): void => {
      socket.destroy();
      resolve(accepted);
    };
    socket.once('connect', () => answer(true));
    socket.once('error', () => answer(false));
    socket.once('timeout', () => answer(false));
  });
}

export interface InvokeRun {
  readonly code: number;
  /** Standard output parsed as JSON (the handler's answer), if any. */
  readonly output: unknown;
  readonly stderr: string;
}

/** Runs `npm run invoke <args>` (`local/invoke.ts`) in a fresh process with exactly `env`. */
export async function runInvoke(args: string[], env: NodeJS.ProcessEnv): Promise<InvokeRun> {
  const outcome = await promisify(execFile)(process.execPath, [TSX, 'local/invoke.ts', ...args], {
    cwd: ROOT,
    env,
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  const text = outcome.stdout.trim();
  return {
    code: outcome.code,
    output: text ? (JSON.parse(text) as unknown) : undefined,
    stderr: outcome.stderr,
  };
}
