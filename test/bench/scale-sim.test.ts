/**
 * The internet-scale simulation in its quick form (what CI runs): the rows have the shape
 * `simulate -- --scale --json` promises, the bound holds, nothing is throttled at these sizes,
 * and the plot is drawn from the run's own series.
 */
import { simulateScale, type ScaleRun } from '../../bench/scale-sim';
import { plotScale } from '../../bench/support/scale-plot';

let run: ScaleRun;
beforeAll(async () => {
  run = await simulateScale(true, () => undefined);
}, 120_000);

describe('simulate --scale --quick', () => {
  it('prints the promised fields, the steady rows first and the wave last', () => {
    const fields = [
      'strategy',
      'containers',
      'requests',
      'storeReads',
      'readsPerRequest',
      'maxDelaySeconds',
      'allowsAfterBound',
      'throttledReads',
      'peakPartitionReadUnitsPerSecond',
    ];

    for (const row of run.rows) expect(Object.keys(row)).toEqual(expect.arrayContaining(fields));
    expect(run.rows.map((row) => row.containers)).toEqual([50, 400, 400]);
    expect(run.rows[2]?.strategy).toMatch(/wave of 400 log-outs/);
    expect(run.rows[2]?.logouts).toBe(400);
  });

  it('holds the bound, throttles nothing and fails closed on nothing', () => {
    for (const row of run.rows) {
      expect(row.allowsAfterBound).toBe(0);
      expect(row.maxDelaySeconds).toBeLessThanOrEqual(1);
      expect(row.throttledReads).toBe(0);
      expect(row.failedClosed).toBe(0);
      expect(row.peakPartitionReadUnitsPerSecond).toBeGreaterThan(0);
    }
  });

  it('draws every row, and the ceiling, as SVG polylines', () => {
    const svg = plotScale(run);

    expect(svg.startsWith('<svg')).toBe(true);
    // One curve per row in each panel, plus the ceiling.
    expect(svg.match(/<polyline/g)).toHaveLength(2 * run.series.length + 1);
    expect(svg).toContain('partition ceiling (3 000 RCU/s)');
  });
});
