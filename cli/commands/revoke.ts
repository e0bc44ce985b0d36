import {
  hasEnded,
  isoSeconds,
  revocationUntil,
  tokenRevocationProblem,
  writeTokenRevocation,
} from '../../lambda/revocations/table';
import { auditFields, tokenTarget, UsageError } from '../arguments';
import type { Command } from '../command';
import { withStore } from '../store';

/** `jti revoke`: revokes one token until it expires. */
export const revokeCommand: Command = {
  help: `Usage: jti revoke <token | -> [--reason "<text>"]
       jti revoke --iss <issuer> --jti <id> --exp <epoch seconds | ISO date> [--sub <subject>] [--reason "<text>"]

Revokes one token: the authorizer answers 403 for it until it expires. From a token, iss, jti,
exp and sub are read from its payload; the token is not verified (revoking is always safe).
Give - instead of the token to read it from standard input, which keeps it out of the shell's
history and the process list: jti revoke - < token.txt`,
  takesToken: true,
  options: {
    iss: { type: 'string' },
    jti: { type: 'string' },
    exp: { type: 'string' },
    sub: { type: 'string' },
    reason: { type: 'string' },
  },
  run: async (context) => {
    const { io, values, json, now } = context;
    const target = tokenTarget(context, true);
    const exp = target.exp as number;
    const until = revocationUntil(exp);
    if (hasEnded(until, now() / 1000)) {
      const message = `token expired at ${isoSeconds(exp)}, beyond any authorizer's clock-skew leeway; it is refused anyway`;
      io.out(
        json
          ? JSON.stringify({
              revoked: false,
              reason: 'expired',
              iss: target.iss,
              jti: target.jti,
            })
          : message,
      );
      return 0;
    }
    const revocation = {
      iss: target.iss,
      jti: target.jti,
      exp,
      sub: target.sub,
      ...auditFields(io, values),
    };
    const problem = tokenRevocationProblem(revocation);
    if (problem) throw new UsageError(`cannot revoke: ${problem}`);
    const { changed } = await withStore(io, values, (client, tableName) =>
      writeTokenRevocation(client, tableName, revocation, now),
    );
    io.out(
      json
        ? JSON.stringify({ revoked: true, changed, iss: target.iss, jti: target.jti, until })
        : changed
          ? `revoked jti ${target.jti} of ${target.iss} until ${isoSeconds(until)} (its exp and the largest leeway)`
          : `jti ${target.jti} of ${target.iss} was already revoked until ${isoSeconds(until)} or later; nothing changed`,
    );
    return 0;
  },
};
