/**
 * With `audienceClaim: client_id`, a token that also carries `aud` must name an accepted audience
 * in it: a token minted for another API (its `aud`) does not pass on its `client_id` alone (as
 * API Gateway's JWT authorizer checks `client_id` only when there is no `aud`).
 */
import { createTokenVerifier } from '../../../lambda/request/token-verifier';
import { loadConfig } from '../../../lambda/shared/config';
import { JwksServer } from '../../helpers/jwks-server';
import { generateTestKey, newJti, signJwt } from '../../helpers/tokens';

const ISS = 'https://login.example.test/oauth2/default';
const key = generateTestKey('RS256');
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await JwksServer.start([key.jwk]);
});
afterAll(async () => {
  await jwks.stop();
});

it('refuses a token whose aud names another API, even when its client_id is accepted', async () => {
  const config = loadConfig({
    JWT_ISSUERS: JSON.stringify([
      { issuer: ISS, audience: 'orders-client', jwksUri: jwks.uri, audienceClaim: 'client_id' },
    ]),
    REVOCATION_TABLE_NAME: 'revocations',
    AWS_REGION: 'eu-west-1',
  });
  const verifier = createTokenVerifier(config);
  const now = Math.floor(Date.now() / 1000);
  const token = signJwt(
    key,
    {
      iss: ISS,
      sub: 'alice',
      aud: 'https://payments.example.test', // minted for another resource server
      client_id: 'orders-client',
      jti: newJti(),
      iat: now,
      exp: now + 600,
    },
    { alg: key.alg, kid: key.kid },
  );
  await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'BAD_AUDIENCE' });
});
