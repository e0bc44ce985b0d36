/**
 * Warm hit: a full handler call on a cached jti vs a bare aws-jwt-verify verify(), for each of
 * the issuer's algorithms (RS256, ES256).
 */
import { JwtVerifier } from 'aws-jwt-verify';
import type { BenchContext, Scenario } from '../support/context';
import { productionHandler } from '../support/deployed';
import { compare, pairedRow, type Row } from '../support/statistics';
import { AUDIENCE, ISSUER, METHOD_ARN, mint } from '../support/tokens';

async function run(context: BenchContext): Promise<Row[]> {
  const { deployed, settings, env, jwksUri, client, keys } = context;
  const rows: Row[] = [];
  for (const key of keys) {
    const handler = productionHandler(deployed, env, client);
    const token = mint(key);
    const event = { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN };
    await handler(event);
    await handler(event);
    const verifier = JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksUri });
    verifier.cacheJwks({ keys: keys.map((entry) => ({ kty: entry.jwk.kty ?? '', ...entry.jwk })) });
    await verifier.verify(token);
    const rounds = await compare(settings, {
      handler: () => handler(event),
      verify: () => verifier.verify(token),
    });
    rows.push(
      pairedRow(
        `warm hit, ${key.alg}: handler vs bare verify()`,
        'us/call',
        rounds.handler ?? [],
        rounds.verify ?? [],
        1.1,
      ),
    );
  }
  return rows;
}

export const warmHit: Scenario = { name: 'warm hit', run };
