/**
 * The IAM-enforcing DynamoDB endpoint on real sockets: DynamoDB Local behind `IamDynamoDb`,
 * called with the AWS SDK. Denials are checked as the SDK reports them and at the upstream, which must never see a denied request.
 */
import {
  BatchGetItemCommand,
  DynamoDBClient,
  ExecuteStatementCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  IamDynamoDb,
  UPSTREAM_ACCESS_KEY_ID,
  type LocalCredentials,
} from '../../local/iam/iam-dynamodb';
import { TABLE_ACTIONS } from '../../local/iam/dynamodb-actions';
import { IamSimulateEvaluator, type PolicyDocument } from '../../local/iam/policy-evaluator';
import { synthesizeRolePolicies } from '../../local/iam/role-policies';
import { createRevocationTable, LocalDynamoDb, putItem } from '../helpers/dynamodb';

const ACCOUNT = '123456789012';
const tableArn = (name: string): string => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${name}`;

function policy(...statements: PolicyDocument['Statement'][]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements.flat() };
}

function allow(actions: string[], ...tables: string[]): PolicyDocument {
  return policy({ Effect: 'Allow', Action: actions, Resource: tables.map(tableArn) });
}

type SdkError = Error & { $metadata?: { httpStatusCode?: number } };

/** The error `promise` rejects with; fails the test when it resolves. */
async function failure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the request to be refused');
}

let dynamodb: LocalDynamoDb;
let iam: IamDynamoDb;
let admin: DynamoDBClient;
let table: string;
let otherTable: string;
const clients: DynamoDBClient[] = [];

function clientFor(credentials: LocalCredentials): DynamoDBClient {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: iam.endpoint,
    credentials,
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

/** A client signed as a new principal holding `policies`. */
function principal(name: string, ...policies: PolicyDocument[]): DynamoDBClient {
  return clientFor(iam.addPrincipal(name, policies));
}

const getItem = (key: string, tableName = table) =>
  new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true });
const putCommand = (key: string) =>
  new PutItemCommand({ TableName: table, Item: { pk: { S: key }, v: { S: 'written' } } });

beforeAll(async () => {
  dynamodb = await LocalDynamoDb.start();
  iam = await IamDynamoDb.start({ upstream: dynamodb.endpoint, account: ACCOUNT });
  admin = clientFor(iam.addAdmin());
  table = await createRevocationTable(admin);
  otherTable = await createRevocationTable(admin);
  await putItem(admin, table, 'present', { v: { S: 'stored' } });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await iam.stop();
  await dynamodb.stop();
});

describe('IamDynamoDb', () => {
  it('forwards an allowed GetItem and returns the item', async () => {
    const reader = principal('Reader', allow(['dynamodb:GetItem'], table));
    const before = dynamodb.count('GetItem');

    const { Item } = await reader.send(getItem('present'));

    expect(Item).toEqual({ pk: { S: 'present' }, v: { S: 'stored' } });
    expect(dynamodb.count('GetItem')).toBe(before + 1);
  });

  it('refuses an action not granted with AccessDeniedException, and the upstream never sees it', async () => {
    const reader = principal('ReadOnly', allow(['dynamodb:GetItem'], table));
    const before = dynamodb.count('PutItem');

    const error = await failure(reader.send(putCommand('refused')));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/ReadOnly/session is not authorized to perform: ` +
        `dynamodb:PutItem on resource: ${tableArn(table)} because no identity-based policy ` +
        'allows the dynamodb:PutItem action',
    );
    expect(dynamodb.count('PutItem')).toBe(before);
    expect(iam.denied).toContainEqual({
      principal: 'ReadOnly',
      action: 'dynamodb:PutItem',
      resource: tableArn(table),
      explicit: false,
    });
  });

  it("answers a denial with DynamoDB's status, headers and body", async () => {
    const { accessKeyId } = iam.addPrincipal('Nobody', []);

    const response = await fetch(iam.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.DescribeTable',
        authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00`,
      },
      body: JSON.stringify({ TableName: table }),
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await response.json()).toEqual({
      __type: 'com.amazon.coral.service#AccessDeniedException',
      Message:
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/Nobody/session is not authorized to perform: ` +
        `dynamodb:DescribeTable on resource: ${tableArn(table)} because no identity-based ` +
        'policy allows the dynamodb:DescribeTable action',
    });
  });

  it("does not let a grant on another table's ARN allow this table", async () => {
    const client = principal('OtherTableReader', allow(['dynamodb:GetItem'], otherTable));

    const error = await failure(client.send(getItem('present')));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain(`on resource: ${tableArn(table)} `);
    await expect(client.send(getItem('present', otherTable))).resolves.toBeDefined();
  });

  it('lets an explicit Deny win over an Allow', async () => {
    const client = principal(
      'DeniedReader',
      policy({ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }),
      policy({ Effect: 'Deny', Action: 'dynamodb:GetItem', Resource: tableArn(table) }),
    );
    const before = dynamodb.count('GetItem');

    const error = await failure(client.send(getItem('present')));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/DeniedReader/session is not authorized to ` +
        `perform: dynamodb:GetItem on resource: ${tableArn(table)} with an explicit deny in an ` +
        'identity-based policy',
    );
    expect(dynamodb.count('GetItem')).toBe(before);
  });

  it('needs dynamodb:BatchGetItem for BatchGetItem: dynamodb:GetItem is not enough', async () => {
    const batch = new BatchGetItemCommand({
      RequestItems: { [table]: { Keys: [{ pk: { S: 'present' } }], ConsistentRead: true } },
    });
    const getOnly = principal('GetOnly', allow(['dynamodb:GetItem'], table));
    const batchReader = principal('BatchReader', allow(['dynamodb:BatchGetItem'], table));
    const before = dynamodb.count('BatchGetItem');

    const error = await failure(getOnly.send(batch));
    const { Responses } = await batchReader.send(batch);

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain('perform: dynamodb:BatchGetItem on resource');
    expect(Responses?.[table]).toEqual([{ pk: { S: 'present' }, v: { S: 'stored' } }]);
    expect(dynamodb.count('BatchGetItem')).toBe(before + 1);
  });

  it('needs PutItem and UpdateItem for a TransactWriteItems with a Put and an Update', async () => {
    const transaction = new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: table, Item: { pk: { S: 'tx-put' } } } },
        {
          Update: {
            TableName: table,
            Key: { pk: { S: 'tx-update' } },
            UpdateExpression: 'SET v = :v',
            ExpressionAttributeValues: { ':v': { S: 'updated' } },
          },
        },
      ],
    });
    const putOnly = principal('PutOnly', allow(['dynamodb:PutItem'], table));
    const writer = principal('Writer', allow(['dynamodb:PutItem', 'dynamodb:UpdateItem'], table));
    const before = dynamodb.count('TransactWriteItems');

    const error = await failure(putOnly.send(transaction));
    const beforeAllowed = dynamodb.count('TransactWriteItems');
    const outcome = await writer.send(transaction).then(
      () => 'written',
      (upstreamError: Error) => upstreamError.name,
    );

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain('perform: dynamodb:UpdateItem on resource');
    expect(beforeAllowed).toBe(before);
    expect(dynamodb.count('TransactWriteItems')).toBe(before + 1);
    expect(outcome).toBe('written');
  });

  it('refuses unknown credentials with UnrecognizedClientException', async () => {
    const stranger = clientFor({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'secret' });
    const before = dynamodb.operations.length;

    const error = await failure(stranger.send(getItem('present')));

    expect(error.name).toBe('UnrecognizedClientException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toBe('The security token included in the request is invalid.');
    expect(dynamodb.operations.length).toBe(before);
  });

  it('refuses, without forwarding, an operation whose permissions it cannot work out', async () => {
    const client = principal('PartiQL', policy({ Effect: 'Allow', Action: '*', Resource: '*' }));
    const before = dynamodb.operations.length;

    const error = await failure(
      client.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}"` })),
    );

    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('ExecuteStatement');
    expect(dynamodb.operations.length).toBe(before);
  });

  it('refuses a policy that is not valid IAM when the principal is added', () => {
    const invalid = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*' } };

    expect(() => iam.addPrincipal('Invalid', [invalid as unknown as PolicyDocument])).toThrow(
      /invalid policy for Invalid/,
    );
  });
});

describe("the construct's synthesized roles", () => {
  const evaluator = new IamSimulateEvaluator();

  /** The table actions `policies` allow on `arn`, asked of the IAM engine one by one. */
  async function allowedActions(policies: PolicyDocument[], arn: string): Promise<string[]> {
    const allowed: string[] = [];
    for (const action of TABLE_ACTIONS) {
      const decision = await evaluator.evaluate({
        principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/Role/session`,
        account: ACCOUNT,
        action,
        resource: arn,
        policies,
      });
      if (decision === 'Allowed') allowed.push(action);
    }
    return allowed.sort();
  }

  let roles: ReturnType<typeof synthesizeRolePolicies>;
  beforeAll(() => {
    roles = synthesizeRolePolicies({ tableName: table, account: ACCOUNT });
  });

  it('lets the authorizer role GetItem and BatchGetItem on the table but not PutItem', async () => {
    const authorizer = principal('AuthorizerRole', ...roles.authorizer);
    const batch = new BatchGetItemCommand({
      RequestItems: { [table]: { Keys: [{ pk: { S: 'present' } }] } },
    });

    const { Item } = await authorizer.send(getItem('present'));
    const { Responses } = await authorizer.send(batch);
    const error = await failure(authorizer.send(putCommand('by-authorizer')));

    expect(Item?.v).toEqual({ S: 'stored' });
    expect(Responses?.[table]).toHaveLength(1);
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain('perform: dynamodb:PutItem on resource');
  });

  it('grants the authorizer role exactly GetItem and BatchGetItem, on its table only', async () => {
    expect(await allowedActions(roles.authorizer, tableArn(table))).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
    ]);
    expect(await allowedActions(roles.authorizer, tableArn(otherTable))).toEqual([]);
  });

  // A snapshot of what the template grants today (the endpoint reads the generation record
  // before it bumps it): update it with the construct's grants.
  it('grants the endpoint role exactly what its template says, on its table only', async () => {
    expect(await allowedActions(roles.endpoint, tableArn(table))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(await allowedActions(roles.endpoint, tableArn(otherTable))).toEqual([]);
  });
});

describe('what the upstream sees', () => {
  it('one access key id whoever called, so DynamoDB Local without -sharedDb has one database', async () => {
    const seen: string[] = [];
    const upstream = createServer((request, response) => {
      seen.push(request.headers.authorization ?? '');
      request.resume();
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const proxy = await IamDynamoDb.start({
      upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
    const caller = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      credentials: proxy.addPrincipal('reader', [allow(['dynamodb:GetItem'], table)]),
      maxAttempts: 1,
    });
    try {
      await caller.send(getItem('k'));

      expect(seen).toHaveLength(1);
      expect(seen[0]).toContain(`Credential=${UPSTREAM_ACCESS_KEY_ID}/`);
    } finally {
      caller.destroy();
      await proxy.stop();
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});
