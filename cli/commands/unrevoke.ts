import { deleteSubjectRevocation, deleteTokenRevocation } from '../../lambda/revocations/table';
import { keyTarget } from '../arguments';
import type { Command } from '../command';
import { withStore } from '../store';

/** `jti unrevoke`: removes a revocation made by mistake. */
export const unrevokeCommand: Command = {
  help: `Usage: jti unrevoke <token | ->
       jti unrevoke --iss <issuer> --jti <id>
       jti unrevoke --iss <issuer> --sub <subject>

Removes a revocation made by mistake (of a token, or a subject's "log out everywhere"). Warm
authorizer containers learn of it at their next generation poll and drop their cached answers.`,
  takesToken: true,
  options: { iss: { type: 'string' }, jti: { type: 'string' }, sub: { type: 'string' } },
  run: async (context) => {
    const { io, values, json } = context;
    const target = keyTarget(context);
    const existed = await withStore(io, values, (client, tableName) =>
      target.fields.jti !== undefined
        ? deleteTokenRevocation(client, tableName, target.fields.iss, target.fields.jti)
        : deleteSubjectRevocation(client, tableName, target.fields.iss, target.fields.sub ?? ''),
    );
    io.out(
      json
        ? JSON.stringify({ removed: existed, ...target.fields })
        : existed
          ? `removed the revocation of ${target.label}`
          : `no revocation of ${target.label} was found`,
    );
    return 0;
  },
};
