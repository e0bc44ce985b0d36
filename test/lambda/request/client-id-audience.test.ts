/**
 * With `audienceClaim: client_id`, a token that also carries `aud` must name an accepted audience
 * in it: a token minted for another API (its `aud`) does not pass on its `client_id` alone (as
 * API Gateway's JWT authorizer checks `client_id` only when there is no `aud`). A token whose
 * `aud` names an accepted audience, alone or among others, passes.
 */
import { createTokenVerifier, type TokenVerifier } from '../../../lambda/request/token-verifier';
import { loadConfig } from '../../../lambda/shared/config';
import { JwksServer } from '../../helpers/jwks-server';
import { generateTestKey, newJti, signJwt } from '../../helpers/tokens';

const ISS = 'https://login.example.test/oauth2/default';
const CLIENT = 'orders-client';
const RESOURCE = 'https://orders.example.test';
const key = generateTestKey('RS256');
let jwks: JwksServer;
let verifier: TokenVerifier;
beforeAll(async () => {
  jwks = await JwksServer.start([key.jwk]);
  const config = loadConfig({
    JWT_ISSUERS: JSON.stringify([
      { issuer: ISS, audience: [CLIENT, RESOURCE], jwksUri: jwks.uri, audienceClaim: 'client_id' },
    ]),
    REVOCATION_TABLE_NAME: 'revocations',
    AWS_REGION: 'eu-west-1',
  });
  verifier = createTokenVerifier(config);
});
afterAll(async () => {
  await jwks.stop();
});

function token(aud: unknown): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISS, sub: 'alice', aud, client_id: CLIENT, jti: newJti() };
  return signJwt(key, { ...claims, iat: now, exp: now + 600 }, { alg: key.alg, kid: key.kid });
}

it('refuses a token whose aud names another API, even when its client_id is accepted', async () => {
  await expect(verifier.verify(token('https://payments.example.test'))).rejects.toMatchObject({
    code: 'BAD_AUDIENCE',
    message: 'JWT aud names no accepted audience',
  });
  await expect(
    verifier.verify(token(['https://payments.example.test', 'https://billing.example.test'])),
  ).rejects.toMatchObject({ code: 'BAD_AUDIENCE', message: 'JWT aud names no accepted audience' });
});

it('accepts a token whose aud names an accepted audience, alone or among others', async () => {
  await expect(verifier.verify(token(RESOURCE))).resolves.toMatchObject({
    claims: { aud: RESOURCE },
  });
  const among = ['https://payments.example.test', RESOURCE];
  await expect(verifier.verify(token(among))).resolves.toMatchObject({ claims: { aud: among } });
});
