/**
 * The running local server leaves a small state file in its data folder, so that `npx jti`
 * finds its embedded DynamoDB, table and dev issuer with no settings.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface LocalState {
  readonly pid: number;
  readonly url: string;
  readonly issuer: string;
  readonly audience: string;
  /** True when the dev issuer (key in the data folder) signs tokens. */
  readonly devIssuer: boolean;
  readonly dynamoDbEndpoint: string | undefined;
  readonly tableName: string;
  /**
   * Credentials of the operator identity on the local IAM-enforcing endpoint: the CLI acts with
   * exactly the permissions docs/permissions.md asks for an operator. Made up per run, local only.
   */
  readonly operatorCredentials?: LocalCredentials;
  /** The authorizer role's, for `npm run invoke` against this server's store. */
  readonly authorizerCredentials?: LocalCredentials;
}

interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const STATE_FILE = 'server.json';

/** The data folder: `LOCAL_DATA_DIR`, else `.local` in the current folder. */
export function localDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.LOCAL_DATA_DIR ?? '.local');
}

export function writeState(dataDir: string, state: LocalState): void {
  writeFileSync(join(dataDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

export function removeState(dataDir: string, pid = process.pid): void {
  const state = readState(dataDir, { requireAlive: false });
  if (state?.pid === pid) rmSync(join(dataDir, STATE_FILE), { force: true });
}

/** The state of a running server, or `undefined` when none runs from this folder. */
export function readState(
  dataDir: string,
  options: { requireAlive?: boolean } = {},
): LocalState | undefined {
  const file = join(dataDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  let state: LocalState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as LocalState;
  } catch {
    return undefined;
  }
  if (options.requireAlive !== false && !isAlive(state.pid)) return undefined;
  return state;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
