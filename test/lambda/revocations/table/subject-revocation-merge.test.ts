/**
 * Revocations of a subject only ever widen: the later revocation time and the later end win, and
 * a record that has ended (but that DynamoDB's TTL has not deleted yet) counts as no revocation,
 * so a new one replaces it. Against DynamoDB Local as the endpoint's IAM role, and the in-memory
 * store, which must agree with it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDbRevocationStore,
  LATEST_STORED_SECONDS,
  MAX_LEEWAY_SECONDS,
  MemoryRevocationStore,
  readRevocationStatus,
  subjectKey,
  writeSubjectRevocation,
} from '../../../../lambda/revocations/table';
import { createRevocationTable, LocalDynamoDb } from '../../../helpers/dynamodb';
import { ISSUER } from '../../../helpers/tokens';

const DAY = 86400;
/** A subject record holds the largest clock-skew leeway past its keep, as a token's does. */
const LEEWAY = MAX_LEEWAY_SECONDS;
let dynamo: LocalDynamoDb;
const clients: DynamoDBClient[] = [];
beforeAll(async () => {
  dynamo = await LocalDynamoDb.start();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynamo.stop();
});

async function freshTable() {
  const tableName = await createRevocationTable(dynamo.client());
  const endpoint = dynamo.clientAs('endpoint', tableName);
  const authorizer = dynamo.clientAs('authorizer', tableName);
  clients.push(endpoint, authorizer);
  const reader = new DynamoDbRevocationStore({ client: authorizer, tableName, timeoutMs: 5000 });
  return {
    tableName,
    endpoint,
    generation: async () => (await reader.readGeneration()).generation,
    status: (atSeconds: number) =>
      readRevocationStatus(endpoint, tableName, subjectKey(ISSUER, 'alice'), atSeconds),
  };
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const start = Math.floor(Date.now() / 1000);
const subject = (notBefore: number, keepUntil: number) => ({
  iss: ISSUER,
  sub: 'alice',
  notBefore,
  keepUntil,
});

describe('a subject revocation', () => {
  it('is written again, and announced, after the record it repeats has ended', async () => {
    const table = await freshTable();
    await writeSubjectRevocation(table.endpoint, table.tableName, subject(start, start + 60));
    const later = () => (start + 120 + LEEWAY) * 1000;

    const again = await writeSubjectRevocation(
      table.endpoint,
      table.tableName,
      subject(start, start + 120 + LEEWAY + DAY),
      later,
    );

    expect(again.changed).toBe(true);
    expect(await table.generation()).toBe(2);
    const status = await table.status(start + 120 + LEEWAY);
    expect(status).toMatchObject({
      revoked: true,
      notBefore: iso(start),
      until: iso(start + 120 + LEEWAY + DAY + LEEWAY),
    });
  });

  it('keeps the longer end when a later revocation keeps its record for less time', async () => {
    const table = await freshTable();
    await writeSubjectRevocation(table.endpoint, table.tableName, subject(start, start + 30 * DAY));

    const later = await writeSubjectRevocation(
      table.endpoint,
      table.tableName,
      subject(start + 10, start + 10 + DAY),
    );

    expect(later.changed).toBe(true);
    expect(await table.status(start + 10)).toMatchObject({
      revoked: true,
      notBefore: iso(start + 10),
      until: iso(start + 30 * DAY + LEEWAY),
    });
    // Two days on, the first revocation's tokens (issued before `start`) are still refused.
    expect((await table.status(start + 2 * DAY)).revoked).toBe(true);
  });

  it('extends the end of the same revocation time, and keeps the later time', async () => {
    const table = await freshTable();
    await writeSubjectRevocation(table.endpoint, table.tableName, subject(start + 50, start + DAY));

    const earlierButLonger = await writeSubjectRevocation(
      table.endpoint,
      table.tableName,
      subject(start, start + 7 * DAY),
    );
    const sameAgain = await writeSubjectRevocation(
      table.endpoint,
      table.tableName,
      subject(start, start + 7 * DAY),
    );

    expect([earlierButLonger.changed, sameAgain.changed]).toEqual([true, false]);
    expect(await table.generation()).toBe(2);
    expect(await table.status(start)).toMatchObject({
      notBefore: iso(start + 50),
      until: iso(start + 7 * DAY + LEEWAY),
    });
  });

  it('from 12 racing writers ends at the latest time and the latest end, every change announced', async () => {
    const table = await freshTable();
    const writes = Array.from({ length: 12 }, (_, index) => {
      const client = dynamo.clientAs('endpoint', table.tableName);
      clients.push(client);
      return subject(start + (index % 4), start + DAY * (1 + ((index * 5) % 12)));
    });

    const outcomes = await Promise.all(
      writes.map((write, index) =>
        writeSubjectRevocation(clients[clients.length - 12 + index]!, table.tableName, write),
      ),
    );

    const changed = outcomes.filter((outcome) => outcome.changed).length;
    expect(changed).toBeGreaterThanOrEqual(1);
    expect(await table.generation()).toBe(changed);
    expect(await table.status(start)).toMatchObject({
      notBefore: iso(start + 3),
      until: iso(start + 12 * DAY + LEEWAY),
    });
  });
});

describe('a subject revocation kept without end', () => {
  it('is stored until the latest time DynamoDB holds (an Infinity keep was refused by DynamoDB)', async () => {
    const table = await freshTable();

    const written = await writeSubjectRevocation(
      table.endpoint,
      table.tableName,
      subject(start, Infinity),
    );

    expect(written.changed).toBe(true);
    expect(await table.status(start)).toMatchObject({
      revoked: true,
      until: iso(LATEST_STORED_SECONDS),
    });
  });
});

describe('the in-memory store', () => {
  it('merges subject revocations as the DynamoDB writer does', async () => {
    let nowMs = start * 1000;
    const store = new MemoryRevocationStore(() => nowMs);
    const key = subjectKey(ISSUER, 'alice');
    const held = async () => (await store.read([key])).get(key);

    store.revokeKey(key, { notBefore: start, until: start + 60 });
    nowMs = (start + 120) * 1000;
    store.revokeKey(key, { notBefore: start, until: start + 30 * DAY });
    store.revokeKey(key, { notBefore: start + 10, until: start + DAY });

    expect(await held()).toEqual({ notBefore: start + 10, until: start + 30 * DAY });
  });
});
