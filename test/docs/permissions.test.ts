/**
 * docs/permissions.md tells operators what to grant; these tests keep it equal to what the table
 * module declares (and so to what the construct grants and the CLI's tests run under).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActions, TABLE_OPERATIONS, type TableSide } from '../../lambda/revocations/table';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'permissions.md'), 'utf8');

describe('docs/permissions.md', () => {
  it("gives the operator's policy with exactly the operator's actions", () => {
    const json = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    const policy = JSON.parse(json ?? 'null') as {
      Statement: { Effect: string; Action: string[] }[];
    };

    expect(policy.Statement).toHaveLength(1);
    expect(policy.Statement[0]?.Effect).toBe('Allow');
    expect([...(policy.Statement[0]?.Action ?? [])].sort()).toEqual(iamActions('operator').sort());
  });

  it.each(Object.keys(TABLE_OPERATIONS) as TableSide[])(
    'lists exactly the %s side’s actions in its table',
    (side) => {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${side}\``)) ?? '';
      const listed = [...row.matchAll(/`(dynamodb:[A-Za-z]+)`/g)].map((match) => match[1]);

      expect(listed.sort()).toEqual(iamActions(side).sort());
    },
  );
});
