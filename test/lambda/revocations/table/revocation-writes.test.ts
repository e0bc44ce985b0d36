/**
 * Revocation writes are idempotent and atomic (second security review, finding 2): a write that
 * changes nothing neither writes nor moves the generation record, so repeating a revocation
 * cannot flush every warm container's cache; a write that changes something records the item
 * and its announcement together or not at all; and concurrent writers never lose a change.
 * Against DynamoDB Local (which runs transactions), each writer as the endpoint's or the
 * operator's IAM role.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RevocationChecker } from '../../../../lambda/request/revocation-checker';
import { createRevocationEndpoint } from '../../../../lambda/revocations/endpoint';
import {
  deleteTokenRevocation,
  DynamoDbRevocationStore,
  GENERATION_COPIES,
  GENERATION_KEY,
  keyOf,
  readRevocationStatus,
  subjectKey,
  tokenKey,
  writeSubjectRevocation,
  writeTokenRevocation,
  type WriteLimits,
} from '../../../../lambda/revocations/table';
import { createRevocationTable, LocalDynamoDb } from '../../../helpers/dynamodb';
import { buildHandler, startHarness, type Harness } from '../../../helpers/harness';
import { goodClaims, ISSUER, newJti, signJwt } from '../../../helpers/tokens';

let harness: Harness;
let dynamo: LocalDynamoDb;
const clients: DynamoDBClient[] = [];
beforeAll(async () => {
  harness = await startHarness();
  dynamo = harness.dynamo;
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await harness.stop();
});

/** A fresh table, and clients acting as the endpoint, the operator and the authorizer on it. */
async function freshTable() {
  const tableName = await createRevocationTable(dynamo.client());
  const as = (role: 'endpoint' | 'operator' | 'authorizer') => {
    const client = dynamo.clientAs(role, tableName);
    clients.push(client);
    return client;
  };
  const reader = new DynamoDbRevocationStore({
    client: as('authorizer'),
    tableName,
    timeoutMs: 5000,
  });
  return {
    tableName,
    endpoint: as('endpoint'),
    operator: as('operator'),
    generation: async () => (await reader.readGeneration()).generation,
  };
}

/** Whether the table holds each token of `jtis` as revoked, as the operator reads it. */
function revokedInTable(
  table: { operator: DynamoDBClient; tableName: string },
  jtis: readonly string[],
): Promise<boolean[]> {
  return Promise.all(
    jtis.map(
      async (jti) =>
        (
          await readRevocationStatus(
            table.operator,
            table.tableName,
            tokenKey(ISSUER, jti),
            nowSeconds(),
          )
        ).revoked,
    ),
  );
}

/** A client of its own acting as the endpoint, as one more container would have. */
function endpointClient(tableName: string): DynamoDBClient {
  const client = dynamo.clientAs('endpoint', tableName);
  clients.push(client);
  return client;
}

const hourFromNow = () => Math.floor(Date.now() / 1000) + 3600;
const nowSeconds = () => Date.now() / 1000;

describe('a revocation that is already in force', () => {
  it('is announced once however often it is repeated, one after another or at once', async () => {
    const table = await freshTable();
    const revocation = { iss: ISSUER, jti: newJti(), exp: hourFromNow() };

    for (let i = 0; i < 50; i += 1) {
      await writeTokenRevocation(table.endpoint, table.tableName, revocation);
    }
    const afterSequential = await table.generation();
    await Promise.all(
      Array.from({ length: 50 }, () =>
        writeTokenRevocation(table.endpoint, table.tableName, revocation),
      ),
    );

    expect(afterSequential).toBe(1);
    expect(await table.generation()).toBe(1);
  });

  it('has 100 concurrent repeats of one revocation announced once, and says which one changed it', async () => {
    const table = await freshTable();
    const revocation = { iss: ISSUER, jti: newJti(), exp: hourFromNow() };

    // As from ten endpoint containers, each with its own client.
    const writers = Array.from({ length: 10 }, () => endpointClient(table.tableName));
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        writeTokenRevocation(writers[index % writers.length]!, table.tableName, revocation),
      ),
    );

    expect(outcomes.filter((outcome) => outcome.changed)).toEqual([
      { changed: true, generation: 1 },
    ]);
    expect(await table.generation()).toBe(1);
  });

  it('is replaced, and announced, only by a revocation that lasts longer', async () => {
    const table = await freshTable();
    const jti = newJti();
    const exp = hourFromNow();

    const first = await writeTokenRevocation(table.endpoint, table.tableName, {
      iss: ISSUER,
      jti,
      exp,
    });
    const shorter = await writeTokenRevocation(table.endpoint, table.tableName, {
      iss: ISSUER,
      jti,
      exp: exp - 600,
    });
    const longer = await writeTokenRevocation(table.endpoint, table.tableName, {
      iss: ISSUER,
      jti,
      exp: exp + 600,
    });
    const status = await readRevocationStatus(
      table.operator,
      table.tableName,
      tokenKey(ISSUER, jti),
      nowSeconds(),
    );

    expect([first.changed, shorter.changed, longer.changed]).toEqual([true, false, true]);
    expect(await table.generation()).toBe(2);
    expect(status.until).toBe(new Date((exp + 600 + 300) * 1000).toISOString());
  });

  it('of a subject: the same or an earlier time is not announced again', async () => {
    const table = await freshTable();
    const notBefore = Math.floor(Date.now() / 1000);
    const subject = (at: number) => ({
      iss: ISSUER,
      sub: 'alice',
      notBefore: at,
      keepUntil: at + 86400,
    });

    const outcomes = [
      await writeSubjectRevocation(table.endpoint, table.tableName, subject(notBefore)),
      await writeSubjectRevocation(table.endpoint, table.tableName, subject(notBefore)),
      await writeSubjectRevocation(table.endpoint, table.tableName, subject(notBefore - 10)),
      await writeSubjectRevocation(table.endpoint, table.tableName, subject(notBefore + 1)),
    ];

    expect(outcomes.map((outcome) => outcome.changed)).toEqual([true, false, false, true]);
    expect(await table.generation()).toBe(2);
  });

  it('removed twice: announced once', async () => {
    const table = await freshTable();
    const jti = newJti();
    await writeTokenRevocation(table.endpoint, table.tableName, {
      iss: ISSUER,
      jti,
      exp: hourFromNow(),
    });

    const removed = [
      await deleteTokenRevocation(table.operator, table.tableName, ISSUER, jti),
      await deleteTokenRevocation(table.operator, table.tableName, ISSUER, jti),
    ];

    expect(removed).toEqual([true, false]);
    expect(await table.generation()).toBe(2);
  });
});

describe('POST /revoke repeated by a user', () => {
  it('moves the generation record once for 40 repeats of one token', async () => {
    const table = await freshTable();
    const env = { ...harness.env, REVOCATION_TABLE_NAME: table.tableName };
    const handle = createRevocationEndpoint({
      verifier: buildHandler(env).deps.verifier,
      client: table.endpoint,
      tableName: table.tableName,
      subjectRetentionSeconds: 86400,
    });
    const claims = goodClaims({ sub: 'alice' });
    const token = signJwt(harness.key, claims);
    const caller = {
      iss: ISSUER,
      sub: 'alice',
      jti: 'caller',
      clientId: claims.client_id as string,
    };

    const answers = [];
    for (let i = 0; i < 40; i += 1) {
      answers.push(
        await handle({
          method: 'POST',
          action: 'revoke',
          contentType: 'application/x-www-form-urlencoded',
          body: new URLSearchParams({ token }).toString(),
          caller,
        }),
      );
    }

    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(40).fill(200));
    expect(await table.generation()).toBe(1);
  });
});

describe('concurrent revocations of distinct tokens', () => {
  it('announces all 200, each under its own generation, from 10 writers racing each other', async () => {
    const table = await freshTable();
    // Ten endpoint containers, each with its own client, twenty revocations each at once.
    const writers = Array.from({ length: 10 }, () => endpointClient(table.tableName));
    const jtis = Array.from({ length: 200 }, () => newJti());

    const outcomes = await Promise.all(
      jtis.map((jti, index) =>
        writeTokenRevocation(writers[index % writers.length]!, table.tableName, {
          iss: ISSUER,
          jti,
          exp: hourFromNow(),
        }),
      ),
    );
    const revoked = await revokedInTable(table, jtis);

    expect(await table.generation()).toBe(200);
    expect(outcomes.map((outcome) => outcome.generation).sort((a, b) => a! - b!)).toEqual(
      jtis.map((_, i) => i + 1),
    );
    expect(revoked.every(Boolean)).toBe(true);
  });

  it('leaves nothing half done when a writer gives up: written exactly when announced', async () => {
    // One attempt each: concurrent writers must lose the race for the generation record.
    const race = await raceWriters({ attempts: 1 });

    expect(race.failures.length).toBeGreaterThan(0);
    expect(race.failures[0]).toMatch(/could not record the change: .* nothing was written/);
    expect(race.revoked).toEqual(race.succeeded);
    expect(race.generation).toBe(race.succeeded.filter(Boolean).length);
  });

  it('gives up at the deadline it is given, with nothing half done', async () => {
    // A deadline that has passed: whoever loses the first race retries no more.
    const race = await raceWriters({ giveUpAtMs: Date.now() });

    expect(race.failures.length).toBeGreaterThan(0);
    expect(race.failures[0]).toMatch(/contended until the deadline .* nothing was written/);
    expect(race.revoked).toEqual(race.succeeded);
    expect(race.generation).toBe(race.succeeded.filter(Boolean).length);
  });
});

/**
 * Twelve writers, each with its own client (writes through one client take turns), revoke a
 * token each at once under `limits`: which succeeded, the errors of the others, which tokens the
 * table holds as revoked, and the generation the record reached.
 */
async function raceWriters(limits: WriteLimits) {
  const table = await freshTable();
  const jtis = Array.from({ length: 12 }, () => newJti());
  const settled = await Promise.allSettled(
    jtis.map((jti) =>
      writeTokenRevocation(
        endpointClient(table.tableName),
        table.tableName,
        { iss: ISSUER, jti, exp: hourFromNow() },
        Date.now,
        limits,
      ),
    ),
  );
  const revoked = await revokedInTable(table, jtis);
  return {
    succeeded: settled.map((outcome) => outcome.status === 'fulfilled'),
    failures: settled.flatMap((outcome) =>
      outcome.status === 'rejected' ? [String(outcome.reason)] : [],
    ),
    revoked,
    generation: await table.generation(),
  };
}

describe('a generation record that cannot be moved', () => {
  it('fails the write with a clear error and writes no revocation', async () => {
    const table = await freshTable();
    await dynamo.client().send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { ...keyOf(GENERATION_KEY), gen: { S: 'not a number' } },
      }),
    );
    const jti = newJti();

    const token = writeTokenRevocation(table.endpoint, table.tableName, {
      iss: ISSUER,
      jti,
      exp: hourFromNow(),
    });
    const subject = writeSubjectRevocation(table.endpoint, table.tableName, {
      iss: ISSUER,
      sub: 'bob',
      notBefore: Math.floor(Date.now() / 1000),
      keepUntil: hourFromNow(),
    });

    await expect(token).rejects.toThrow('the revocation-generation record is malformed');
    await expect(subject).rejects.toThrow('the revocation-generation record is malformed');
    expect(
      (
        await readRevocationStatus(
          table.operator,
          table.tableName,
          tokenKey(ISSUER, jti),
          nowSeconds(),
        )
      ).revoked,
    ).toBe(false);
    expect(
      (
        await readRevocationStatus(
          table.operator,
          table.tableName,
          subjectKey(ISSUER, 'bob'),
          nowSeconds(),
        )
      ).revoked,
    ).toBe(false);
  });
});

describe('the copies of the generation record', () => {
  it('all say the same after every write, so a container reading any one learns every change', async () => {
    const table = await freshTable();
    const reader = new DynamoDbRevocationStore({
      client: dynamo.clientAs('authorizer', table.tableName),
      tableName: table.tableName,
      timeoutMs: 5000,
    });
    const jtis = [newJti(), newJti(), newJti()];
    for (const jti of jtis) {
      await writeTokenRevocation(table.endpoint, table.tableName, {
        iss: ISSUER,
        jti,
        exp: hourFromNow(),
      });
    }
    await deleteTokenRevocation(table.operator, table.tableName, ISSUER, jtis[0]!);

    const copies = await Promise.all(
      Array.from({ length: GENERATION_COPIES }, (_, copy) => reader.readGeneration(copy)),
    );

    expect(copies[0]?.generation).toBe(4);
    expect(copies[0]?.changes.map((change) => change.key)).toEqual([
      tokenKey(ISSUER, jtis[0]!),
      tokenKey(ISSUER, jtis[1]!),
      tokenKey(ISSUER, jtis[2]!),
      tokenKey(ISSUER, jtis[0]!),
    ]);
    for (const copy of copies) expect(copy).toEqual(copies[0]);
  });

  it('spread the containers: a checker reading copy 11 drops a revoked token within one poll', async () => {
    const table = await freshTable();
    let clock = Date.now();
    const checker = new RevocationChecker({
      store: new DynamoDbRevocationStore({
        client: dynamo.clientAs('authorizer', table.tableName),
        tableName: table.tableName,
        timeoutMs: 5000,
        now: () => clock,
      }),
      notRevokedTtlSeconds: 3600,
      generationPollSeconds: 1,
      maxEntries: 100,
      now: () => clock,
      generationCopy: 11,
    });
    const jti = newJti();
    const token = {
      revocationKey: tokenKey(ISSUER, jti),
      subjectKey: subjectKey(ISSUER, 'carol'),
      exp: hourFromNow(),
      iat: Math.floor(clock / 1000) - 10,
    };
    const before = await checker.check(token);

    await writeTokenRevocation(table.endpoint, table.tableName, {
      iss: ISSUER,
      jti,
      exp: token.exp,
    });
    clock += 1001;
    const after = await checker.check(token);

    expect([before.revoked, after.revoked]).toEqual([false, true]);
  });
});
