/**
 * The command line's shared parts: the token or key a command acts on, instants and durations,
 * the audit fields of a revocation, and the error that says the input is wrong.
 */
import { ENV } from '../lambda/shared/settings';
import { subjectKey, tokenKey } from '../lambda/revocations/table';
import { parseDuration } from '../local/dev-issuer';
import type { CliIo, CommandContext, CommandValues } from './command';

/** A mistake in the command line or its input: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface TokenTarget {
  readonly iss: string;
  readonly jti: string;
  readonly exp?: number;
  readonly sub?: string;
}

/** The token a command acts on: a positional token, or --iss and --jti (and --exp). */
export function tokenTarget(
  { values, positionals, io }: CommandContext,
  needsExp: boolean,
): TokenTarget {
  if (positionals.length > 1) throw new UsageError('give one token');
  const token = positionals[0];
  if (token !== undefined) {
    if (values.iss !== undefined || values.jti !== undefined) {
      throw new UsageError('give either a token or --iss and --jti, not both');
    }
    return readTokenClaims(stripBearer(token), io.env[ENV.jtiClaim] ?? 'jti', needsExp);
  }
  const iss = values.iss;
  const jti = values.jti;
  if (typeof iss !== 'string' || !iss || typeof jti !== 'string') {
    throw new UsageError('give a token, or --iss and --jti');
  }
  const exp = values.exp;
  if (needsExp && typeof exp !== 'string') {
    throw new UsageError(
      '--exp is required with --iss and --jti: the token expiry (epoch seconds or ISO date)',
    );
  }
  return {
    iss,
    jti,
    exp: typeof exp === 'string' ? parseInstant(exp) : undefined,
    sub: typeof values.sub === 'string' ? values.sub : undefined,
  };
}

export interface KeyTarget {
  readonly key: string;
  readonly label: string;
  readonly fields: { iss: string; jti?: string; sub?: string };
}

/** A token (positional, or --iss and --jti) or a subject (--iss and --sub). */
export function keyTarget(context: CommandContext): KeyTarget {
  const { values, positionals } = context;
  if (positionals.length === 0 && typeof values.sub === 'string' && values.jti === undefined) {
    const iss = values.iss;
    if (typeof iss !== 'string' || !iss || !values.sub) {
      throw new UsageError('give --iss with --sub');
    }
    return {
      key: subjectKey(iss, values.sub),
      label: `subject ${values.sub} of ${iss}`,
      fields: { iss, sub: values.sub },
    };
  }
  const target = tokenTarget(context, false);
  return {
    key: tokenKey(target.iss, target.jti),
    label: `jti ${target.jti} of ${target.iss}`,
    fields: { iss: target.iss, jti: target.jti },
  };
}

/** Who revoked, and why: the audit fields every CLI revocation carries. */
export function auditFields(
  io: CliIo,
  values: CommandValues,
): { reason: string | undefined; revokedBy: string } {
  return {
    reason: typeof values.reason === 'string' ? values.reason : undefined,
    revokedBy: io.env.USER ? `cli:${io.env.USER}` : 'cli',
  };
}

function stripBearer(token: string): string {
  return token.trim().replace(/^bearer\s+/i, '');
}

/** Reads iss, jti, exp and sub from a compact JWT without verifying it. */
export function readTokenClaims(token: string, jtiClaim: string, needsExp: boolean): TokenTarget {
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1] ?? '')) {
    throw new UsageError('this is not a JWT (expected three base64url parts separated by dots)');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    throw new UsageError('the JWT payload is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new UsageError('the JWT payload is not a JSON object');
  }
  const claims = payload as Record<string, unknown>;
  const { iss, exp, sub } = claims;
  const jti = claims[jtiClaim];
  if (typeof iss !== 'string' || !iss) throw new UsageError('the token has no iss claim');
  if (typeof jti !== 'string' || !jti) {
    throw new UsageError(
      `the token has no ${jtiClaim} claim (a string): it cannot be revoked by itself`,
    );
  }
  if (needsExp && (typeof exp !== 'number' || !Number.isFinite(exp))) {
    throw new UsageError('the token has no numeric exp claim');
  }
  return {
    iss,
    jti,
    exp: typeof exp === 'number' ? exp : undefined,
    sub: typeof sub === 'string' ? sub : undefined,
  };
}

/** Epoch seconds or an ISO date, as epoch seconds. */
export function parseInstant(text: string, option = '--exp'): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const millis = Date.parse(text);
  if (Number.isNaN(millis)) {
    throw new UsageError(`${option}: "${text}" is neither epoch seconds nor an ISO date`);
  }
  return Math.floor(millis / 1000);
}

/** A duration such as 15m or 30d, in seconds. */
export function parseDurationOption(text: string, option = '--ttl'): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`${option}: ${(error as Error).message}`);
  }
}
