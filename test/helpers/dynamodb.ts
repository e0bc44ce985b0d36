/**
 * A real DynamoDB-compatible server for the tests: dynalite on loopback, started by the test
 * run itself. It counts the operations it receives, so tests can assert "no DynamoDB request"
 * at the server rather than through mocks.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../../lambda/revocation-store';
import { ensureRevocationTable } from '../../local/revocation-table';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export class LocalDynamoDb {
  /** Operations received, by name (`GetItem`, `PutItem`, ...). */
  readonly operations: string[] = [];
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {
    server.on('request', (request: { headers: Record<string, string | undefined> }) => {
      const target = request.headers['x-amz-target'] ?? '';
      this.operations.push(target.split('.').pop() ?? target);
    });
  }

  static async start(): Promise<LocalDynamoDb> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new LocalDynamoDb(server, `http://127.0.0.1:${port}`);
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
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
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
    new PutItemCommand({ TableName: tableName, Item: { [PARTITION_KEY]: { S: key }, ...extra } }),
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
export type FaultKind = 'refuse' | 'hang' | 'throttle' | 'status-500' | 'access-denied' | 'garbage';
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
      case 'pass': {
        if (!upstream) throw new Error('pass mode needs an upstream');
        const forward = httpRequest(
          `${upstream}${request.url ?? '/'}`,
          { method: request.method, headers: request.headers },
          (upstreamResponse) => {
            response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
            upstreamResponse.pipe(response);
          },
        );
        forward.on('error', () => response.destroy());
        request.pipe(forward);
        return;
      }
      case 'hang':
        request.resume();
        return;
      case 'throttle':
        return json(400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.');
      case 'status-500':
        return json(500, 'InternalServerError', 'Internal server error');
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
