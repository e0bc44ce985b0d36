/**
 * The embedded DynamoDB of local mode: dynalite (DynamoDB's API over LevelDB, pure npm) on
 * loopback. With a data folder, what it stores survives restarts; without one it keeps
 * everything in memory. It can be stopped and started again on the same port, as a store
 * outage would look to the authorizer.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export interface EmbeddedDynamoDbOptions {
  /** Folder for the LevelDB files; `undefined` keeps everything in memory. */
  readonly dataDir?: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port?: number;
}

export class EmbeddedDynamoDb {
  private server: Server | undefined;
  private port: number;

  private constructor(
    private readonly dbPath: string | undefined,
    port: number,
  ) {
    this.port = port;
  }

  static async start(options: EmbeddedDynamoDbOptions = {}): Promise<EmbeddedDynamoDb> {
    let dbPath: string | undefined;
    if (options.dataDir !== undefined) {
      dbPath = join(options.dataDir, 'dynamodb');
      assertWritable(options.dataDir);
      mkdirSync(dbPath, { recursive: true });
    }
    const store = new EmbeddedDynamoDb(dbPath, options.port ?? 0);
    await store.resume();
    return store;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Starts serving again (on the same port after a `pause`). */
  async resume(): Promise<void> {
    if (this.server) return;
    const server = dynalite({
      path: this.dbPath,
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops serving and closes the database, flushing it to disk; `resume` brings it back. */
  async pause(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections?.();
    await new Promise<void>((resolve, reject) =>
      server.close((error?: Error) => (error ? reject(error) : resolve())),
    );
  }

  async stop(): Promise<void> {
    await this.pause();
  }
}

/** Creates the data folder if needed and makes sure it can be written, with a clear error. */
export function assertWritable(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `the data folder ${dataDir} is not writable (${reason}); choose another with --data-dir or use --in-memory`,
    );
  }
}
