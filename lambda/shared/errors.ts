/**
 * The authorizer's error hierarchy. Every error carries a stable `code`; callers switch on
 * codes, never on messages. Names are set as literals so they survive minification.
 *
 * Two families matter to API Gateway:
 * - {@link TokenRejectedError}: the request carries no acceptable token (answered 401);
 * - everything else: the authorizer could not establish the token's status (answered 500,
 *   fail closed). See `responses.ts` for the one place that maps them.
 */

/** Why a token was refused with 401. Stable strings: they appear in logs and metrics. */
export type RejectionCode =
  | 'MISSING_TOKEN'
  | 'MALFORMED_HEADER'
  | 'TOKEN_TOO_LARGE'
  | 'MALFORMED_TOKEN'
  | 'UNTRUSTED_ISSUER'
  | 'BAD_SIGNATURE'
  | 'ALGORITHM_NOT_ALLOWED'
  | 'UNKNOWN_KEY'
  | 'BAD_AUDIENCE'
  | 'EXPIRED'
  | 'MISSING_EXP'
  | 'NOT_YET_VALID'
  | 'BAD_TYP'
  | 'BAD_TOKEN_USE'
  | 'BAD_JTI'
  | 'MISSING_JTI'
  | 'INVALID_CLAIMS';

/** The token cannot be accepted; API Gateway answers 401. */
export class TokenRejectedError extends Error {
  readonly code: RejectionCode;
  constructor(code: RejectionCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenRejectedError';
    this.code = code;
  }
}

/** A setting is missing or malformed; the cold start fails with the setting's name. */
export class ConfigurationError extends Error {
  readonly code = 'BAD_CONFIGURATION';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid authorizer configuration: ${problems.join('; ')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}

/** The revocation store did not give a usable answer within its budget. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** The issuer's keys could not be obtained (JWKS unreachable, or not a usable JWKS). */
export class KeysUnavailableError extends Error {
  readonly code = 'KEYS_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeysUnavailableError';
  }
}

/** The stable code of any error, for logs and metrics. */
export function errorCode(error: unknown): string {
  if (error instanceof TokenRejectedError) return error.code;
  if (
    error instanceof ConfigurationError ||
    error instanceof StoreUnavailableError ||
    error instanceof KeysUnavailableError
  ) {
    return error.code;
  }
  return 'INTERNAL_ERROR';
}
