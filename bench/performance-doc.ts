/**
 * `npm run docs:performance -- [FILE] [--doc PATH]`: rewrites the table in docs/performance.md
 * (or PATH) between `<!-- bench:begin -->` and `<!-- bench:end -->` from the output of a full
 * `npm run bench -- --json` in FILE (none or `-`: standard input), so the figures in the doc
 * are the tool's own and refreshing them is a command:
 *
 *     npm run -s bench -- --json | npm run -s docs:performance
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatAlignedTable, type BenchResult } from './support/output';
import type { Row } from './support/statistics';

export const BEGIN_MARKER = '<!-- bench:begin -->';
export const END_MARKER = '<!-- bench:end -->';

const DEFAULT_DOC = join(__dirname, '..', 'docs', 'performance.md');

/**
 * `doc` with everything between its marker lines replaced by the table of `rows` (a blank line
 * either side, as prettier keeps it). Throws unless each marker is on a line of its own exactly
 * once, the begin marker first.
 */
export function replaceBenchTable(doc: string, rows: readonly Row[]): string {
  const lines = doc.split('\n');
  const at = (marker: string): number => {
    const found = lines.flatMap((line, index) => (line.trim() === marker ? [index] : []));
    if (found.length !== 1) {
      throw new Error(
        `the document must have one line "${marker}" (it has ${found.length}): the table goes between ${BEGIN_MARKER} and ${END_MARKER}`,
      );
    }
    return found[0] as number;
  };
  const begin = at(BEGIN_MARKER);
  const end = at(END_MARKER);
  if (end < begin) throw new Error(`${END_MARKER} comes before ${BEGIN_MARKER}`);
  return [...lines.slice(0, begin + 1), '', formatAlignedTable(rows), '', ...lines.slice(end)].join(
    '\n',
  );
}

/**
 * The rows of a full run from `npm run bench -- --json`. Text before its line of JSON, such as
 * the banner of an `npm run` without `--silent`, is skipped. A quick or `--only` run is
 * refused: the doc quotes full runs of every scenario.
 */
export function parseBenchResult(text: string): Row[] {
  const result = jsonIn(text) as Partial<BenchResult>;
  if (!Array.isArray(result.rows) || result.rows.length === 0) {
    throw new Error('no rows: expected the output of `npm run bench -- --json`');
  }
  if (result.quick !== false) throw new Error('not a full run (--quick): the doc quotes full runs');
  if (typeof result.only === 'string') {
    throw new Error(`a run of "--only ${result.only}": the doc quotes every scenario`);
  }
  const numberOrNull = (value: unknown): boolean => value === null || typeof value === 'number';
  return result.rows.map((entry: unknown, index) => {
    const fields = entry as Record<string, unknown>;
    const valid =
      typeof fields.name === 'string' &&
      typeof fields.unit === 'string' &&
      typeof fields.value === 'number' &&
      numberOrNull(fields.baseline) &&
      numberOrNull(fields.ratio) &&
      numberOrNull(fields.target) &&
      (fields.met === null || typeof fields.met === 'boolean');
    if (!valid) {
      throw new Error(`row ${index + 1} is not a benchmark row: ${JSON.stringify(entry)}`);
    }
    return fields as unknown as Row;
  });
}

function jsonIn(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const line = text
      .split('\n')
      .filter((candidate) => candidate.startsWith('{'))
      .pop();
    if (line === undefined) {
      throw new Error('no JSON: expected the output of `npm run bench -- --json`');
    }
    return JSON.parse(line);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { doc: { type: 'string' } },
    allowPositionals: true,
  });
  const [input] = positionals;
  const rows = parseBenchResult(
    input === undefined || input === '-' ? await readStdin() : readFileSync(input, 'utf8'),
  );
  const docPath = values.doc ?? DEFAULT_DOC;
  writeFileSync(docPath, replaceBenchTable(readFileSync(docPath, 'utf8'), rows));
  process.stderr.write(`docs:performance: ${rows.length} rows written to ${docPath}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `docs:performance: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
