/**
 * What every `jti` command is: its help text, its options and a run function, given the parsed
 * command line and the process's input and output.
 */
import type { ParseArgsConfig } from 'node:util';

/** The process around the CLI: its environment, its output streams and, for tests, a clock. */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Clock in milliseconds. */
  readonly now?: () => number;
  /** Reads all of standard input (`-` in place of a token). */
  readonly readStdin?: () => Promise<string>;
}

/** The option values `parseArgs` read from a command line. */
export type CommandValues = Record<string, string | boolean | undefined>;

/** One command of the CLI; `runCli` adds the common options (--help, --json, --table). */
export interface Command {
  readonly help: string;
  readonly options: ParseArgsConfig['options'];
  /** A positional token given as `-` is read from standard input instead. */
  readonly takesToken?: boolean;
  /** Returns the exit code; throws `UsageError` for bad input, anything else for the store. */
  readonly run: (context: CommandContext) => Promise<number> | number;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly values: CommandValues;
  readonly positionals: string[];
  readonly json: boolean;
  readonly now: () => number;
}
