/**
 * The deployed end-to-end test's snapshot, checked offline as integ-runner checks it
 * (`snapshot.ts`): a change to the demo, the construct or the test that changes a template
 * fails here until the snapshot is written again (`npm run integ:snapshot -- --update`).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareAssemblies, SNAPSHOT_DIR, synthesize } from './snapshot';

/** One synth of the app (bundling three functions): seconds alone, more on a busy machine. */
const SYNTH_BUDGET_MS = 240_000;

let actual: string;
beforeAll(() => {
  actual = mkdtempSync(join(tmpdir(), 'integ-actual-'));
  synthesize(actual);
}, SYNTH_BUDGET_MS);
afterAll(() => rmSync(actual, { recursive: true, force: true }));

describe('the integration test snapshot', () => {
  it('matches the app as synthesized now', () => {
    expect(compareAssemblies(SNAPSHOT_DIR, actual)).toEqual([]);
  });

  it('would fail on a changed template, but not on changed asset hashes alone', () => {
    const copy = mkdtempSync(join(tmpdir(), 'integ-snapshot-copy-'));
    try {
      cpSync(SNAPSHOT_DIR, copy, { recursive: true });
      const file = join(copy, 'JwtRevocationInteg.template.json');
      const template = JSON.parse(readFileSync(file, 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
      const authorizer = Object.entries(template.Resources).find(
        ([, resource]) => resource.Type === 'AWS::ApiGateway::Authorizer',
      );
      authorizer![1].Properties.AuthorizerResultTtlInSeconds = 300;
      writeFileSync(file, JSON.stringify(template));

      expect(compareAssemblies(copy, actual)).toEqual([
        `JwtRevocationInteg: Resources.${authorizer![0]} differs`,
      ]);

      // The same snapshot with every asset hash of the stack changed: no difference.
      cpSync(SNAPSHOT_DIR, copy, { recursive: true });
      for (const name of ['JwtRevocationInteg.template.json', 'JwtRevocationInteg.assets.json']) {
        const text = readFileSync(join(copy, name), 'utf8').replace(/[0-9a-f]{64}/g, (hash) =>
          [...hash].reverse().join(''),
        );
        writeFileSync(join(copy, name), text);
      }
      expect(compareAssemblies(copy, actual)).toEqual([]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
