/** Helpers for end-to-end tests of local mode: a data folder, HTTP calls, the CLI in-process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { runCli } from '../../cli/jti';

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
