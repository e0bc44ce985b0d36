import { listRevocations } from '../../lambda/revocations/table';
import { UsageError } from '../arguments';
import type { Command } from '../command';
import { withStore } from '../store';

/** `jti list`: the revocations in force, a page at a time. */
export const listCommand: Command = {
  help: `Usage: jti list [--limit 50] [--next <cursor>] [--kind token|subject]

Lists the revocations in force, a page at a time (a full table scan: for audits, not for hot
paths). Prints a cursor for the next page when there is one.`,
  options: {
    limit: { type: 'string' },
    next: { type: 'string' },
    kind: { type: 'string' },
  },
  run: async ({ io, values, json, now }) => {
    const limit = typeof values.limit === 'string' ? Number(values.limit) : 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new UsageError('--limit must be a whole number from 1 to 1000');
    }
    const kind = values.kind;
    if (kind !== undefined && kind !== 'token' && kind !== 'subject') {
      throw new UsageError('--kind must be token or subject');
    }
    const cursor = typeof values.next === 'string' ? values.next : undefined;
    if (cursor !== undefined && !/^[A-Za-z0-9_-]+$/.test(cursor)) {
      throw new UsageError('--next is not a cursor printed by jti list');
    }
    const page = await withStore(io, values, (client, tableName) =>
      listRevocations(client, tableName, { limit, next: cursor, kind, nowSeconds: now() / 1000 }),
    );
    const next = page.next;
    const revocations = page.revocations.map(
      ({ kind, iss, jti, sub, notBefore, until, revokedAt, reason }) => ({
        kind,
        iss,
        jti,
        sub,
        notBefore,
        until,
        revokedAt,
        reason,
      }),
    );
    if (json) {
      io.out(JSON.stringify({ revocations, next }));
    } else {
      for (const entry of revocations) {
        const what =
          entry.kind === 'subject'
            ? `subject ${entry.sub} of ${entry.iss}, tokens before ${entry.notBefore}`
            : `jti ${entry.jti} of ${entry.iss}`;
        io.out(`${what}  until ${entry.until ?? '-'}  (${entry.reason ?? 'no reason'})`);
      }
      if (revocations.length === 0) io.out('no revocations in force on this page');
      if (next) io.out(`more: jti list --next ${next}`);
    }
    return 0;
  },
};
