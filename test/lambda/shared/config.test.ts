import { loadConfig } from '../../../lambda/shared/config';
import { ConfigurationError } from '../../../lambda/shared/errors';

const minimal = {
  JWT_ISSUER: 'https://issuer.example',
  JWT_AUDIENCE: 'api',
  REVOCATION_TABLE_NAME: 'revocations',
  AWS_REGION: 'eu-west-1',
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadConfig', () => {
  it('fills every default from the minimal settings', () => {
    const config = loadConfig(minimal);

    expect(config).toEqual({
      issuers: [
        {
          issuer: 'https://issuer.example',
          audience: ['api'],
          jwksUri: 'https://issuer.example/.well-known/jwks.json',
          audienceClaim: 'aud',
          algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
          requiredTyp: undefined,
          tokenUse: undefined,
        },
      ],
      audienceClaim: 'aud',
      algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
      requiredTyp: undefined,
      clockSkewSeconds: 5,
      maxTokenBytes: 8192,
      jtiClaim: 'jti',
      allowTokensWithoutJti: false,
      revocationTableName: 'revocations',
      notRevokedTtlSeconds: 3600,
      generationPollSeconds: 1,
      subjectRevocationRetentionSeconds: 2592000,
      revokeRequireSameClient: true,
      contextClaims: [],
      cacheMaxEntries: 100000,
      storeTimeoutMs: 1000,
      storeConnectTimeoutMs: 300,
      storeMaxAttempts: 3,
      jwksTimeoutMs: 3000,
      jwksCooldownSeconds: 10,
      jwksMaxAgeSeconds: 3600,
      verifiedTokenCacheEntries: 10000,
      httpApiResponseMode: 'simple',
      routeScopes: {},
      metricsFlushSeconds: 10,
      initPrefetchTimeoutMs: 1500,
      region: 'eu-west-1',
      dynamoDbEndpoint: undefined,
      jwksAllowHttpHosts: [],
    });
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig(minimal);

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.issuers[0])).toBe(true);
    expect(Object.isFrozen(config.issuers[0]?.audience)).toBe(true);
  });

  it('reads several audiences and an explicit JWKS URI', () => {
    const config = loadConfig({
      ...minimal,
      JWT_AUDIENCE: 'api, admin ,',
      JWKS_URI: 'https://keys.example/jwks',
    });

    expect(config.issuers).toMatchObject([
      {
        issuer: 'https://issuer.example',
        audience: ['api', 'admin'],
        jwksUri: 'https://keys.example/jwks',
      },
    ]);
  });

  it('reads several issuers from JWT_ISSUERS', () => {
    const config = loadConfig({
      ...minimal,
      JWT_ISSUER: '',
      JWT_ISSUERS: JSON.stringify([
        { issuer: 'https://a.example/', audience: 'x' },
        { issuer: 'https://b.example', audience: ['y', 'z'], jwksUri: 'https://b.example/keys' },
      ]),
    });

    expect(config.issuers).toMatchObject([
      {
        issuer: 'https://a.example/',
        audience: ['x'],
        jwksUri: 'https://a.example/.well-known/jwks.json',
      },
      { issuer: 'https://b.example', audience: ['y', 'z'], jwksUri: 'https://b.example/keys' },
    ]);
  });

  it('lists every problem at once, each naming its setting', () => {
    const problems = problemsOf({
      JWT_AUDIENCE: '',
      NOT_REVOKED_TTL_SECONDS: 'ten',
      STORE_TIMEOUT_MS: '5',
      JWT_ALGORITHMS: 'RS256,HS256,none',
      HTTP_API_RESPONSE_MODE: 'fancy',
      JWT_AUDIENCE_CLAIM: 'azp',
    });

    expect(problems).toEqual([
      'JWT_ISSUER: is required (or JWT_ISSUERS for several issuers)',
      'JWT_AUDIENCE_CLAIM: "azp" is not one of aud, client_id',
      'JWT_ALGORITHMS: "HS256" is not supported (use RS256, RS384, RS512, ES256, ES384, ES512, EdDSA)',
      'JWT_ALGORITHMS: "none" is not supported (use RS256, RS384, RS512, ES256, ES384, ES512, EdDSA)',
      'REVOCATION_TABLE_NAME: is required',
      'NOT_REVOKED_TTL_SECONDS: "ten" is not a whole number',
      'STORE_TIMEOUT_MS: 5 is outside 50..30000',
      'HTTP_API_RESPONSE_MODE: "fancy" is not one of simple, iam',
      'AWS_REGION: is required',
    ]);
  });

  it.each([
    [{ JWT_AUDIENCE: '' }, 'JWT_AUDIENCE: is required'],
    [{ JWT_ISSUER: 'not a url' }, 'JWT_ISSUER: issuer "not a url" is not a URL'],
    [
      { JWKS_URI: 'http://keys.example/jwks' },
      'JWT_ISSUER: JWKS URI "http://keys.example/jwks" must use https (plain http is allowed on loopback only)',
    ],
    [
      { JWKS_URI: 'http://10.0.0.1/jwks' },
      'JWT_ISSUER: JWKS URI "http://10.0.0.1/jwks" must use https (plain http is allowed on loopback only)',
    ],
    [
      { JWT_ISSUERS: '[{"issuer":"https://x"}]' },
      'JWT_ISSUERS: set either JWT_ISSUERS or JWT_ISSUER, not both',
    ],
    [{ JWT_ISSUER: '', JWT_ISSUERS: '{' }, 'JWT_ISSUERS: is not valid JSON'],
    [
      { JWT_ISSUER: '', JWT_ISSUERS: '[]' },
      'JWT_ISSUERS: must be a non-empty JSON array of {issuer, audience, jwksUri?, audienceClaim?, requiredTyp?, algorithms?, tokenUse?}',
    ],
    [
      { JWT_ISSUER: '', JWT_ISSUERS: '[{"issuer":"https://x"}]' },
      'JWT_ISSUERS[0].audience: must be a non-empty string or array of strings',
    ],
    [
      {
        JWT_ISSUER: '',
        JWT_ISSUERS:
          '[{"issuer":"https://x","audience":"a"},{"issuer":"https://x","audience":"b"}]',
      },
      'JWT_ISSUERS: issuer https://x is listed twice',
    ],
    [
      { STORE_CONNECT_TIMEOUT_MS: '2000' },
      'STORE_CONNECT_TIMEOUT_MS: must not exceed STORE_TIMEOUT_MS',
    ],
    [{ JWT_CLOCK_SKEW_SECONDS: '-1' }, 'JWT_CLOCK_SKEW_SECONDS: -1 is outside 0..300'],
    [{ CACHE_MAX_ENTRIES: '1.5' }, 'CACHE_MAX_ENTRIES: "1.5" is not a whole number'],
    // The init phase has 10 s; the prefetch must leave it time.
    [{ INIT_PREFETCH_TIMEOUT_MS: '9000' }, 'INIT_PREFETCH_TIMEOUT_MS: 9000 is outside 0..8000'],
  ])('refuses %p', (overrides, problem) => {
    expect(problemsOf({ ...minimal, ...overrides })).toEqual([problem]);
  });

  it('reads REVOKE_REQUIRE_SAME_CLIENT, on unless set to false', () => {
    const off = loadConfig({ ...minimal, REVOKE_REQUIRE_SAME_CLIENT: 'FALSE' });
    const on = loadConfig({ ...minimal, REVOKE_REQUIRE_SAME_CLIENT: 'true' });

    expect(off.revokeRequireSameClient).toBe(false);
    expect(on.revokeRequireSameClient).toBe(true);
    expect(problemsOf({ ...minimal, REVOKE_REQUIRE_SAME_CLIENT: 'no' })).toEqual([
      'REVOKE_REQUIRE_SAME_CLIENT: "no" is not true or false',
    ]);
  });

  it('allows plain http JWKS on loopback only', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) {
      expect(
        loadConfig({ ...minimal, JWKS_URI: `http://${host}:9999/jwks` }).issuers[0]?.jwksUri,
      ).toBe(`http://${host}:9999/jwks`);
    }
  });

  it('allows plain http JWKS on a named development host only when JWKS_ALLOW_HTTP_HOSTS lists it', () => {
    const docker = { JWKS_URI: 'http://host.docker.internal:3000/.well-known/jwks.json' };

    const allowed = loadConfig({
      ...minimal,
      ...docker,
      JWKS_ALLOW_HTTP_HOSTS: ' Host.Docker.Internal , dev-issuer.test',
    });

    expect(allowed.jwksAllowHttpHosts).toEqual(['host.docker.internal', 'dev-issuer.test']);
    expect(allowed.issuers[0]?.jwksUri).toBe(docker.JWKS_URI);
    expect(problemsOf({ ...minimal, ...docker })).toEqual([
      `JWT_ISSUER: JWKS URI "${docker.JWKS_URI}" must use https (plain http is allowed on loopback only)`,
    ]);
    // Listing one host opens plain http to that host, not to any other.
    expect(
      problemsOf({
        ...minimal,
        JWKS_URI: 'http://keys.example/jwks',
        JWKS_ALLOW_HTTP_HOSTS: 'host.docker.internal',
      }),
    ).toEqual([
      'JWT_ISSUER: JWKS URI "http://keys.example/jwks" must use https (plain http is allowed on loopback and JWKS_ALLOW_HTTP_HOSTS only)',
    ]);
    // In JWT_ISSUERS too.
    const several = loadConfig({
      ...minimal,
      JWT_ISSUER: '',
      JWT_ISSUERS: JSON.stringify([
        { issuer: 'http://127.0.0.1:3000', audience: 'x', jwksUri: docker.JWKS_URI },
      ]),
      JWKS_ALLOW_HTTP_HOSTS: 'host.docker.internal',
    });
    expect(several.issuers[0]?.jwksUri).toBe(docker.JWKS_URI);
  });

  it('leaves https JWKS URIs as they are whatever JWKS_ALLOW_HTTP_HOSTS holds', () => {
    const config = loadConfig({
      ...minimal,
      JWKS_URI: 'https://host.docker.internal/jwks',
      JWKS_ALLOW_HTTP_HOSTS: 'other.test',
    });

    expect(config.issuers[0]?.jwksUri).toBe('https://host.docker.internal/jwks');
    // Empty, as a template that declares it for sam local invoke leaves it: nothing allowed.
    expect(loadConfig({ ...minimal, JWKS_ALLOW_HTTP_HOSTS: '' }).jwksAllowHttpHosts).toEqual([]);
  });

  it.each([
    'http://host.docker.internal',
    'host.docker.internal:3000',
    '*.docker.internal',
    'host.docker.internal/jwks',
    '[::1]',
    '-bad.example',
    'under_score.example',
  ])('refuses JWKS_ALLOW_HTTP_HOSTS=%p, which is not a bare host name', (value) => {
    expect(
      problemsOf({
        ...minimal,
        JWKS_URI: 'http://host.docker.internal/jwks',
        JWKS_ALLOW_HTTP_HOSTS: `host.docker.internal,${value}`,
      }),
    ).toEqual([
      `JWKS_ALLOW_HTTP_HOSTS: "${value}" is not a host name (list bare names such as host.docker.internal: no scheme, port, path or wildcard)`,
    ]);
  });

  it('needs no AWS_REGION when a local DynamoDB endpoint is set', () => {
    const config = loadConfig({
      ...minimal,
      AWS_REGION: '',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
    });

    expect(config.region).toBe('us-east-1');
    expect(config.dynamoDbEndpoint).toBe('http://127.0.0.1:8000');
  });
});
