/**
 * Creates the revocation table on a local DynamoDB (DynamoDB Local) when it is
 * missing, with the key schema the CDK construct deploys (both read it from `layout.ts`).
 * Local mode and the tests only: in AWS the construct creates the table.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TABLE_KEY, TTL_ATTRIBUTE } from './layout';

/** Returns true when the table was created now, false when it already existed. */
export async function ensureRevocationTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  let created = true;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: TABLE_KEY.name, AttributeType: TABLE_KEY.type }],
        KeySchema: [{ AttributeName: TABLE_KEY.name, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    // Made meanwhile: by another process, or by this request's first attempt when the SDK
    // retried it after a time-out (a slow CreateTable on a busy machine).
    if (!(error instanceof ResourceInUseException)) throw error;
    created = false;
  }
  await waitUntilActive(client, tableName);
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch {
    // A local DynamoDB may not implement TTL; expiry is checked by the authorizer anyway.
  }
  return created;
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
