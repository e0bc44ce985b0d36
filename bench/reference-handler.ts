/**
 * The cold-start baseline: a Lambda entry that only creates a DynamoDB client at module scope,
 * bundled exactly as the authorizer is. The authorizer's bundle and load time are compared to it.
 */
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({});

export async function handler(event: {
  key: Record<string, AttributeValue>;
  table: string;
}): Promise<boolean> {
  const output = await client.send(new GetItemCommand({ TableName: event.table, Key: event.key }));
  return output.Item !== undefined;
}
