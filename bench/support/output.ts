/**
 * The benchmark's output: the table it prints, the same table laid out as prettier lays out
 * Markdown (for docs/performance.md), and the machine-readable form `--json` prints.
 */
import type { Row } from './statistics';

/** What `npm run bench -- --json` prints. */
export interface BenchResult {
  /** Whether this was the short form (`--quick`), not the one the docs quote. */
  readonly quick: boolean;
  /** The `--only` filter, if the run left scenarios out. */
  readonly only: string | null;
  readonly rows: readonly Row[];
}

const HEADER = ['figure', 'value', 'baseline', 'ratio', 'target'] as const;

function number(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** The table's cells, a row of five for each row of results (no header). */
export function tableCells(rows: readonly Row[]): string[][] {
  return rows.map((entry) => {
    const met = entry.met === null ? '' : entry.met ? ' (met)' : ' (missed)';
    return [
      entry.name,
      `${number(entry.value)} ${entry.unit}`,
      entry.baseline === null ? '-' : `${number(entry.baseline)} ${entry.unit}`,
      entry.ratio === null ? '-' : entry.ratio.toFixed(2),
      entry.target === null ? '-' : `<= ${entry.target}${met}`,
    ];
  });
}

/** The table as `npm run bench` prints it. */
export function formatTable(rows: readonly Row[]): string {
  const lines = [`| ${HEADER.join(' | ')} |`, '| --- | --- | --- | --- | --- |'];
  for (const cells of tableCells(rows)) lines.push(`| ${cells.join(' | ')} |`);
  return lines.join('\n');
}

/**
 * The same table with its columns padded to one width, as prettier formats Markdown tables,
 * so that a generated document passes `prettier --check` unchanged.
 */
export function formatAlignedTable(rows: readonly Row[]): string {
  const body = tableCells(rows);
  const widths = HEADER.map((title, column) =>
    Math.max(3, title.length, ...body.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((width, column) => (cells[column] ?? '').padEnd(width)).join(' | ')} |`;
  return [line(HEADER), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join(
    '\n',
  );
}
