import { DEV_AUDIENCE, loadOrCreateDevKey, mintToken } from '../../local/dev-issuer';
import { localDataDir, readState } from '../../local/state';
import { parseDurationOption, UsageError } from '../arguments';
import type { Command } from '../command';

/** `jti token`: mints a token from the local dev issuer of npm start. */
export const tokenCommand: Command = {
  help: `Usage: jti token --sub <subject> [--scope "<scopes>"] [--ttl 15m] [--aud <audience>] [--client-id <id>]

Mints an access token signed by the local dev issuer of npm start (its key is in the data
folder, .local by default). Prints the token alone, so TOKEN=$(npx jti token --sub alice) works.`,
  options: {
    sub: { type: 'string' },
    scope: { type: 'string' },
    ttl: { type: 'string' },
    aud: { type: 'string' },
    'client-id': { type: 'string' },
  },
  run: ({ io, values, json, now }) => {
    const sub = values.sub;
    if (typeof sub !== 'string' || !sub) throw new UsageError('--sub is required');
    const ttlSeconds = typeof values.ttl === 'string' ? parseDurationOption(values.ttl) : 900;
    const dataDir = localDataDir(io.env);
    const state = readState(dataDir);
    if (state && !state.devIssuer) {
      throw new UsageError(
        'the running npm start checks a real issuer (JWT_ISSUER): get tokens from it',
      );
    }
    const issuer = state?.issuer ?? `http://127.0.0.1:${io.env.PORT ?? '3000'}`;
    const token = mintToken(loadOrCreateDevKey(dataDir), {
      issuer,
      sub,
      audience: typeof values.aud === 'string' ? values.aud : (state?.audience ?? DEV_AUDIENCE),
      scope: typeof values.scope === 'string' ? values.scope : undefined,
      clientId: typeof values['client-id'] === 'string' ? values['client-id'] : undefined,
      ttlSeconds,
      now,
    });
    io.out(json ? JSON.stringify({ token, issuer, expiresIn: ttlSeconds }) : token);
    return 0;
  },
};
