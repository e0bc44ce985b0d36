/**
 * What the authorizer's store sends to DynamoDB and how it treats the answers, against a scripted
 * DynamoDB on a real socket: the batch read's rounds for unprocessed keys, strongly consistent
 * reads, and the client settings that bound every attempt.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { loadConfig } from '../../../../lambda/shared/config';
import { StoreUnavailableError } from '../../../../lambda/shared/errors';
import { createDynamoDbClient } from '../../../../lambda/revocations/table/client';
import { DynamoDbRevocationStore } from '../../../../lambda/revocations/table/reader';

const TABLE = 'revocations';
const NOW = 1_800_000_000_000;
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

interface Request {
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

type Answer = Record<string, unknown> | 'hang';

/** A DynamoDB that records each request and answers each with the next scripted answer. */
class ScriptedDynamoDb {
  readonly requests: Request[] = [];
  connections = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly answer: (request: Request, index: number) => Answer,
  ) {
    server.on('connection', (socket: Socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const target = request.headers['x-amz-target'];
        const recorded = {
          operation: (typeof target === 'string' ? target : '').split('.').pop() ?? '',
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        };
        this.requests.push(recorded);
        const answer = this.answer(recorded, this.requests.length - 1);
        if (answer === 'hang') return;
        response
          .writeHead(200, { 'content-type': 'application/x-amz-json-1.0' })
          .end(JSON.stringify(answer));
      });
    });
  }

  static async start(answer: (request: Request, index: number) => Answer) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ScriptedDynamoDb(server, answer);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const item = (key: string, ttl = NOW / 1000 + 3600) => ({
  pk: { S: key },
  ttl: { N: String(ttl) },
});
const keys = (...names: string[]) => ({ Keys: names.map((name) => ({ pk: { S: name } })) });

async function withStore(
  answer: (request: Request, index: number) => Answer,
  work: (store: DynamoDbRevocationStore, dynamo: ScriptedDynamoDb) => Promise<void>,
  timeoutMs = 5000,
): Promise<void> {
  const dynamo = await ScriptedDynamoDb.start(answer);
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    await work(
      new DynamoDbRevocationStore({ client, tableName: TABLE, timeoutMs, now: () => NOW }),
      dynamo,
    );
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

describe('the batch read of a token and its subject', () => {
  it('asks again for the keys DynamoDB left unprocessed, and answers from every round', async () => {
    const rounds: Answer[] = [
      { Responses: { [TABLE]: [item('t1')] }, UnprocessedKeys: { [TABLE]: keys('s1') } },
      { Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: keys('s1') } },
      { Responses: { [TABLE]: [item('s1')] } },
    ];
    await withStore(
      (_request, index) => rounds[index] ?? {},
      async (store, dynamo) => {
        const revocations = await store.read(['t1', 's1']);

        expect([...revocations.keys()].sort()).toEqual(['s1', 't1']);
        expect(dynamo.requests.map((request) => request.operation)).toEqual([
          'BatchGetItem',
          'BatchGetItem',
          'BatchGetItem',
        ]);
        expect(dynamo.requests[1]?.body).toMatchObject({
          RequestItems: { [TABLE]: keys('s1') },
        });
      },
    );
  });

  it('gives up after three rounds that leave keys unprocessed', async () => {
    await withStore(
      () => ({ Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: keys('t1', 's1') } }),
      async (store, dynamo) => {
        await expect(store.read(['t1', 's1'])).rejects.toThrow(
          new StoreUnavailableError('DynamoDB left keys unprocessed after retries'),
        );
        expect(dynamo.requests).toHaveLength(3);
      },
    );
  });

  it('ignores items it did not ask for, and revocations that have ended', async () => {
    await withStore(
      () => ({
        Responses: { [TABLE]: [item('t1', NOW / 1000), item('s1'), item('someone-else')] },
      }),
      async (store) => {
        const revocations = await store.read(['t1', 's1']);

        expect([...revocations.entries()]).toEqual([['s1', { until: NOW / 1000 + 3600 }]]);
      },
    );
  });

  it('reads strongly consistently, only the attributes it uses', async () => {
    await withStore(
      (request) =>
        request.operation === 'GetItem' ? { Item: item('t1') } : { Responses: { [TABLE]: [] } },
      async (store, dynamo) => {
        await store.read(['t1']);
        await store.read(['t1', 's1']);
        await store.readGeneration();

        const [single, batch, generation] = dynamo.requests.map((request) => request.body);
        const itemRead = {
          ConsistentRead: true,
          ProjectionExpression: '#pk, #ttl, #nb',
          ExpressionAttributeNames: { '#pk': 'pk', '#ttl': 'ttl', '#nb': 'notBefore' },
        };
        expect(single).toEqual({ TableName: TABLE, Key: { pk: { S: 't1' } }, ...itemRead });
        expect(batch).toEqual({
          RequestItems: { [TABLE]: { ...keys('t1', 's1'), ...itemRead } },
        });
        expect(generation).toEqual({
          TableName: TABLE,
          Key: { pk: { S: 'g#generation' } },
          ConsistentRead: true,
        });
      },
    );
  });
});

describe('answers of an unusual shape', () => {
  it('skips an item that carries no key, in a single and in a batch read', async () => {
    const keyless = { ttl: { N: String(NOW / 1000 + 3600) } };
    await withStore(
      (request) =>
        request.operation === 'GetItem'
          ? { Item: keyless }
          : { Responses: { [TABLE]: [keyless, item('t1')] } },
      async (store) => {
        const single = await store.read(['t1']);
        const batch = await store.read(['t1', 's1']);

        expect([...single.keys()]).toEqual([]);
        expect([...batch.keys()]).toEqual(['t1']);
      },
    );
  });

  it('reads a batch answer without Responses as no revocations', async () => {
    await withStore(
      () => ({}),
      async (store) => {
        const revocations = await store.read(['t1', 's1']);

        expect(revocations.size).toBe(0);
      },
    );
  });
});

describe('a read that gets no answer', () => {
  it('fails with an error naming the read, the table and the deadline', async () => {
    await withStore(
      () => 'hang',
      async (store) => {
        await expect(store.read(['t1'])).rejects.toThrow(
          new StoreUnavailableError('revocation lookup in revocations timed out after 100 ms'),
        );
        await expect(store.readGeneration()).rejects.toThrow(
          new StoreUnavailableError(
            'revocation generation read in revocations timed out after 100 ms',
          ),
        );
      },
      100,
    );
  });
});

describe("the store's DynamoDB client", () => {
  function config(settings: Record<string, string>) {
    return loadConfig({
      JWT_ISSUER: 'https://issuer.example',
      JWT_AUDIENCE: 'api',
      JWKS_URI: 'https://issuer.example/jwks.json',
      REVOCATION_TABLE_NAME: TABLE,
      AWS_REGION: 'eu-central-1',
      ...settings,
    });
  }

  const getItem = new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'k' } } });

  it('fails an attempt that gets no answer after its share of the store budget', async () => {
    const dynamo = await ScriptedDynamoDb.start(() => 'hang');
    // 1000 ms over 4 attempts: 250 ms an attempt; one attempt here.
    const client = createDynamoDbClient(
      config({
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        STORE_TIMEOUT_MS: '1000',
        STORE_MAX_ATTEMPTS: '4',
        STORE_CONNECT_TIMEOUT_MS: '100',
      }),
      { credentials: CREDENTIALS, maxAttempts: 1 },
    );
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        client.send(getItem).then(
          () => 'answered',
          (error: Error) => error.name,
        ),
        new Promise((resolve) => {
          timer = setTimeout(() => resolve('still waiting'), 2500);
        }),
      ]);
      const elapsed = performance.now() - started;

      expect(outcome).toBe('TimeoutError');
      expect(elapsed).toBeGreaterThanOrEqual(240);
      expect(elapsed).toBeLessThan(2000);
    } finally {
      clearTimeout(timer);
      client.destroy();
      await dynamo.stop();
    }
  });

  it('makes STORE_MAX_ATTEMPTS attempts', async () => {
    const dynamo = await ScriptedDynamoDb.start(() => 'hang');
    const client = createDynamoDbClient(
      config({
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        STORE_TIMEOUT_MS: '200',
        STORE_MAX_ATTEMPTS: '2',
        STORE_CONNECT_TIMEOUT_MS: '50',
      }),
      { credentials: CREDENTIALS },
    );
    try {
      await expect(client.send(getItem)).rejects.toMatchObject({ name: 'TimeoutError' });

      expect(dynamo.requests).toHaveLength(2);
    } finally {
      client.destroy();
      await dynamo.stop();
    }
  });

  it('keeps its connection open between requests', async () => {
    const dynamo = await ScriptedDynamoDb.start(() => ({}));
    const client = createDynamoDbClient(config({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint }), {
      credentials: CREDENTIALS,
    });
    try {
      for (let i = 0; i < 3; i += 1) await client.send(getItem);

      expect(dynamo.requests).toHaveLength(3);
      expect(dynamo.connections).toBe(1);
    } finally {
      client.destroy();
      await dynamo.stop();
    }
  });

  it('sends to the region of the settings', async () => {
    const client = createDynamoDbClient(config({}), { credentials: CREDENTIALS });
    try {
      expect(await client.config.region()).toBe('eu-central-1');
    } finally {
      client.destroy();
    }
  });
});
