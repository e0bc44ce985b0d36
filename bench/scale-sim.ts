/**
 * The simulation at internet scale (`npm run simulate -- --scale [--quick] [--json] [--plot F]`):
 * the project's strategy with DynamoDB's per-partition ceilings kept (`capacity.ts`), at 50,
 * 2 000 and 20 000 warm containers, and a wave of "log out everywhere" at 2 000 containers. Each
 * row runs the real handler per container on a virtual clock, as `propagation-sim.ts` does; the
 * fleet first comes up at the rate Lambda adds execution environments (`LAMBDA_SCALING`), then
 * the row's requests arrive over all of it.
 */
import {
  STRATEGIES,
  simulate,
  type SimulationOptions,
  type StrategyResult,
} from './propagation-sim';

/** One row of `--scale --json`. */
export interface ScaleRow {
  readonly strategy: string;
  readonly containers: number;
  readonly requests: number;
  readonly storeReads: number;
  readonly readsPerRequest: number;
  readonly maxDelaySeconds: number;
  readonly allowsAfterBound: number;
  readonly throttledReads: number;
  readonly peakPartitionReadUnitsPerSecond: number;
  readonly failedClosed: number;
  readonly logouts: number;
  readonly throttledWrites: number;
  readonly peakPartitionWriteUnitsPerSecond: number;
}

interface ScaleCase {
  readonly label: string;
  readonly options: Omit<SimulationOptions, 'onProgress' | 'strategies' | 'capacity'>;
}

/** Each warm container gets about this many requests a second. */
const PER_CONTAINER_RPS = 2;

function fleet(
  containers: number,
  seconds: number,
  base: { tokens: number; users: number; seed: number },
): ScaleCase['options'] {
  const requestsPerSecond = containers * PER_CONTAINER_RPS;
  return {
    // The fleet comes up as Lambda scales (1 000 every 10 s), a request every 4 s per container.
    ramp: { requestsPerSecond: 0.25 },
    requests: requestsPerSecond * seconds,
    containers,
    tokens: base.tokens,
    users: base.users,
    zipfExponent: 1,
    requestsPerSecond,
    revocationEverySeconds: 10,
    seed: base.seed,
  };
}

/** The rows of the full run: `steady` at three sizes, then the wave. */
export function scaleCases(quick: boolean): ScaleCase[] {
  if (quick) {
    const base = { tokens: 600, users: 500, seed: 7 };
    return [
      { label: 'steady', options: fleet(50, 10, base) },
      { label: 'steady', options: fleet(400, 10, base) },
      {
        label: 'wave',
        options: {
          ...fleet(400, 20, base),
          wave: { subjects: 400, startSeconds: 5, durationSeconds: 10 },
        },
      },
    ];
  }
  const base = { tokens: 12_000, users: 12_000, seed: 42 };
  return [
    // As the standard simulation: 50 containers, 1 000 requests a second.
    {
      label: 'steady',
      options: {
        ...fleet(50, 1000, base),
        requests: 1_000_000,
        requestsPerSecond: 1_000,
        tokens: 10_000,
        users: 2_000,
      },
    },
    { label: 'steady', options: fleet(2_000, 30, base) },
    { label: 'steady', options: fleet(20_000, 20, base) },
    {
      label: 'wave',
      options: {
        ...fleet(2_000, 90, base),
        wave: { subjects: 10_000, startSeconds: 15, durationSeconds: 60 },
      },
    },
  ];
}

export interface ScaleRun {
  readonly rows: ScaleRow[];
  /** Per row, the read units a second over time and the busiest partition's. */
  readonly series: { label: string; readUnits: readonly number[]; busiest: readonly number[] }[];
}

export async function simulateScale(
  quick: boolean,
  onProgress: (line: string) => void,
): Promise<ScaleRun> {
  const ours = STRATEGIES[0];
  if (!ours) throw new Error('no strategy');
  const rows: ScaleRow[] = [];
  const series: ScaleRun['series'] = [];
  for (const scaleCase of scaleCases(quick)) {
    const [result] = await simulate({
      ...scaleCase.options,
      strategies: [ours],
      capacity: true,
      onProgress,
    });
    if (!result) throw new Error('the simulation gave no result');
    const strategy =
      scaleCase.label === 'wave'
        ? `${result.strategy}; wave of ${result.logouts} log-outs in ${scaleCase.options.wave?.durationSeconds ?? 0} s`
        : result.strategy;
    rows.push(rowOf(strategy, result));
    series.push({
      label: `${result.containers} containers${scaleCase.label === 'wave' ? ', wave' : ''}`,
      readUnits: result.readUnitsBySecond,
      busiest: result.busiestReadUnitsBySecond,
    });
  }
  return { rows, series };
}

function rowOf(strategy: string, result: StrategyResult): ScaleRow {
  return {
    strategy,
    containers: result.containers,
    requests: result.requests,
    storeReads: result.storeReads,
    readsPerRequest: Number(result.readsPerRequest.toFixed(4)),
    maxDelaySeconds: result.maxDelayMs / 1000,
    allowsAfterBound: result.allowsAfterBound,
    throttledReads: result.throttledReads,
    peakPartitionReadUnitsPerSecond: result.peakPartitionReadUnitsPerSecond,
    failedClosed: result.failedClosed,
    logouts: result.logouts,
    throttledWrites: result.throttledWrites,
    peakPartitionWriteUnitsPerSecond: result.peakPartitionWriteUnitsPerSecond,
  };
}

export function formatScaleRows(rows: readonly ScaleRow[]): string {
  const lines = [
    '| strategy | containers | requests | reads | reads/request | largest delay | Allows after the bound | throttled reads | busiest partition, RCU/s | busiest partition, WCU/s | failed closed |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.strategy} | ${row.containers} | ${row.requests} | ${row.storeReads} | ${row.readsPerRequest.toFixed(4)} | ${row.maxDelaySeconds.toFixed(3)} s | ${row.allowsAfterBound} | ${row.throttledReads} | ${row.peakPartitionReadUnitsPerSecond} | ${row.peakPartitionWriteUnitsPerSecond} | ${row.failedClosed} |`,
    );
  }
  return lines.join('\n');
}
