/**
 * `jti`: the revocation CLI. Works against real DynamoDB (AWS credentials, `AWS_REGION`,
 * `REVOCATION_TABLE_NAME`), a local one (`AWS_ENDPOINT_URL_DYNAMODB`), or, with no settings,
 * the store and dev issuer of a running `npm start`.
 *
 * Exit codes: 0 done, 1 the store failed, 2 bad input.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './arguments';
import type { CliIo, Command } from './command';
import { listCommand } from './commands/list';
import { revokeCommand } from './commands/revoke';
import { revokeSubjectCommand } from './commands/revoke-subject';
import { statusCommand } from './commands/status';
import { tokenCommand } from './commands/token';
import { unrevokeCommand } from './commands/unrevoke';
import { storeErrorMessage } from './store';
import { packageVersion } from './version';

export { readTokenClaims } from './arguments';
export type { CliIo } from './command';
export { resolveStore } from './store';

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
revoke, status and unrevoke read the token from standard input when it is given as -
(keeps it out of shell history and process lists: jti revoke - < token.txt).
jti --version prints the package's version.
The store: REVOCATION_TABLE_NAME and AWS_ENDPOINT_URL_DYNAMODB, else the running npm start.
Exit codes: 0 done, 1 the store failed, 2 bad input.`;

const COMMANDS: Record<string, Command> = {
  token: tokenCommand,
  revoke: revokeCommand,
  status: statusCommand,
  unrevoke: unrevokeCommand,
  'revoke-subject': revokeSubjectCommand,
  list: listCommand,
};

/** Runs one command line; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.out(packageVersion());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
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
      positionals: command.takesToken
        ? await tokenFromStdin(parsed.positionals, io)
        : parsed.positionals,
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

/** The positionals with a lone `-` replaced by the token read from standard input. */
async function tokenFromStdin(positionals: string[], io: CliIo): Promise<string[]> {
  if (positionals.length !== 1 || positionals[0] !== '-') return positionals;
  const token = (io.readStdin ? await io.readStdin() : '').trim();
  if (!token) throw new UsageError('no token on standard input (for -)');
  return [token];
}
