/**
 * Miss: a full call whose jti is not cached, against DynamoDB Local on loopback. A known token (one
 * read) vs a bare GetItem of the same key, and a new token (a signature check, then the read)
 * vs a bare verify() followed by that bare GetItem.
 */
import { JwtVerifier } from 'aws-jwt-verify';
import { ITEM_READ, keyOf, tokenKey } from '../../lambda/revocations/table';
import type { BenchContext, Scenario } from '../support/context';
import { productionHandler } from '../support/deployed';
import { compare, pairedRow, type Row } from '../support/statistics';
import { AUDIENCE, ISSUER, claimsOf, mint, tokenEvent } from '../support/tokens';

async function run(context: BenchContext): Promise<Row[]> {
  const { deployed, settings, env, tableName, jwksUri, client, operations } = context;
  const [key] = context.keys;
  // A known token whose jti is no longer cached: a working set of tokens larger than the
  // revocation cache, each verified once before (the verified-token cache holds them all) and
  // all of one user (the subject's entry stays cached). Each call is then one GetItem.
  const workingSet = Array.from({ length: 1000 }, () => mint(key));
  const known = productionHandler(deployed, { ...env, CACHE_MAX_ENTRIES: '64' }, client);
  for (const token of workingSet) await known(tokenEvent(token));
  // New tokens: a signature check, then that read. Each token is used once by each task.
  const pool = Array.from({ length: settings.quick ? 3000 : 12_000 }, () => mint(key));
  const fresh = productionHandler(deployed, env, client);
  await fresh(tokenEvent(mint(key)));
  const verifier = JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksUri });
  verifier.cacheJwks({ keys: [{ kty: key.jwk.kty ?? '', ...key.jwk }] });
  // The read the store makes for a token: the same key, consistency and projection.
  const keys = new Map(
    [...workingSet, ...pool].map((token) => [token, tokenKey(ISSUER, claimsOf(token).jti)]),
  );
  const getItem = (token: string) =>
    client.send(
      new deployed.GetItemCommand({
        TableName: tableName,
        Key: keyOf(keys.get(token) ?? ''),
        ...ITEM_READ,
      }),
    );
  const calls = { known: 0, fresh: 0, verifyThenGet: 0, getItem: 0 };
  const next = (task: keyof typeof calls, tokens: readonly string[]): string => {
    const token = tokens[calls[task] % tokens.length] as string;
    calls[task] += 1;
    return token;
  };
  const before = operations();
  const rounds = await compare(settings, {
    known: () => known(tokenEvent(next('known', workingSet))),
    getItem: () => getItem(next('getItem', workingSet)),
    fresh: () => fresh(tokenEvent(next('fresh', pool))),
    verifyThenGet: async () => {
      const token = next('verifyThenGet', pool);
      await verifier.verify(token);
      return getItem(token);
    },
  });
  // The figures mean what they say only if each call made one read (plus the generation
  // record's, about one a second for each handler) and no new token came twice.
  const made = calls.known + calls.fresh + calls.verifyThenGet + calls.getItem;
  const extra = operations() - before - made;
  process.stderr.write(
    `miss: ${made} calls, ${made + extra} DynamoDB requests (${extra} of them generation-record reads)\n`,
  );
  if (extra < 0 || extra > made / 20) throw new Error('miss: calls did not make one read each');
  if (calls.fresh > pool.length || calls.verifyThenGet > pool.length) {
    throw new Error(`miss: the token pool (${pool.length}) ran out`);
  }
  return [
    pairedRow(
      'miss, known token (jti not cached; DynamoDB Local on loopback): handler vs bare GetItem',
      'us/call',
      rounds.known ?? [],
      rounds.getItem ?? [],
      1.1,
    ),
    pairedRow(
      'miss, new token: handler vs bare verify() then bare GetItem',
      'us/call',
      rounds.fresh ?? [],
      rounds.verifyThenGet ?? [],
      1.1,
    ),
  ];
}

export const miss: Scenario = { name: 'miss', run };
