/**
 * `npm run soak [-- --quick] [-- --json]`: the local server of `npm start` under concurrent load
 * from autocannon, on loopback, for a bounded time: valid, revoked and malformed tokens mixed,
 * more tokens revoked a third of the way through. Every answer is checked against what it must be, so the
 * run counts wrong decisions (there must be none), next to requests served, errors, latency and
 * memory before and after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { writeTokenRevocation } from '../lambda/revocations/table';
import { loadOrCreateDevKey, mintToken } from '../local/dev-issuer';
import { startLocalServer } from '../local/server';

export interface SoakResult {
  readonly seconds: number;
  readonly connections: number;
  readonly requests: number;
  readonly errors: number;
  readonly wrongDecisions: number;
  readonly byStatus: Record<string, number>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requestsPerSecond: number;
  readonly revokedMidRun: number;
  readonly heapBeforeMb: number;
  readonly heapAfterMb: number;
}

type Kind = 'valid' | 'revoked' | 'revoked-mid-run' | 'malformed';

interface Entry {
  readonly token: string;
  readonly kind: Kind;
  readonly jti?: string;
  readonly exp?: number;
}

/** What autocannon's per-request context carries from the request to its answer. */
interface SentRequest {
  kind: Kind;
  sentAt: number;
}

/** A revocation must show within the window (1 s) plus a margin for a loaded machine. */
const WINDOW_MS = 1000 + 1500;

export async function soak(options: { seconds: number; connections: number }): Promise<SoakResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'soak-'));
  const server = await startLocalServer({
    env: {
      PATH: process.env.PATH,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    dataDir,
    inMemory: true,
    port: 0,
  });
  try {
    const key = loadOrCreateDevKey(dataDir);
    const mint = (): { token: string; jti: string; exp: number } => {
      const token = mintToken(key, {
        issuer: server.state.issuer,
        sub: `user-${Math.floor(Math.random() * 50)}`,
        ttlSeconds: 3600,
      });
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
        jti: string;
        exp: number;
      };
      return { token, ...claims };
    };
    const revoke = (entry: { jti: string; exp: number }) =>
      writeTokenRevocation(server.dynamoDbClient, server.state.tableName, {
        iss: server.state.issuer,
        jti: entry.jti,
        exp: entry.exp,
      });
    const population: Entry[] = [];
    for (let i = 0; i < 300; i += 1) population.push({ ...mint(), kind: 'valid' });
    for (let i = 0; i < 30; i += 1) {
      const entry = mint();
      await revoke(entry);
      population.push({ ...entry, kind: 'revoked' });
    }
    const midRun = Array.from({ length: 30 }, () => ({
      ...mint(),
      kind: 'revoked-mid-run' as const,
    }));
    population.push(...midRun);
    for (let i = 0; i < 20; i += 1) population.push({ token: `not.a.${i}jwt`, kind: 'malformed' });
    for (let i = 0; i < 20; i += 1) population.push({ token: 'A'.repeat(40), kind: 'malformed' });

    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let revokedAt = Infinity;
    let wrong = 0;
    const byStatus: Record<string, number> = {};
    // Settles once the mid-run revocations are written (or failed), awaited before the server
    // closes: on a loaded machine they may outlast the run.
    const midRunWritten = new Promise<void>((resolve, reject) => {
      setTimeout(
        () => {
          Promise.all(midRun.map(revoke)).then(() => {
            revokedAt = Date.now();
            resolve();
          }, reject);
        },
        // A third of the way in: 30 writes, one after another through one client, leave the
        // rest of the run to check that the revoked tokens are refused.
        (options.seconds * 1000) / 3,
      );
    });

    const expected = (kind: Kind, sentAt: number): number[] => {
      switch (kind) {
        case 'valid':
          return [200];
        case 'revoked':
          return [403];
        case 'malformed':
          return [401];
        case 'revoked-mid-run':
          // Until the revocation is written, and within the window after, either answer is
          // right; after the window only 403 is.
          return sentAt > revokedAt + WINDOW_MS ? [403] : [200, 403];
      }
    };

    const result = await autocannon({
      url: server.url,
      connections: options.connections,
      duration: options.seconds,
      requests: [
        {
          method: 'GET',
          path: '/hello',
          setupRequest: (request, context) => {
            const entry =
              population[Math.floor(Math.random() * population.length)] ?? population[0];
            const sent = context as SentRequest;
            sent.kind = entry?.kind ?? 'malformed';
            sent.sentAt = Date.now();
            return { ...request, headers: { authorization: `Bearer ${entry?.token ?? ''}` } };
          },
          onResponse: (status, _body, context) => {
            const sent = context as SentRequest;
            byStatus[status] = (byStatus[status] ?? 0) + 1;
            if (!expected(sent.kind, sent.sentAt).includes(status)) wrong += 1;
          },
        },
      ],
    });
    await midRunWritten;
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    const served = Object.values(byStatus).reduce((sum, count) => sum + count, 0);
    return {
      seconds: options.seconds,
      connections: options.connections,
      requests: served,
      errors: result.errors + result.timeouts + (byStatus['500'] ?? 0),
      wrongDecisions: wrong,
      byStatus,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      requestsPerSecond: result.requests.average,
      revokedMidRun: midRun.length,
      heapBeforeMb: heapBefore / 1024 / 1024,
      heapAfterMb: heapAfter / 1024 / 1024,
    };
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function formatSoak(result: SoakResult): string {
  return [
    `| soak: ${result.seconds} s, ${result.connections} connections, local server | value |`,
    '| --- | --- |',
    `| requests served | ${result.requests} (${result.requestsPerSecond.toFixed(0)}/s) |`,
    `| answers | ${Object.entries(result.byStatus)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ')} |`,
    `| errors (connection errors, time-outs, 500s) | ${result.errors} |`,
    `| wrong decisions | ${result.wrongDecisions} |`,
    `| latency p50 / p99 | ${result.p50Ms} ms / ${result.p99Ms} ms |`,
    `| tokens revoked mid-run | ${result.revokedMidRun} |`,
    `| heap before / after | ${result.heapBeforeMb.toFixed(1)} MB / ${result.heapAfterMb.toFixed(1)} MB |`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const result = await soak(
    values.quick ? { seconds: 6, connections: 10 } : { seconds: 30, connections: 32 },
  );
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${formatSoak(result)}\n`);
  if (result.wrongDecisions > 0 || result.errors > 0) process.exitCode = 1;
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main().catch((error: unknown) => {
    process.stderr.write(`soak: ${String(error)}\n`);
    process.exit(1);
  });
}
