/**
 * `jti`: the revocation CLI. Works against real DynamoDB (AWS credentials, `AWS_REGION`,
 * `REVOCATION_TABLE_NAME`), a local one (`AWS_ENDPOINT_URL_DYNAMODB`), or, with no settings,
 * the store and dev issuer of a running `npm start`.
 *
 * Exit codes: 0 done, 1 the store failed, 2 bad input.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import {
  isoSeconds,
  listRevocations,
  readRevocationStatus,
  subjectKey,
  tokenKey,
  deleteSubjectRevocation,
  deleteTokenRevocation,
  subjectRevocationProblem,
  tokenRevocationProblem,
  writeSubjectRevocation,
  writeTokenRevocation,
} from '../lambda/revocations/table';
import { DEV_AUDIENCE, loadOrCreateDevKey, mintToken, parseDuration } from '../local/dev-issuer';
import { localDataDir, readState, type LocalState } from '../local/state';

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Clock in milliseconds. */
  readonly now?: () => number;
}

/** A mistake in the command line or its input: exit code 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  table: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const MAIN_HELP = `Usage: jti <command> [options]

Commands:
  token            mint a token from the local dev issuer (npm start)
  revoke           revoke one token, from the token itself or from --iss, --jti and --exp
  revoke-subject   log a subject out everywhere: revoke its tokens issued before a time
  status           tell whether a token or subject is revoked, why, since and until when
  unrevoke         remove a revocation made by mistake
  list             list the revocations in force, a page at a time

Each command takes --help, --json (output for scripts) and --table <name>.
The store: REVOCATION_TABLE_NAME and AWS_ENDPOINT_URL_DYNAMODB, else the running npm start.
Exit codes: 0 done, 1 the store failed, 2 bad input.`;

interface Command {
  readonly help: string;
  readonly options: ParseArgsConfig['options'];
  readonly run: (context: CommandContext) => Promise<number> | number;
}

interface CommandContext {
  readonly io: CliIo;
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
  readonly json: boolean;
  readonly now: () => number;
}

const COMMANDS: Record<string, Command> = {
  token: {
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
  },

  revoke: {
    help: `Usage: jti revoke <token> [--reason "<text>"]
       jti revoke --iss <issuer> --jti <id> --exp <epoch seconds | ISO date> [--sub <subject>] [--reason "<text>"]

Revokes one token: the authorizer answers 403 for it until it expires. From a token, iss, jti,
exp and sub are read from its payload; the token is not verified (revoking is always safe).`,
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
      if (exp <= now() / 1000) {
        const message = `token already expired at ${isoSeconds(exp)}; the authorizer refuses it anyway`;
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
      await withStore(io, values, (client, tableName) =>
        writeTokenRevocation(client, tableName, revocation, now),
      );
      io.out(
        json
          ? JSON.stringify({ revoked: true, iss: target.iss, jti: target.jti, until: exp })
          : `revoked jti ${target.jti} of ${target.iss} until ${isoSeconds(exp)}`,
      );
      return 0;
    },
  },

  status: {
    help: `Usage: jti status <token>
       jti status --iss <issuer> --jti <id>
       jti status --iss <issuer> --sub <subject>

Tells whether a token (or a subject's "log out everywhere") is revoked in the table, why, since
when and until when.`,
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
  },

  unrevoke: {
    help: `Usage: jti unrevoke <token>
       jti unrevoke --iss <issuer> --jti <id>
       jti unrevoke --iss <issuer> --sub <subject>

Removes a revocation made by mistake (of a token, or a subject's "log out everywhere"). Warm
authorizer containers learn of it at their next generation poll and drop their cached answers.`,
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
  },

  'revoke-subject': {
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
      await withStore(io, values, (client, tableName) =>
        writeSubjectRevocation(client, tableName, revocation, now),
      );
      io.out(
        json
          ? JSON.stringify({ revoked: true, iss, sub, notBefore })
          : `revoked every token of subject ${sub} of ${iss} issued before ${isoSeconds(notBefore)}`,
      );
      return 0;
    },
  },

  list: {
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
  },
};

/** Runs one command line; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`jti: unknown command "${name}"\n\n${MAIN_HELP}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.err(`jti ${name}: ${(error as Error).message}\n\n${command.help}`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run({
      io,
      values: parsed.values,
      positionals: parsed.positionals,
      json: parsed.values.json === true,
      now: io.now ?? Date.now,
    });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`jti ${name}: ${error.message}`);
      return 2;
    }
    io.err(`jti ${name}: ${storeErrorMessage(error)}`);
    return 1;
  }
}

interface TokenTarget {
  readonly iss: string;
  readonly jti: string;
  readonly exp?: number;
  readonly sub?: string;
}

/** The token a command acts on: a positional token, or --iss and --jti (and --exp). */
function tokenTarget({ values, positionals, io }: CommandContext, needsExp: boolean): TokenTarget {
  if (positionals.length > 1) throw new UsageError('give one token');
  const token = positionals[0];
  if (token !== undefined) {
    if (values.iss !== undefined || values.jti !== undefined) {
      throw new UsageError('give either a token or --iss and --jti, not both');
    }
    return readTokenClaims(stripBearer(token), io.env.JTI_CLAIM ?? 'jti', needsExp);
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

interface KeyTarget {
  readonly key: string;
  readonly label: string;
  readonly fields: { iss: string; jti?: string; sub?: string };
}

/** A token (positional, or --iss and --jti) or a subject (--iss and --sub). */
function keyTarget(context: CommandContext): KeyTarget {
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
function auditFields(
  io: CliIo,
  values: Record<string, string | boolean | undefined>,
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

function parseInstant(text: string, option = '--exp'): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const millis = Date.parse(text);
  if (Number.isNaN(millis)) {
    throw new UsageError(`${option}: "${text}" is neither epoch seconds nor an ISO date`);
  }
  return Math.floor(millis / 1000);
}

function parseDurationOption(text: string, option = '--ttl'): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`${option}: ${(error as Error).message}`);
  }
}

interface StoreTarget {
  readonly endpoint: string | undefined;
  readonly tableName: string;
  readonly local: LocalState | undefined;
}

/** Where the CLI writes: explicit settings first, then a running npm start. */
export function resolveStore(io: CliIo, tableOption: string | undefined): StoreTarget {
  const local = readState(localDataDir(io.env));
  const endpoint = io.env.AWS_ENDPOINT_URL_DYNAMODB ?? local?.dynamoDbEndpoint;
  const tableName = tableOption ?? io.env.REVOCATION_TABLE_NAME ?? local?.tableName;
  if (!tableName) {
    throw new UsageError(
      'no table: set REVOCATION_TABLE_NAME (or --table), or start the local mode with npm start',
    );
  }
  return { endpoint, tableName, local };
}

async function withStore<T>(
  io: CliIo,
  values: Record<string, string | boolean | undefined>,
  work: (client: DynamoDBClient, tableName: string) => Promise<T>,
): Promise<T> {
  const target = resolveStore(io, typeof values.table === 'string' ? values.table : undefined);
  const usesLocal =
    target.endpoint !== undefined && !io.env.AWS_ACCESS_KEY_ID && !io.env.AWS_PROFILE;
  const client = new DynamoDBClient({
    region:
      io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? (target.endpoint ? 'us-east-1' : undefined),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(usesLocal ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: 3,
  });
  try {
    return await work(client, target.tableName);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw new Error(
        `table ${target.tableName} does not exist${target.endpoint ? ` at ${target.endpoint}` : ''}`,
      );
    }
    throw error;
  } finally {
    client.destroy();
  }
}

function storeErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'CredentialsProviderError' || /credential/i.test(error.message)) {
    return `no AWS credentials: ${error.message} (set AWS_PROFILE or AWS_ACCESS_KEY_ID, or AWS_ENDPOINT_URL_DYNAMODB for a local DynamoDB)`;
  }
  if (
    (error as NodeJS.ErrnoException).code === 'ECONNREFUSED' ||
    /ECONNREFUSED/.test(error.message)
  ) {
    return `cannot reach DynamoDB: ${error.message}`;
  }
  return error.message;
}
