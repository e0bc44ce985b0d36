/**
 * A real DynamoDB for the tests, started by the test run itself: AWS's DynamoDB Local (Java 17),
 * one process for the whole run (jest's global set-up starts it; a file run some other way
 * starts its own). Each test file gets its own loopback proxy in front of it that counts the
 * operations the file's code sends, so tests can assert "no DynamoDB request" at the server
 * rather than through mocks, and its own tables.
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
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { keyOf, TTL_ATTRIBUTE } from '../../lambda/revocations/table';
import { IamDynamoDb, type LocalCredentials } from '../../local/iam/iam-dynamodb';
import { LOCAL_ACCOUNT, LOCAL_REGION, policiesFor, type RoleName } from '../../local/iam/roles';
import { ensureRevocationTable } from '../../lambda/revocations/table';
import { DYNAMODB_LOCAL_CREDENTIALS, DynamoDbLocal } from '../../local/dynamodb-local';

/** The environment variable through which the run's global set-up shares its DynamoDB Local. */
export const SHARED_DYNAMODB_ENDPOINT = 'TEST_DYNAMODB_LOCAL_ENDPOINT';

export const TEST_CREDENTIALS = DYNAMODB_LOCAL_CREDENTIALS;

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
    /** The DynamoDB Local this file started, when the run did not start one. */
    private readonly ownStore?: DynamoDbLocal,
  ) {
    server.on('request', (request: { headers: Record<string, string | undefined> }) => {
      const target = request.headers['x-amz-target'] ?? '';
      this.operations.push(target.split('.').pop() ?? target);
    });
  }

  static async start(): Promise<LocalDynamoDb> {
    const shared = process.env[SHARED_DYNAMODB_ENDPOINT];
    const ownStore = shared ? undefined : await DynamoDbLocal.start();
    const upstream = shared ?? ownStore!.endpoint;
    const proxy = createServer((request, response) => forward(request, response, upstream));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    const db = new LocalDynamoDb(proxy, `http://127.0.0.1:${port}`, ownStore);
    db.iam = await IamDynamoDb.start({
      upstream: db.endpoint,
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
    });
    return db;
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
    await this.ownStore?.stop();
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

/**
 * Unique per test file: a jest worker runs several files in one process, each with this module
 * loaded afresh, so a counter alone would hand the next file a table (and a generation record)
 * the previous one left in the shared DynamoDB Local.
 */
const TABLE_PREFIX = `revocations-${process.pid}-${randomUUID().slice(0, 8)}`;
let tableCounter = 0;

/** Creates a revocation table with the project's key schema; returns its name. */
export async function createRevocationTable(client: DynamoDBClient): Promise<string> {
  const tableName = `${TABLE_PREFIX}-${++tableCounter}`;
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
 * proxy whose mode can change while traffic flows: `pass` forwards to a real (DynamoDB Local)
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
