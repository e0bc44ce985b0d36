/**
 * Writes through one client take turns in the process; a write that waited for its turn past
 * the deadline it was given does not start (nothing sent, nothing written), as one that lost the
 * race for the generation record does not retry past it. Against DynamoDB Local as the
 * endpoint's IAM role.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDbRevocationStore,
  readRevocationStatus,
  tokenKey,
  writeTokenRevocation,
} from '../../../../lambda/revocations/table';
import { createRevocationTable, LocalDynamoDb } from '../../../helpers/dynamodb';
import { ISSUER, newJti } from '../../../helpers/tokens';

let dynamo: LocalDynamoDb;
const clients: DynamoDBClient[] = [];
beforeAll(async () => {
  dynamo = await LocalDynamoDb.start();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynamo.stop();
});

it('does not start a queued write whose deadline passed while it waited', async () => {
  const tableName = await createRevocationTable(dynamo.client());
  const endpoint = dynamo.clientAs('endpoint', tableName);
  const authorizer = dynamo.clientAs('authorizer', tableName);
  clients.push(endpoint, authorizer);
  const jtis = Array.from({ length: 20 }, () => newJti());
  const exp = Math.floor(Date.now() / 1000) + 3600;

  // One client, twenty writes at once, a deadline that has already passed: the first write is
  // the client's turn at once and goes through; the others wait for theirs and must not start.
  const giveUpAtMs = Date.now();
  const settled = await Promise.allSettled(
    jtis.map((jti) =>
      writeTokenRevocation(endpoint, tableName, { iss: ISSUER, jti, exp }, Date.now, {
        giveUpAtMs,
      }),
    ),
  );

  const succeeded = settled.map((outcome) => outcome.status === 'fulfilled');
  expect(succeeded).toEqual([true, ...Array.from({ length: 19 }, () => false)]);
  for (const outcome of settled.slice(1)) {
    expect(outcome.status === 'rejected' && String(outcome.reason)).toMatch(
      /while it waited for its turn .* nothing was written/,
    );
  }
  const nowSeconds = Date.now() / 1000;
  const revoked = await Promise.all(
    jtis.map(
      async (jti) =>
        (await readRevocationStatus(endpoint, tableName, tokenKey(ISSUER, jti), nowSeconds))
          .revoked,
    ),
  );
  expect(revoked).toEqual(succeeded);
  const reader = new DynamoDbRevocationStore({ client: authorizer, tableName, timeoutMs: 5000 });
  expect((await reader.readGeneration()).generation).toBe(1);
});
