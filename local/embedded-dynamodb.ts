/**
 * The embedded DynamoDB of local mode: AWS's DynamoDB Local (`dynamodb-local.ts`) on loopback.
 * With a data folder, what it stores survives restarts; without one it keeps everything in
 * memory. It can be stopped and started again on the same port, as a store outage would look to
 * the authorizer.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDbLocal } from './dynamodb-local';

export interface EmbeddedDynamoDbOptions {
  /** Folder for the database file; `undefined` keeps everything in memory. */
  readonly dataDir?: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port?: number;
}

export class EmbeddedDynamoDb {
  private store: DynamoDbLocal | undefined;
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
      // Earlier versions kept a dynalite database in `dynamodb/`; it is left as it is.
      dbPath = join(options.dataDir, 'dynamodb-local');
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
    return this.store !== undefined;
  }

  /** Starts serving again (on the same port after a `pause`). */
  async resume(): Promise<void> {
    if (this.store) return;
    this.store = await DynamoDbLocal.start({ dbPath: this.dbPath, port: this.port });
    this.port = this.store.port;
  }

  /** Stops serving (the database file, if any, stays); `resume` brings it back. */
  async pause(): Promise<void> {
    const store = this.store;
    if (!store) return;
    this.store = undefined;
    await store.stop();
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
