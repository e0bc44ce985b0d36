/**
 * One verifier, two issuers of different shapes, each with its own rules (JWT_ISSUERS entries):
 * - a Cognito user pool: access tokens (`token_use: access`), audience in `client_id`, no `aud`,
 *   no `typ`, RS256;
 * - an Auth0/Okta-like issuer: RFC 9068 access tokens (`typ: at+jwt`), audience in `aud`, ES256
 *   only.
 * Each accepts its own tokens and refuses the other's shape (401), and a token cannot borrow the
 * other issuer's rules by naming it in `iss`: the rules follow the key that signed it.
 */
import { createTokenVerifier, type TokenVerifier } from '../../../lambda/request/token-verifier';
import { loadConfig } from '../../../lambda/shared/config';
import { TokenRejectedError } from '../../../lambda/shared/errors';
import { JwksServer } from '../../helpers/jwks-server';
import { generateTestKey, newJti, signJwt, type TestKey } from '../../helpers/tokens';

const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_MixedPool';
const COGNITO_CLIENT = 'cognito-web-client';
const OKTA = 'https://login.example.okta.test/oauth2/default';
const OKTA_AUDIENCE = 'api://orders';

const cognitoKey = generateTestKey('RS256');
const oktaKey = generateTestKey('ES256');
/** A key the Okta-like issuer publishes too, but signs with an algorithm its rules refuse. */
const oktaRsaKey = generateTestKey('RS256');
let cognitoJwks: JwksServer;
let oktaJwks: JwksServer;

beforeAll(async () => {
  [cognitoJwks, oktaJwks] = await Promise.all([
    JwksServer.start([cognitoKey.jwk]),
    JwksServer.start([oktaKey.jwk, oktaRsaKey.jwk]),
  ]);
});
afterAll(async () => {
  await Promise.all([cognitoJwks.stop(), oktaJwks.stop()]);
});

function verifier(cognitoEntry: Record<string, unknown> = {}): TokenVerifier {
  const config = loadConfig({
    JWT_ISSUERS: JSON.stringify([
      {
        issuer: COGNITO,
        audience: COGNITO_CLIENT,
        jwksUri: cognitoJwks.uri,
        audienceClaim: 'client_id',
        ...cognitoEntry,
      },
      {
        issuer: OKTA,
        audience: OKTA_AUDIENCE,
        jwksUri: oktaJwks.uri,
        requiredTyp: 'at+jwt',
        algorithms: ['ES256'],
      },
    ]),
    REVOCATION_TABLE_NAME: 'revocations',
    AWS_REGION: 'eu-west-1',
  });
  return createTokenVerifier(config);
}

function times(): Record<string, number> {
  const now = Math.floor(Date.now() / 1000);
  return { iat: now, exp: now + 3600 };
}

/** A Cognito access token: no aud, no typ; client_id and token_use instead. */
function cognitoAccess(overrides: Record<string, unknown> = {}, key: TestKey = cognitoKey): string {
  const claims = {
    iss: COGNITO,
    sub: 'alice',
    client_id: COGNITO_CLIENT,
    token_use: 'access',
    scope: 'orders/read',
    jti: newJti(),
    ...times(),
    ...overrides,
  };
  return signJwt(key, claims, { alg: key.alg, kid: key.kid });
}

/** A Cognito ID token of the same pool and client: aud, token_use id, no client_id. */
function cognitoId(overrides: Record<string, unknown> = {}): string {
  return cognitoAccess({
    token_use: 'id',
    aud: COGNITO_CLIENT,
    client_id: undefined,
    ...overrides,
  });
}

/** An RFC 9068 access token as Okta or Auth0 issue them. */
function oktaAccess(
  overrides: Record<string, unknown> = {},
  key: TestKey = oktaKey,
  typ = 'at+jwt',
): string {
  const claims = { iss: OKTA, aud: OKTA_AUDIENCE, sub: 'bob', jti: newJti(), ...times() };
  return signJwt(key, { ...claims, ...overrides }, { alg: key.alg, kid: key.kid, typ });
}

async function refusal(verify: Promise<unknown>): Promise<string> {
  const error = await verify.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TokenRejectedError);
  return (error as TokenRejectedError).code;
}

describe('a Cognito issuer and an Okta-like issuer in one verifier', () => {
  it('accepts each issuer token shaped by its own rules', async () => {
    const tokens = verifier();

    const cognito = await tokens.verify(cognitoAccess());
    const okta = await tokens.verify(oktaAccess());

    expect(cognito).toMatchObject({ iss: COGNITO, sub: 'alice' });
    expect(okta).toMatchObject({ iss: OKTA, sub: 'bob' });
  });

  it('refuses a Cognito ID token where the entry asks for access tokens (the default)', async () => {
    expect(await refusal(verifier().verify(cognitoId()))).toBe('BAD_TOKEN_USE');
  });

  it('refuses a Cognito token with no token_use, or one the library does not know', async () => {
    const tokens = verifier();

    expect(await refusal(tokens.verify(cognitoAccess({ token_use: undefined })))).toBe(
      'BAD_TOKEN_USE',
    );
    expect(await refusal(tokens.verify(cognitoAccess({ token_use: 'refresh' })))).toBe(
      'BAD_TOKEN_USE',
    );
  });

  it('with tokenUse id, accepts the ID token and refuses the access token', async () => {
    const tokens = verifier({ tokenUse: 'id', audienceClaim: 'aud' });

    await expect(tokens.verify(cognitoId())).resolves.toMatchObject({ iss: COGNITO });
    expect(await refusal(tokens.verify(cognitoAccess({ aud: COGNITO_CLIENT })))).toBe(
      'BAD_TOKEN_USE',
    );
  });

  it("checks the Cognito token's client_id, and only the Okta token's aud", async () => {
    const tokens = verifier();

    // An aud naming the client does not stand in for client_id, and the reverse.
    expect(
      await refusal(tokens.verify(cognitoAccess({ client_id: 'other', aud: COGNITO_CLIENT }))),
    ).toBe('BAD_AUDIENCE');
    expect(
      await refusal(tokens.verify(oktaAccess({ aud: undefined, client_id: OKTA_AUDIENCE }))),
    ).toBe('BAD_AUDIENCE');
  });

  it("requires the Okta issuer's typ of its tokens only", async () => {
    const tokens = verifier();

    expect(await refusal(tokens.verify(oktaAccess({}, oktaKey, 'JWT')))).toBe('BAD_TYP');
    // The Cognito token carries no typ at all, and its rules ask for none.
    await expect(tokens.verify(cognitoAccess())).resolves.toMatchObject({ iss: COGNITO });
  });

  it("refuses an algorithm outside the Okta issuer's own list, though the other issuer allows it", async () => {
    const tokens = verifier();

    expect(await refusal(tokens.verify(oktaAccess({}, oktaRsaKey)))).toBe('ALGORITHM_NOT_ALLOWED');
  });

  it("cannot borrow the other issuer's rules by naming it in iss", async () => {
    const tokens = verifier();
    // An Okta-signed token claiming the Cognito issuer, shaped for Cognito's rules (no typ,
    // client_id): the Cognito keys do not verify it.
    const posingAsCognito = signJwt(
      oktaKey,
      { iss: COGNITO, sub: 'mallory', client_id: COGNITO_CLIENT, token_use: 'access', ...times() },
      { alg: oktaKey.alg, kid: oktaKey.kid },
    );
    // A Cognito-signed token claiming the Okta issuer and shaped for its rules.
    const posingAsOkta = signJwt(
      cognitoKey,
      { iss: OKTA, aud: OKTA_AUDIENCE, sub: 'mallory', jti: newJti(), ...times() },
      { alg: cognitoKey.alg, kid: cognitoKey.kid, typ: 'at+jwt' },
    );

    expect(await refusal(tokens.verify(posingAsCognito))).toBe('UNKNOWN_KEY');
    expect(await refusal(tokens.verify(posingAsOkta))).toBe('UNKNOWN_KEY');
  });
});
