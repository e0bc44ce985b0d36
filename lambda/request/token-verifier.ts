/**
 * Verifies a bearer JWT and returns the claims the authorizer needs.
 *
 * aws-jwt-verify does the cryptography and the standard claims: JWKS kept across warm
 * invocations, signature checked before any claim, asymmetric algorithms only, `iss`, `aud`,
 * `nbf`, `exp` when present, and a penalty box against unknown-`kid` floods. It does not
 * require `exp` or `jti`; this module adds those, the types of `scope` and `scp`, the size cap
 * and the revocation key, and each issuer's own rules (`issuer-checks.ts`: the algorithm
 * allow-list, `typ`, `crit`, Cognito's `token_use`, `client_id` as the audience).
 */
import type { Agent as HttpsAgent } from 'node:https';
// The subpath: the package index also brings the Cognito and ALB verifiers into the bundle.
import {
  assertIsJwks,
  SimpleJwksCache,
  SimplePenaltyBox,
  type Jwks,
  type JwksCache,
} from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { safeJsonParse, type Json } from 'aws-jwt-verify/safe-json-parse';
import {
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
  JwkValidationError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  NotSupportedError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { AuthorizerConfig } from '../shared/config';
import { BoundedCache } from '../shared/bounded-cache';
import { KeysUnavailableError, TokenRejectedError, type RejectionCode } from '../shared/errors';
import { MaxAgeJwksCache } from './jwks-cache';
import { issuerCheck } from './issuer-checks';
import { JwksFetcher } from './jwks-fetcher';
import { isScopeValue, ListScopeJwtVerifier } from './list-scope-verifier';
import { subjectKey, subjectKeyProblem, tokenKey, tokenKeyProblem } from '../revocations/table';

/** A token whose signature and claims were verified. */
export interface VerifiedToken {
  readonly iss: string;
  /** The token's name for revocation (the configured `JTI_CLAIM`); absent only when allowed. */
  readonly jti: string | undefined;
  readonly sub: string | undefined;
  /** Expiry, seconds since the epoch. Always present on a verified token. */
  readonly exp: number;
  readonly iat: number | undefined;
  /** Revocation key of (iss, jti): see `revocations/table/keys.ts`. */
  readonly revocationKey: string | undefined;
  /** Revocation key of (iss, sub), for "log out everywhere". */
  readonly subjectKey: string | undefined;
  readonly claims: JwtPayload;
}

export interface TokenVerifier {
  /** Resolves to the verified token; rejects with `TokenRejectedError` (401) or another error (500). */
  verify(token: string): Promise<VerifiedToken>;
  /**
   * Fetches every configured issuer's JWKS ahead of the first token, as aws-jwt-verify's
   * `hydrate()` does, all at once. A JWKS is kept only when it arrived whole and valid before
   * `signal` aborted; a failure leaves nothing behind (no cooldown, no fetch still in flight for
   * a request to join), so the first token fetches as it would have without the prefetch.
   * Rejects when any issuer's keys could not be had; with a cache handed in, when none could.
   */
  prefetchKeys(signal: AbortSignal): Promise<void>;
}

export interface TokenVerifierDeps {
  /** Defaults to aws-jwt-verify's cache with this project's fetcher and penalty box. */
  readonly jwksCache?: JwksCache;
  /** Clock in milliseconds, for the checks this module adds. */
  readonly now?: () => number;
  /** Agent for HTTPS JWKS requests; tests pass one that trusts their own certificate. */
  readonly jwksHttpsAgent?: HttpsAgent;
}

export function createTokenVerifier(
  config: AuthorizerConfig,
  deps: TokenVerifierDeps = {},
): TokenVerifier {
  const now = deps.now ?? Date.now;
  // Tokens already verified, by their exact string: a repeated token skips the signature check
  // (the same bytes verify the same way). Kept only inside the token's acceptance window (before
  // exp + skew), and forgotten whenever the issuer keys are reloaded, so a withdrawn key is not
  // trusted through this cache either.
  const verifiedTokens =
    config.verifiedTokenCacheEntries > 0
      ? new BoundedCache<VerifiedToken>({
          maxEntries: config.verifiedTokenCacheEntries,
          maxBytes: config.verifiedTokenCacheEntries * 4096,
          bytesOf: (key) => key.length * 2 + 512,
          now,
        })
      : undefined;
  const fetcher = new JwksFetcher({
    allowedUris: config.issuers.map((issuer) => issuer.jwksUri),
    allowHttpHosts: config.jwksAllowHttpHosts,
    timeoutMs: config.jwksTimeoutMs,
    httpsAgent: deps.jwksHttpsAgent,
  });
  const maxAgeCache: MaxAgeJwksCache | undefined = deps.jwksCache
    ? undefined
    : new MaxAgeJwksCache({
        inner: new SimpleJwksCache({
          fetcher,
          penaltyBox: new SimplePenaltyBox({ waitSeconds: config.jwksCooldownSeconds }),
        }),
        maxAgeMs: config.jwksMaxAgeSeconds * 1000,
        retryAfterMs: config.jwksCooldownSeconds * 1000,
        now,
        onRefresh: () => verifiedTokens?.clear(),
      });
  const jwksCache: JwksCache = deps.jwksCache ?? (maxAgeCache as MaxAgeJwksCache);
  const jwksUris = new Map(config.issuers.map((issuer) => [issuer.issuer, issuer.jwksUri]));

  // One configuration per issuer, each with its own rules (issuer-checks.ts): aws-jwt-verify
  // picks it by the token's iss and applies it after the signature is verified with that
  // issuer's keys.
  const verifier = ListScopeJwtVerifier.create(
    config.issuers.map((issuer) => ({
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      // With client_id as the audience claim, aud is not checked by the library but by the
      // issuer's check.
      audience: issuer.audienceClaim === 'aud' ? [...issuer.audience] : null,
      graceSeconds: config.clockSkewSeconds,
      customJwtCheck: issuerCheck(issuer),
    })),
    { jwksCache },
  );

  return {
    async verify(token: string): Promise<VerifiedToken> {
      if (token.length > config.maxTokenBytes) {
        throw new TokenRejectedError('TOKEN_TOO_LARGE', 'JWT is larger than allowed');
      }
      const known = verifiedTokens?.get(token);
      if (known !== undefined) {
        // Every hit is checked against the window too; an entry met past it is dropped.
        if (!isWithinWindow(known.exp)) verifiedTokens?.delete(token);
        checkExpiry(known.exp);
        return known;
      }
      let payload: JwtPayload;
      try {
        payload = await verifier.verify(token);
      } catch (error) {
        throw translateVerifyError(error);
      }
      const verified = checkClaims(payload);
      // Kept while the token is valid (until exp + skew, that instant excluded) and no longer
      // than until its issuer's keys are due to be read again. lru-cache still serves an entry
      // at exactly its ttl, hence the 1 ms less.
      const current = now();
      const keysDue = maxAgeCache?.refreshDueAt(jwksUris.get(verified.iss) ?? '') ?? current;
      const end = Math.min((verified.exp + config.clockSkewSeconds) * 1000, keysDue);
      const ttl = Math.floor(end - current) - 1;
      if (ttl >= 1) verifiedTokens?.set(token, verified, ttl);
      return verified;
    },

    async prefetchKeys(signal: AbortSignal): Promise<void> {
      // A cache handed in (tests) is filled the library's way.
      if (maxAgeCache === undefined) return verifier.hydrate();
      // Not through the cache's own getJwks: a fetch it still had in flight when the init phase
      // ended would be joined by the first request, and fail it if that fetch then failed
      // (after a provisioned-concurrency freeze, say) where a fresh fetch would have worked.
      const uris = [...new Set(config.issuers.map((issuer) => issuer.jwksUri))];
      const results = await Promise.allSettled(
        uris.map(async (uri) => {
          const jwks = parseJwks(uri, await fetcher.fetch(uri, { signal }));
          if (!signal.aborted) maxAgeCache.addJwks(uri, jwks);
        }),
      );
      const failures = results.filter((result) => result.status === 'rejected');
      if (failures.length > 0) {
        throw new AggregateError(
          failures.map((failure) => failure.reason as unknown),
          'issuer keys not prefetched',
        );
      }
    },
  };

  /** Strictly before exp + skew: a token is no longer valid at that instant. */
  function isWithinWindow(exp: number): boolean {
    return now() / 1000 < exp + config.clockSkewSeconds;
  }

  function checkExpiry(exp: number): void {
    if (!isWithinWindow(exp)) throw new TokenRejectedError('EXPIRED', 'JWT is expired');
  }

  function checkClaims(payload: JwtPayload): VerifiedToken {
    const iss = payload.iss;
    if (typeof iss !== 'string') {
      throw new TokenRejectedError('UNTRUSTED_ISSUER', 'JWT has no issuer');
    }
    const exp: unknown = payload.exp;
    if (typeof exp !== 'number') {
      throw new TokenRejectedError('MISSING_EXP', 'JWT has no exp claim');
    }
    checkExpiry(exp);
    const sub = payload.sub;
    if (sub !== undefined) {
      const problem = subjectKeyProblem(iss, sub);
      if (problem !== undefined) throw new TokenRejectedError('INVALID_CLAIMS', `JWT ${problem}`);
    }
    const jti: unknown = payload[config.jtiClaim];
    if (jti === undefined) {
      // Opt-in: such tokens can still be revoked per subject, so they need one.
      if (!config.allowTokensWithoutJti || sub === undefined) {
        throw new TokenRejectedError('MISSING_JTI', `JWT has no ${config.jtiClaim} claim`);
      }
    } else {
      if (typeof jti !== 'string') {
        throw new TokenRejectedError('BAD_JTI', `JWT ${config.jtiClaim} claim is not a string`);
      }
      const problem = tokenKeyProblem(iss, jti);
      if (problem !== undefined) throw new TokenRejectedError('BAD_JTI', `JWT ${problem}`);
    }
    for (const claim of ['scope', 'scp'] as const) {
      const scope: unknown = payload[claim];
      if (scope !== undefined && !isScopeValue(scope)) {
        throw new TokenRejectedError(
          'INVALID_CLAIMS',
          `JWT ${claim} claim is not a string or a list of strings`,
        );
      }
    }
    const iat: unknown = payload.iat;
    return {
      iss,
      jti,
      sub,
      exp,
      iat: typeof iat === 'number' ? iat : undefined,
      revocationKey: jti === undefined ? undefined : tokenKey(iss, jti),
      subjectKey: sub === undefined ? undefined : subjectKey(iss, sub),
      claims: payload,
    };
  }
}

/** A JWKS document checked as aws-jwt-verify checks the ones it fetches itself. */
function parseJwks(uri: string, body: ArrayBuffer): Jwks {
  let jwks: Json;
  try {
    jwks = safeJsonParse(new TextDecoder('utf8', { fatal: true, ignoreBOM: true }).decode(body));
  } catch (error) {
    throw new JwksValidationError(`JWKS at ${uri} could not be parsed as JSON: ${String(error)}`);
  }
  assertIsJwks(jwks);
  return jwks;
}

const REJECTIONS: ReadonlyArray<[abstract new (...args: never[]) => Error, RejectionCode]> = [
  [JwtParseError, 'MALFORMED_TOKEN'],
  [ParameterValidationError, 'UNTRUSTED_ISSUER'],
  [JwtInvalidIssuerError, 'UNTRUSTED_ISSUER'],
  [JwtInvalidSignatureError, 'BAD_SIGNATURE'],
  [JwtInvalidSignatureAlgorithmError, 'ALGORITHM_NOT_ALLOWED'],
  [NotSupportedError, 'ALGORITHM_NOT_ALLOWED'],
  [JwtInvalidAudienceError, 'BAD_AUDIENCE'],
  [CognitoJwtInvalidTokenUseError, 'BAD_TOKEN_USE'],
  [JwtExpiredError, 'EXPIRED'],
  [JwtNotBeforeError, 'NOT_YET_VALID'],
  [JwtWithoutValidKidError, 'UNKNOWN_KEY'],
  [KidNotFoundInJwksError, 'UNKNOWN_KEY'],
  [WaitPeriodNotYetEndedJwkError, 'UNKNOWN_KEY'],
  [JwkValidationError, 'UNKNOWN_KEY'],
  [JwkInvalidUseError, 'UNKNOWN_KEY'],
  [JwkInvalidKtyError, 'UNKNOWN_KEY'],
];

/**
 * Maps aws-jwt-verify's errors onto ours. A fault of the token is a 401; not being able to get
 * the issuer's keys is a 500 (the token's status cannot be established). Anything unknown stays
 * a 500: never an Allow, and never a confident "Unauthorized" for a fault we do not understand.
 */
function translateVerifyError(error: unknown): Error {
  if (error instanceof TokenRejectedError) return error;
  if (
    error instanceof FetchError ||
    error instanceof JwksValidationError ||
    error instanceof JwksNotAvailableInCacheError
  ) {
    return new KeysUnavailableError(`issuer keys unavailable: ${error.message}`, { cause: error });
  }
  for (const [errorClass, code] of REJECTIONS) {
    if (error instanceof errorClass) {
      return new TokenRejectedError(code, error.message, { cause: error });
    }
  }
  if (error instanceof JwtBaseError) {
    return new TokenRejectedError('INVALID_CLAIMS', error.message, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
