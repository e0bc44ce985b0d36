/**
 * Draws the internet-scale simulation as an SVG, with no dependency: on the left, the read
 * units served each second over time for every row (the wave against the steady state); on the
 * right, the busiest partition's read units each second against DynamoDB's 3 000 ceiling.
 */
import { PARTITION_READ_UNITS } from '../../lambda/revocations/table';
import type { ScaleRun } from '../scale-sim';

const WIDTH = 960;
const HEIGHT = 410;
const PANEL = { width: 400, height: 250, top: 50 };
const LEFTS = [70, 550];
const COLOURS = ['#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#ff7f0e', '#8c564b'];

interface Curve {
  readonly label: string;
  readonly values: readonly number[];
  readonly colour: string;
  readonly dashed?: boolean;
}

/** Runs longer than this (the 50-container row runs 1 000 s) would squeeze the others flat. */
const LONGEST_SECONDS = 400;

export function plotScale(run: ScaleRun): string {
  const shown = run.series.filter((series) => series.readUnits.length <= LONGEST_SECONDS);
  const left = shown.map((series, index) => ({
    label: series.label,
    values: series.readUnits,
    colour: COLOURS[index % COLOURS.length] ?? '#000',
  }));
  const right: Curve[] = [
    ...shown.map((series, index) => ({
      label: series.label,
      values: series.busiest,
      colour: COLOURS[index % COLOURS.length] ?? '#000',
    })),
    {
      label: 'partition ceiling (3 000 RCU/s)',
      values: [PARTITION_READ_UNITS],
      colour: '#000',
      dashed: true,
    },
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    panel(LEFTS[0] ?? 0, 'Read units served a second (all partitions)', left),
    panel(LEFTS[1] ?? 0, "Busiest partition's read units a second", right),
    '</svg>',
    '',
  ].join('\n');
}

function panel(x: number, title: string, curves: readonly Curve[]): string {
  const seconds = Math.max(2, ...curves.map((curve) => curve.values.length));
  const top = Math.max(1, ...curves.flatMap((curve) => curve.values));
  const scaleY = niceCeiling(top * 1.1);
  const px = (second: number) => x + (second / (seconds - 1)) * PANEL.width;
  const py = (value: number) => PANEL.top + PANEL.height - (value / scaleY) * PANEL.height;
  const parts = [
    `<text x="${x}" y="${PANEL.top - 20}" font-size="13" font-weight="bold">${escape(title)}</text>`,
    `<rect x="${x}" y="${PANEL.top}" width="${PANEL.width}" height="${PANEL.height}" fill="none" stroke="#999"/>`,
  ];
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (scaleY * tick) / 4;
    parts.push(
      `<text x="${x - 6}" y="${py(value) + 4}" text-anchor="end">${Math.round(value)}</text>`,
      `<line x1="${x}" x2="${x + PANEL.width}" y1="${py(value)}" y2="${py(value)}" stroke="#eee"/>`,
    );
  }
  parts.push(
    `<text x="${x + PANEL.width / 2}" y="${PANEL.top + PANEL.height + 16}" text-anchor="middle">seconds (virtual)</text>`,
  );
  curves.forEach((curve, index) => {
    const points =
      curve.values.length === 1
        ? `${px(0)},${py(curve.values[0] ?? 0)} ${px(seconds - 1)},${py(curve.values[0] ?? 0)}`
        : curve.values.map((value, second) => `${px(second)},${py(value)}`).join(' ');
    parts.push(
      `<polyline fill="none" stroke="${curve.colour}" stroke-width="1.5"${curve.dashed ? ' stroke-dasharray="6 4"' : ''} points="${points}"/>`,
      `<text x="${x + 8}" y="${PANEL.top + PANEL.height + 34 + index * 13}" fill="${curve.colour}">${escape(curve.label)}</text>`,
    );
  });
  return parts.join('\n');
}

/** 1, 2 or 5 times a power of ten, at least `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
