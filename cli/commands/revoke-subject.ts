import {
  isoSeconds,
  subjectRevocationProblem,
  writeSubjectRevocation,
} from '../../lambda/revocations/table';
import { auditFields, parseDurationOption, parseInstant, UsageError } from '../arguments';
import type { Command } from '../command';
import { withStore } from '../store';

/** `jti revoke-subject`: logs a subject out everywhere. */
export const revokeSubjectCommand: Command = {
  help: `Usage: jti revoke-subject --iss <issuer> --sub <subject> [--before <epoch seconds | ISO date>] [--keep 30d] [--reason "<text>"]

Log out everywhere: revokes every token of the subject issued before --before (default: now,
rounded up to the next second, so tokens issued this second are revoked too). The record is
kept for --keep after that time (default 30d): longer than any token of the issuer lives. A
later revocation time already recorded is kept.`,
  options: {
    iss: { type: 'string' },
    sub: { type: 'string' },
    before: { type: 'string' },
    keep: { type: 'string' },
    reason: { type: 'string' },
  },
  run: async ({ io, values, json, now }) => {
    const iss = values.iss;
    const sub = values.sub;
    if (typeof iss !== 'string' || !iss || typeof sub !== 'string' || !sub) {
      throw new UsageError('--iss and --sub are required');
    }
    const notBefore =
      typeof values.before === 'string'
        ? parseInstant(values.before, '--before')
        : Math.floor(now() / 1000) + 1;
    const keepSeconds =
      typeof values.keep === 'string' ? parseDurationOption(values.keep, '--keep') : 30 * 86400;
    const revocation = {
      iss,
      sub,
      notBefore,
      keepUntil: notBefore + keepSeconds,
      ...auditFields(io, values),
    };
    const problem = subjectRevocationProblem(revocation);
    if (problem) throw new UsageError(`cannot revoke: ${problem}`);
    const { changed } = await withStore(io, values, (client, tableName) =>
      writeSubjectRevocation(client, tableName, revocation, now),
    );
    io.out(
      json
        ? JSON.stringify({ revoked: true, changed, iss, sub, notBefore })
        : changed
          ? `revoked every token of subject ${sub} of ${iss} issued before ${isoSeconds(notBefore)}`
          : `subject ${sub} of ${iss} was already revoked from ${isoSeconds(notBefore)} or later; nothing changed`,
    );
    return 0;
  },
};
