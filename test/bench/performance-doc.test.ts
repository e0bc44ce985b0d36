/**
 * The generator of docs/performance.md's table: it replaces exactly the block between the
 * markers with the rows of a full `npm run bench -- --json` run, laid out as prettier lays
 * out Markdown, and refuses what it cannot place or should not quote.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BEGIN_MARKER,
  END_MARKER,
  parseBenchResult,
  replaceBenchTable,
} from '../../bench/performance-doc';
import type { BenchResult } from '../../bench/support/output';

const SAMPLE: BenchResult = {
  quick: false,
  only: null,
  rows: [
    {
      name: 'warm hit, RS256: handler vs bare verify()',
      unit: 'us/call',
      value: 3.256,
      baseline: 35.41,
      ratio: 0.0921,
      target: 1.1,
      met: true,
    },
    {
      name: 'cold start: bundle size vs DynamoDB-client-only bundle',
      unit: 'KiB',
      value: 411.2,
      baseline: 323.4,
      ratio: 1.2715,
      target: 1.15,
      met: false,
    },
    {
      name: 'concurrency: p99 latency',
      unit: 'ms',
      value: 54.02,
      baseline: null,
      ratio: null,
      target: null,
      met: null,
    },
  ],
};

const DOC = [
  '# Performance',
  '',
  'Prose before the table.',
  '',
  BEGIN_MARKER,
  '',
  '| figure | value |',
  '| --- | --- |',
  '| an old row | 1 ms |',
  '',
  END_MARKER,
  '',
  'Prose after the table.',
  '',
].join('\n');

describe('performance doc generator', () => {
  it('replaces the block between the markers with the run rows and nothing else', () => {
    const rows = parseBenchResult(JSON.stringify(SAMPLE));

    const updated = replaceBenchTable(DOC, rows);

    const lines = updated.split('\n');
    const begin = lines.indexOf(BEGIN_MARKER);
    const end = lines.indexOf(END_MARKER);
    expect(lines.slice(0, begin)).toEqual(['# Performance', '', 'Prose before the table.', '']);
    expect(lines.slice(end)).toEqual([END_MARKER, '', 'Prose after the table.', '']);
    expect(lines.slice(begin + 1, end)).toEqual([
      '',
      '| figure                                                 | value        | baseline     | ratio | target           |',
      '| ------------------------------------------------------ | ------------ | ------------ | ----- | ---------------- |',
      '| warm hit, RS256: handler vs bare verify()              | 3.26 us/call | 35.4 us/call | 0.09  | <= 1.1 (met)     |',
      '| cold start: bundle size vs DynamoDB-client-only bundle | 411 KiB      | 323 KiB      | 1.27  | <= 1.15 (missed) |',
      '| concurrency: p99 latency                               | 54.0 ms      | -            | -     | -                |',
      '',
    ]);
    expect(updated).not.toContain('an old row');
  });

  it('lays the table out as prettier does, so the doc stays formatted', () => {
    const updated = replaceBenchTable(DOC, parseBenchResult(JSON.stringify(SAMPLE)));

    // prettier's API is an ES module that jest cannot load here: its command line instead.
    const formatted = spawnSync(
      process.execPath,
      [require.resolve('prettier/bin/prettier.cjs'), '--stdin-filepath', 'performance.md'],
      { input: updated, encoding: 'utf8' },
    );
    expect(formatted.status).toBe(0);
    expect(formatted.stdout).toBe(updated);
  });

  it('reads the JSON line under the banner of an npm run without --silent', () => {
    const output = `\n> jwt-revocation-authorizer@0.1.0 bench\n> tsx bench/run.ts --json\n\n${JSON.stringify(SAMPLE)}\n`;

    expect(parseBenchResult(output)).toEqual(SAMPLE.rows);
  });

  it('gives the same result when run again on its own output', () => {
    const rows = parseBenchResult(JSON.stringify(SAMPLE));
    const once = replaceBenchTable(DOC, rows);

    expect(replaceBenchTable(once, rows)).toBe(once);
  });

  it.each([
    ['no markers', '# Performance\n\nNo table here.\n'],
    ['only the begin marker', `# Performance\n\n${BEGIN_MARKER}\n\n| a |\n`],
    ['the markers in the wrong order', `${END_MARKER}\n\n${BEGIN_MARKER}\n`],
    ['a marker twice', `${BEGIN_MARKER}\n${END_MARKER}\n${BEGIN_MARKER}\n${END_MARKER}\n`],
  ])('refuses a doc with %s', (_case, doc) => {
    expect(() => replaceBenchTable(doc, SAMPLE.rows)).toThrow(/bench:(begin|end)/);
  });

  it('refuses a quick run, an --only run and rows that are not benchmark rows', () => {
    expect(() => parseBenchResult(JSON.stringify({ ...SAMPLE, quick: true }))).toThrow(/quick/);
    expect(() => parseBenchResult(JSON.stringify({ ...SAMPLE, only: 'miss' }))).toThrow(/only/);
    expect(() =>
      parseBenchResult(JSON.stringify({ ...SAMPLE, rows: [{ name: 'no figures' }] })),
    ).toThrow(/row 1/);
    expect(() => parseBenchResult(JSON.stringify({ quick: false, only: null, rows: [] }))).toThrow(
      /no rows/,
    );
    expect(() => parseBenchResult('| figure | value |\n')).toThrow(/no JSON/);
  });

  it('finds the markers in docs/performance.md', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'performance.md'), 'utf8');

    expect(() => replaceBenchTable(doc, SAMPLE.rows)).not.toThrow();
  });
});
