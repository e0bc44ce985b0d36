/**
 * Concurrent requests in one container, end to end: production dependencies, DynamoDB Local
 * and a JWKS server on loopback. Concurrent lookups of the same keys share one DynamoDB read;
 * lookups of different keys must never share one, however the keys are spelt.
 */
import { subjectKey, tokenKey } from '../../../lambda/revocations/table';
import { putItem, ttlValue } from '../../helpers/dynamodb';
import { buildHandler, effectOf, startHarness, type Harness } from '../../helpers/harness';
import { goodClaims, ISSUER, signJwt } from '../../helpers/tokens';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.stop();
});

const hourFromNow = (): number => Math.floor(Date.now() / 1000) + 3600;

describe('concurrent requests in one container', () => {
  it('denies a revoked token while a token whose jti spells its keys is checked at the same time', async () => {
    const built = buildHandler(harness.env);
    await effectOf(built, signJwt(harness.key, goodClaims()));
    const rounds = [];
    for (let round = 0; round < 5; round += 1) {
      const victim = goodClaims({ sub: `alice-${round}` });
      const victimJti = victim.jti as string;
      await putItem(harness.client, harness.tableName, tokenKey(ISSUER, victimJti), {
        ...ttlValue(hourFromNow()),
      });
      // No sub, and a jti that is the victim's jti, a newline and the victim's subject key: the
      // crafted token's one key spells the victim's two keys joined by a newline.
      const crafted = goodClaims({
        sub: undefined,
        jti: `${victimJti}\n${subjectKey(ISSUER, victim.sub as string)}`,
      });
      rounds.push({ victim: signJwt(harness.key, victim), crafted: signJwt(harness.key, crafted) });
    }

    const effects = [];
    for (const { victim, crafted } of rounds) {
      const [craftedEffect, victimEffect] = await Promise.all([
        effectOf(built, crafted),
        effectOf(built, victim),
      ]);
      effects.push({ crafted: craftedEffect, victim: victimEffect });
    }

    expect(effects).toEqual(rounds.map(() => ({ crafted: 'Allow', victim: 'Deny' })));
  });
});
