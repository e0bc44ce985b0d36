import { readRevocationStatus } from '../../lambda/revocations/table';
import { keyTarget } from '../arguments';
import type { Command } from '../command';
import { withStore } from '../store';

/** `jti status`: whether a token or subject is revoked, why, since and until when. */
export const statusCommand: Command = {
  help: `Usage: jti status <token | ->
       jti status --iss <issuer> --jti <id>
       jti status --iss <issuer> --sub <subject>

Tells whether a token (or a subject's "log out everywhere") is revoked in the table, why, since
when and until when.`,
  takesToken: true,
  options: { iss: { type: 'string' }, jti: { type: 'string' }, sub: { type: 'string' } },
  run: async (context) => {
    const { io, values, json, now } = context;
    const target = keyTarget(context);
    const status = await withStore(io, values, (client, tableName) =>
      readRevocationStatus(client, tableName, target.key, now() / 1000),
    );
    if (json) {
      io.out(JSON.stringify({ ...target.fields, ...status }));
    } else if (!status.revoked) {
      io.out(
        `not revoked: ${target.label}${status.expiredAt ? ` (a revocation ended at ${status.expiredAt})` : ''}`,
      );
    } else {
      io.out(
        [
          `revoked: ${target.label}`,
          ...(status.notBefore ? [`  tokens issued before ${status.notBefore}`] : []),
          `  since  ${status.revokedAt ?? 'unknown'}`,
          `  until  ${status.until ?? 'no end recorded'}`,
          `  reason ${status.reason ?? '-'}`,
          `  by     ${status.revokedBy ?? '-'}`,
        ].join('\n'),
      );
    }
    return 0;
  },
};
