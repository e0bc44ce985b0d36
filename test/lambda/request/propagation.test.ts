/**
 * Revocations reaching warm containers: the real writer (which bumps the generation record)
 * and real authorizer containers against DynamoDB Local, with the clock pinned so the window is
 * exact.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { keyOf, MAX_LEEWAY_SECONDS, subjectKey, tokenKey } from '../../../lambda/revocations/table';
import {
  deleteSubjectRevocation,
  deleteTokenRevocation,
  writeSubjectRevocation,
  writeTokenRevocation,
} from '../../../lambda/revocations/table';
import { DynamoDbRevocationStore, type GenerationState } from '../../../lambda/revocations/table';
import {
  buildHandler,
  effectOf,
  startHarness,
  type BuiltHandler,
  type Harness,
} from '../../helpers/harness';
import { goodClaims, ISSUER, signJwt } from '../../helpers/tokens';

let harness: Harness;
const roleClients = new Map<string, DynamoDBClient>();
/** A client acting as `role`, under the policy it really gets. */
function clientAs(role: 'endpoint' | 'operator' | 'authorizer'): DynamoDBClient {
  let client = roleClients.get(role);
  if (client === undefined) {
    client = harness.dynamo.clientAs(role, harness.tableName);
    roleClients.set(role, client);
  }
  return client;
}
/** Revoking, as the revocation endpoint's synthesized role does it (every branch included). */
const revoker = (): DynamoDBClient => clientAs('endpoint');
/** Removing a revocation: the operator's (the CLI's) identity. */
const operator = (): DynamoDBClient => clientAs('operator');
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  for (const client of roleClients.values()) client.destroy();
  await harness.stop();
});

/** Several warm containers sharing one pinned clock. */
function containers(count: number, env: Record<string, string> = {}) {
  const clock = { now: Date.now() };
  const built = Array.from({ length: count }, () =>
    buildHandler({ ...harness.env, ...env }, { now: () => clock.now }),
  );
  return { clock, built };
}

const hourFromNow = (): number => Math.floor(Date.now() / 1000) + 3600;

describe('token revocation reaching warm containers', () => {
  it('is enforced by every warm container one poll interval after the write, not before', async () => {
    const { clock, built } = containers(5);
    const claims = goodClaims();
    const token = signJwt(harness.key, claims);
    for (const container of built) {
      expect(await effectOf(container, token)).toBe('Allow');
      expect(await effectOf(container, token)).toBe('Allow');
    }

    await writeTokenRevocation(revoker(), harness.tableName, {
      iss: ISSUER,
      jti: claims.jti as string,
      exp: claims.exp as number,
    });
    clock.now += 500;
    const inWindow = await Promise.all(built.map((container) => effectOf(container, token)));
    clock.now += 501;
    const afterWindow = await Promise.all(built.map((container) => effectOf(container, token)));

    expect(inWindow).toEqual(Array(5).fill('Allow'));
    expect(afterWindow).toEqual(Array(5).fill('Deny'));
  });

  it('is lifted by an unrevoke once warm containers poll', async () => {
    const { clock, built } = containers(1);
    const [container] = built as [BuiltHandler];
    const claims = goodClaims();
    await writeTokenRevocation(revoker(), harness.tableName, {
      iss: ISSUER,
      jti: claims.jti as string,
      exp: claims.exp as number,
    });
    const token = signJwt(harness.key, claims);
    expect(await effectOf(container, token)).toBe('Deny');

    expect(
      await deleteTokenRevocation(operator(), harness.tableName, ISSUER, claims.jti as string),
    ).toBe(true);
    clock.now += 1001;
    // The first check learns of the unrevoke from its poll and drops the cached Deny.
    await effectOf(container, signJwt(harness.key, goodClaims()));

    expect(await effectOf(container, token)).toBe('Allow');
  });

  it('records each change in the generation record: the counter and the changed key', async () => {
    const read = recordChangeRead;
    const before = await read();
    const jti = `gen-${Date.now()}`;
    const key = tokenKey(ISSUER, jti);

    await writeTokenRevocation(revoker(), harness.tableName, {
      iss: ISSUER,
      jti,
      exp: hourFromNow(),
    });
    const afterRevoke = await read();
    await deleteTokenRevocation(operator(), harness.tableName, ISSUER, jti);
    const afterUnrevoke = await read();
    await deleteTokenRevocation(operator(), harness.tableName, ISSUER, jti);
    const afterNoop = await read();

    expect(afterRevoke.generation).toBe(before.generation + 1);
    expect(afterRevoke.changes).toContainEqual({ generation: before.generation + 1, key });
    expect(afterUnrevoke.generation).toBe(before.generation + 2);
    expect(afterUnrevoke.changes).toContainEqual({ generation: before.generation + 2, key });
    expect(afterNoop.generation).toBe(afterUnrevoke.generation);
  });

  it('loses no change when writers race', async () => {
    const before = (await recordChangeRead()).generation;
    const jtis = Array.from({ length: 12 }, (_, i) => `race-${Date.now()}-${i}`);

    const outcomes = await Promise.all(
      jtis.map((jti) =>
        writeTokenRevocation(revoker(), harness.tableName, {
          iss: ISSUER,
          jti,
          exp: hourFromNow(),
        }),
      ),
    );
    const after = await recordChangeRead();

    const generations = outcomes.map((outcome) => outcome.generation ?? 0).sort((a, b) => a - b);
    expect(generations).toEqual(jtis.map((_, i) => before + i + 1));
    expect(after.generation).toBe(before + jtis.length);
    for (const jti of jtis) {
      expect(after.changes.map((change) => change.key)).toContain(tokenKey(ISSUER, jti));
    }
  });
});

/** The generation record as the authorizer reads it. */
function recordChangeRead(): Promise<GenerationState> {
  return new DynamoDbRevocationStore({
    client: clientAs('authorizer'),
    tableName: harness.tableName,
    timeoutMs: 5000,
  }).readGeneration();
}

describe('log out everywhere (subject revocation)', () => {
  it('revokes every earlier token of the subject, in warm containers too, and lets new ones in', async () => {
    const { clock, built } = containers(3);
    const sub = `user-${Date.now()}`;
    const nowSeconds = Math.floor(clock.now / 1000);
    const older = signJwt(harness.key, goodClaims({ sub, iat: nowSeconds - 100 }));
    const other = signJwt(harness.key, goodClaims({ sub: `${sub}-other`, iat: nowSeconds - 100 }));
    for (const container of built) expect(await effectOf(container, older)).toBe('Allow');

    await writeSubjectRevocation(revoker(), harness.tableName, {
      iss: ISSUER,
      sub,
      notBefore: nowSeconds + 1,
      keepUntil: nowSeconds + 86400,
    });
    clock.now += 1001;
    const newer = signJwt(harness.key, goodClaims({ sub, iat: nowSeconds + 1 }));
    const noIat = signJwt(harness.key, goodClaims({ sub, iat: undefined }));

    for (const container of built) {
      expect(await effectOf(container, older)).toBe('Deny');
      expect(await effectOf(container, noIat)).toBe('Deny');
      expect(await effectOf(container, newer)).toBe('Allow');
      expect(await effectOf(container, other)).toBe('Allow');
    }
    expect(built[0]?.telemetry.records.some((record) => record.reason === 'SUBJECT_REVOKED')).toBe(
      true,
    );
  });

  it('never moves a subject revocation back in time', async () => {
    const sub = `user-back-${Date.now()}`;
    const nowSeconds = Math.floor(Date.now() / 1000);
    await writeSubjectRevocation(revoker(), harness.tableName, {
      iss: ISSUER,
      sub,
      notBefore: nowSeconds,
      keepUntil: nowSeconds + 86400,
    });
    await writeSubjectRevocation(revoker(), harness.tableName, {
      iss: ISSUER,
      sub,
      notBefore: nowSeconds - 1000,
      keepUntil: nowSeconds + 86400,
    });
    const { Item } = await harness.client.send(
      new GetItemCommand({
        TableName: harness.tableName,
        Key: keyOf(subjectKey(ISSUER, sub)),
        ConsistentRead: true,
      }),
    );

    expect(Item?.notBefore).toEqual({ N: String(nowSeconds) });
    expect(Item?.kind).toEqual({ S: 'subject' });
    expect(await deleteSubjectRevocation(operator(), harness.tableName, ISSUER, sub)).toBe(true);
  });

  it('accepts tokens without jti only when ALLOW_TOKENS_WITHOUT_JTI is on, revocable per subject', async () => {
    const strict = buildHandler(harness.env);
    const lenient = buildHandler({ ...harness.env, ALLOW_TOKENS_WITHOUT_JTI: 'true' });
    const sub = `entra-${Date.now()}`;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const token = signJwt(harness.key, goodClaims({ sub, jti: undefined, iat: nowSeconds - 10 }));
    const noSub = signJwt(harness.key, goodClaims({ sub: undefined, jti: undefined }));

    expect(await effectOf(strict, token)).toBe('Unauthorized');
    expect(await effectOf(lenient, token)).toBe('Allow');
    expect(await effectOf(lenient, noSub)).toBe('Unauthorized');

    await writeSubjectRevocation(revoker(), harness.tableName, {
      iss: ISSUER,
      sub,
      notBefore: nowSeconds,
      keepUntil: nowSeconds + 86400,
    });
    const fresh = buildHandler({ ...harness.env, ALLOW_TOKENS_WITHOUT_JTI: 'true' });

    expect(await effectOf(fresh, token)).toBe('Deny');
  });
});

describe('writer input checks', () => {
  it.each([
    ['an empty iss', { iss: '', jti: 'a', exp: 1 }, /iss is empty/],
    ['an empty jti', { iss: ISSUER, jti: '', exp: hourFromNow() }, /jti is empty/],
    ['an exp that is not a number', { iss: ISSUER, jti: 'a', exp: Number.NaN }, /exp must be/],
    [
      'a jti too long for the key',
      { iss: ISSUER, jti: 'x'.repeat(3000), exp: hourFromNow() },
      /longer than/,
    ],
  ])('refuses to write %s', async (_name, revocation, message) => {
    await expect(writeTokenRevocation(revoker(), harness.tableName, revocation)).rejects.toThrow(
      message,
    );
  });

  it('writes the audit fields next to the key and TTL', async () => {
    const jti = `audit-${Date.now()}`;
    await writeTokenRevocation(
      revoker(),
      harness.tableName,
      { iss: ISSUER, jti, exp: 2_000_000_000.5, sub: 'alice', reason: 'leaked', revokedBy: 'ops' },
      () => Date.UTC(2026, 0, 2, 3, 4, 5),
    );
    const { Item } = await harness.client.send(
      new GetItemCommand({
        TableName: harness.tableName,
        Key: keyOf(tokenKey(ISSUER, jti)),
        ConsistentRead: true,
      }),
    );

    expect(Item).toEqual({
      pk: { S: tokenKey(ISSUER, jti) },
      ttl: { N: String(2000000001 + MAX_LEEWAY_SECONDS) },
      kind: { S: 'token' },
      iss: { S: ISSUER },
      jti: { S: jti },
      sub: { S: 'alice' },
      reason: { S: 'leaked' },
      revokedBy: { S: 'ops' },
      revokedAt: { S: '2026-01-02T03:04:05.000Z' },
    });
  });
});
