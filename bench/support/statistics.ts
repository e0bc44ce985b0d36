/**
 * Rows of the benchmark's table and the statistics behind them: timed comparisons cut into
 * rounds, medians, and ratios as medians of per-round ratios.
 */

export interface Row {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly baseline: number | null;
  readonly ratio: number | null;
  /** Largest acceptable ratio, where the project names one. */
  readonly target: number | null;
  /** Whether the ratio is within the target; null where there is no target or no ratio. */
  readonly met: boolean | null;
}

export function row(
  name: string,
  unit: string,
  value: number,
  baseline: number | null,
  target: number | null,
  ratio: number | null = baseline ? value / baseline : null,
): Row {
  const met = target === null || ratio === null ? null : ratio <= target;
  return { name, unit, value, baseline, ratio, target, met };
}

/**
 * A row from paired samples (`values[i]` and `baselines[i]` measured side by side): the
 * medians, and the median of the pairs' ratios, which is steadier on a shared machine than the
 * ratio of the medians because each pair ran under the same load.
 */
export function pairedRow(
  name: string,
  unit: string,
  values: readonly number[],
  baselines: readonly number[],
  target: number,
): Row {
  return row(
    name,
    unit,
    median(values),
    median(baselines),
    target,
    median(values.map((value, i) => value / (baselines[i] ?? NaN))),
  );
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

export interface CompareSettings {
  /** Time for each task over all rounds. */
  readonly timeMs: number;
  /** Rounds the time is cut into (after one warm-up round). */
  readonly rounds: number;
}

/**
 * Latency in microseconds of each task, one median per round. The tasks take turns: the run is cut into
 * rounds and each task gets a slice of every round (in a rotating order): drift on a shared
 * machine (another process, a slower minute) then hits every task alike instead of whichever
 * ran during it, and round `i` of two tasks is a pair for {@link pairedRow}. The first round
 * warms everything up (JIT, sockets, DynamoDB Local) and does not count.
 */
export async function compare(
  settings: CompareSettings,
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
