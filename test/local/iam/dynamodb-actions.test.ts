import {
  operationFromTarget,
  requiredPermissions,
  TABLE_ACTIONS,
  UnmappableRequestError,
} from '../../../local/iam/dynamodb-actions';
import { IamSimulateEvaluator } from '../../../local/iam/policy-evaluator';

const CONTEXT = { region: 'eu-west-1', account: '111122223333' };
/** What `action` throws; `undefined` when it returns. */
function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

const arn = (table: string): string => `arn:aws:dynamodb:eu-west-1:111122223333:table/${table}`;

describe('operationFromTarget', () => {
  it.each([
    ['DynamoDB_20120810.GetItem', 'GetItem'],
    ['DynamoDB_20120810.TransactWriteItems', 'TransactWriteItems'],
    ['DynamoDBStreams_20120810.GetRecords', undefined],
    ['DynamoDB_20120810.', undefined],
    ['DynamoDB_20120810.Get/Item', undefined],
    [undefined, undefined],
  ])('reads %s as %s', (target, operation) => {
    expect(operationFromTarget(target)).toBe(operation);
  });
});

describe('requiredPermissions', () => {
  it.each(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'DescribeTable', 'CreateTable'])(
    'checks %s as the action of the same name on the table',
    (operation) => {
      expect(requiredPermissions(operation, { TableName: 'Books' }, CONTEXT)).toEqual([
        { action: `dynamodb:${operation}`, resource: arn('Books') },
      ]);
    },
  );

  it('checks a Query on an index against the index ARN, and without one against the table', () => {
    expect(
      requiredPermissions('Query', { TableName: 'Books', IndexName: 'byAuthor' }, CONTEXT),
    ).toEqual([{ action: 'dynamodb:Query', resource: `${arn('Books')}/index/byAuthor` }]);
    expect(requiredPermissions('Scan', { TableName: 'Books' }, CONTEXT)).toEqual([
      { action: 'dynamodb:Scan', resource: arn('Books') },
    ]);
  });

  it('takes a table ARN given as TableName as it is', () => {
    const other = 'arn:aws:dynamodb:eu-west-1:444455556666:table/Shared';

    expect(requiredPermissions('GetItem', { TableName: other }, CONTEXT)).toEqual([
      { action: 'dynamodb:GetItem', resource: other },
    ]);
  });

  it('checks BatchGetItem and BatchWriteItem as their own action on every table', () => {
    const body = { RequestItems: { Books: { Keys: [] }, Authors: { Keys: [] } } };

    expect(requiredPermissions('BatchGetItem', body, CONTEXT)).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: arn('Books') },
      { action: 'dynamodb:BatchGetItem', resource: arn('Authors') },
    ]);
    expect(requiredPermissions('BatchWriteItem', body, CONTEXT)).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: arn('Books') },
      { action: 'dynamodb:BatchWriteItem', resource: arn('Authors') },
    ]);
  });

  it('checks each TransactWriteItems element as its underlying action, once per table', () => {
    const body = {
      TransactItems: [
        { Put: { TableName: 'Books', Item: {} } },
        { Update: { TableName: 'Books', Key: {} } },
        { Delete: { TableName: 'Authors', Key: {} } },
        { ConditionCheck: { TableName: 'Authors', Key: {} } },
        { Put: { TableName: 'Books', Item: {} } },
      ],
    };

    expect(requiredPermissions('TransactWriteItems', body, CONTEXT)).toEqual([
      { action: 'dynamodb:PutItem', resource: arn('Books') },
      { action: 'dynamodb:UpdateItem', resource: arn('Books') },
      { action: 'dynamodb:DeleteItem', resource: arn('Authors') },
      { action: 'dynamodb:ConditionCheckItem', resource: arn('Authors') },
    ]);
  });

  it('checks TransactGetItems as GetItem on each table', () => {
    const body = {
      TransactItems: [
        { Get: { TableName: 'Books', Key: {} } },
        { Get: { TableName: 'Authors', Key: {} } },
      ],
    };

    expect(requiredPermissions('TransactGetItems', body, CONTEXT)).toEqual([
      { action: 'dynamodb:GetItem', resource: arn('Books') },
      { action: 'dynamodb:GetItem', resource: arn('Authors') },
    ]);
  });

  it('checks ListTables on *, and tagging on the ARN it names', () => {
    expect(requiredPermissions('ListTables', {}, CONTEXT)).toEqual([
      { action: 'dynamodb:ListTables', resource: '*' },
    ]);
    expect(requiredPermissions('TagResource', { ResourceArn: arn('Books') }, CONTEXT)).toEqual([
      { action: 'dynamodb:TagResource', resource: arn('Books') },
    ]);
  });

  it('uses the partition it is given', () => {
    expect(
      requiredPermissions('GetItem', { TableName: 'Books' }, { ...CONTEXT, partition: 'aws-cn' }),
    ).toEqual([
      {
        action: 'dynamodb:GetItem',
        resource: 'arn:aws-cn:dynamodb:eu-west-1:111122223333:table/Books',
      },
    ]);
  });

  it.each([
    ['GetItem', {}],
    ['GetItem', { TableName: 7 }],
    ['GetItem', []],
    ['BatchGetItem', { RequestItems: 'Books' }],
    ['TransactWriteItems', { TransactItems: [] }],
    ['TransactWriteItems', { TransactItems: [{ Put: { TableName: 'B' }, Delete: {} }] }],
    ['TransactWriteItems', { TransactItems: [{ Get: { TableName: 'B' } }] }],
    ['TransactGetItems', { TransactItems: [{ Put: { TableName: 'B' } }] }],
    ['TagResource', { ResourceArn: 'Books' }],
  ])('refuses %s with an incomplete body %j', (operation, body) => {
    expect(thrown(() => requiredPermissions(operation, body, CONTEXT))).toMatchObject({
      name: 'UnmappableRequestError',
      code: 'invalid',
    });
  });

  it.each(['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction', 'Frobnicate'])(
    'refuses %s as unsupported rather than guess its actions',
    (operation) => {
      const error = thrown(() => requiredPermissions(operation, { Statement: 'x' }, CONTEXT));

      expect(error).toBeInstanceOf(UnmappableRequestError);
      expect(error).toMatchObject({ code: 'unsupported' });
    },
  );
});

describe('TABLE_ACTIONS', () => {
  it('holds only actions that IAM knows on a table ARN', async () => {
    const evaluator = new IamSimulateEvaluator();
    const allowAll = {
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: '*', Resource: '*' },
    } as const;

    const decisions = await Promise.all(
      TABLE_ACTIONS.map((action) =>
        evaluator.evaluate({
          principalArn: 'arn:aws:sts::111122223333:assumed-role/Role/session',
          account: '111122223333',
          action,
          resource: arn('Books'),
          policies: [allowAll],
        }),
      ),
    );

    expect(decisions.every((decision) => decision === 'Allowed')).toBe(true);
    expect(TABLE_ACTIONS).toEqual(expect.arrayContaining(['dynamodb:ConditionCheckItem']));
  });
});
