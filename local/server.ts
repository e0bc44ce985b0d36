/**
 * Local mode: the whole system in one process, on loopback, with no AWS account and no Docker.
 * - an embedded DynamoDB (DynamoDB Local), or the one `AWS_ENDPOINT_URL_DYNAMODB` names;
 * - a dev issuer (signing key kept in the data folder, JWKS served here), unless `JWT_ISSUER`
 *   or `JWT_ISSUERS` names a real one;
 * - a local API Gateway on `PORT` with a demo route `GET /hello` behind the real authorizer.
 * The authorizer reads the same settings as the Lambda, through the same loader.
 *
 * A local DynamoDB enforces no IAM, so local mode puts the IAM-enforcing endpoint (`iam/`) in
 * front of it: the authorizer and the revocation endpoint act as the roles the construct
 * synthesizes, and `npx jti` as an operator with the permissions docs/permissions.md lists. A
 * call a role was not granted fails here as it would in AWS.
 */
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createHandler,
  createProductionDeps,
  type AuthorizerHandler,
} from '../lambda/request/authorizer';
import type { EventKind } from '../lambda/request/authorizer-event';
import { loadConfig, type AuthorizerConfig } from '../lambda/shared/config';
import { isLoopbackHost } from '../lambda/shared/issuers-config';
import { ENV } from '../lambda/shared/settings';
import { callerFromContext, createRevocationEndpoint } from '../lambda/revocations/endpoint';
import { createDynamoDbClient } from '../lambda/revocations/table';
import { DEV_AUDIENCE, devJwks, loadOrCreateDevKey } from './dev-issuer';
import { ALL_INTERFACES, reachableHost, writeSamEnvVars } from './docker-access';
import { assertWritable, EmbeddedDynamoDb } from './embedded-dynamodb';
import { IamDynamoDb } from './iam/iam-dynamodb';
import { LOCAL_ACCOUNT, LOCAL_REGION, policiesFor, type RoleName } from './iam/roles';
import { createGatewayListener, sendJson, type ProtectedRoute, type Route } from './gateway';
import { ensureRevocationTable } from '../lambda/revocations/table';
import { removeState, writeState, type LocalState } from './state';

export const DEFAULT_TABLE_NAME = 'jwt-revocations';
/** Credentials for a local DynamoDB, which checks none. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalServerOptions {
  /** Settings, as environment variables (the Lambda's plus PORT, HOST). */
  readonly env: NodeJS.ProcessEnv;
  readonly dataDir: string;
  /** Keep revocations in memory only. */
  readonly inMemory?: boolean;
  readonly eventKind?: EventKind;
  /** Overrides PORT; 0 picks a free port. */
  readonly port?: number;
  /** Port of the embedded DynamoDB; 0 (default) picks a free one. */
  readonly dynamoDbPort?: number;
  /**
   * Reachable from Docker containers (`sam local invoke`): the gateway and the IAM-enforcing
   * DynamoDB endpoint listen on every interface, and SAM's env-vars file is written
   * (`docker-access.ts`).
   */
  readonly docker?: boolean;
  /** Extra routes behind the authorizer, by `METHOD /path`. */
  readonly protectedRoutes?: Readonly<Record<string, ProtectedRoute>>;
  readonly log?: (line: string) => void;
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  readonly state: LocalState;
  readonly config: AuthorizerConfig;
  /** The embedded DynamoDB, when one runs (not with `AWS_ENDPOINT_URL_DYNAMODB`). */
  readonly embeddedStore: EmbeddedDynamoDb | undefined;
  /** A client acting as the operator (what `npx jti` may do), for tools that write revocations. */
  readonly dynamoDbClient: DynamoDBClient;
  /** With `docker`: SAM's env-vars file for this server. */
  readonly samEnvVarsFile: string | undefined;
  close(): Promise<void>;
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const env = options.env;
  const log = options.log ?? (() => undefined);
  const port = options.port ?? parsePort(env.PORT ?? '3000');
  const host = env.HOST ?? (options.docker ? ALL_INTERFACES : '127.0.0.1');
  const eventKind = options.eventKind ?? 'rest-token';
  const useDevIssuer = !env[ENV.issuer] && !env[ENV.issuers];
  // The state file (and, unless in memory, the store) lives there, with the dev issuer key.
  assertWritable(options.dataDir);
  const devKey = useDevIssuer ? loadOrCreateDevKey(options.dataDir) : undefined;

  const externalEndpoint = env[ENV.dynamoDbEndpoint];
  const embeddedStore = externalEndpoint
    ? undefined
    : await EmbeddedDynamoDb.start({
        dataDir: options.inMemory ? undefined : options.dataDir,
        port: options.dynamoDbPort ?? 0,
      });

  let handler: AuthorizerHandler | undefined;
  const revocationRoutes: { handle?: ReturnType<typeof createRevocationEndpoint> } = {};
  const revocationRoute =
    (action: 'revoke' | 'revoke-all'): ProtectedRoute =>
    async (request, response, authorizer, body) => {
      if (!revocationRoutes.handle) throw new Error('the local server is still starting');
      const answer = await revocationRoutes.handle({
        method: request.method ?? '',
        action,
        contentType: request.headers['content-type'],
        body: body.toString('utf8'),
        caller: callerFromContext(authorizer.context),
      });
      response.writeHead(answer.statusCode, answer.headers).end(answer.body);
    };
  const publicRoutes: Record<string, Route> = {};
  const server = createServer(
    createGatewayListener({
      eventKind,
      handler: (event) => {
        if (!handler) throw new Error('the local server is still starting');
        return handler(event);
      },
      publicRoutes,
      protectedRoutes: {
        'GET /hello': helloRoute,
        'POST /revoke': revocationRoute('revoke'),
        'POST /revoke-all': revocationRoute('revoke-all'),
        ...options.protectedRoutes,
      },
      onAuthorizerError: (error) => log(`authorizer failed closed: ${describe(error)}`),
    }),
  );
  try {
    await listen(server, port, host);
  } catch (error) {
    await embeddedStore?.stop();
    throw error;
  }
  const actualPort = (server.address() as AddressInfo).port;
  const shown = reachableHost(host);
  const url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${actualPort}`;
  let iam: IamDynamoDb | undefined;
  const clients: DynamoDBClient[] = [];

  try {
    const issuer = `http://127.0.0.1:${actualPort}`;
    const settings: NodeJS.ProcessEnv = {
      ...env,
      ...(useDevIssuer
        ? {
            [ENV.issuer]: issuer,
            [ENV.audience]: env[ENV.audience] ?? DEV_AUDIENCE,
            [ENV.jwksUri]: `${issuer}/.well-known/jwks.json`,
          }
        : {}),
      [ENV.revocationTableName]: env[ENV.revocationTableName] ?? DEFAULT_TABLE_NAME,
    };
    const storeEndpoint = externalEndpoint ?? embeddedStore?.endpoint;
    // A local DynamoDB gets IAM enforced in front of it; in AWS, IAM is AWS's own.
    if (storeEndpoint && isLoopbackEndpoint(storeEndpoint)) {
      iam = await IamDynamoDb.start({
        upstream: storeEndpoint,
        region: LOCAL_REGION,
        account: LOCAL_ACCOUNT,
        ...(options.docker ? { host: ALL_INTERFACES } : {}),
      });
    }
    settings[ENV.dynamoDbEndpoint] = iam?.endpoint ?? storeEndpoint;
    const config = loadConfig(settings);
    const credentialsOf = (role: RoleName) =>
      iam?.addPrincipal(`${role}-local`, policiesFor(role, config.revocationTableName));
    const clientAs = (role: RoleName): DynamoDBClient => {
      const credentials =
        credentialsOf(role) ??
        (externalEndpoint && env.AWS_ACCESS_KEY_ID ? undefined : LOCAL_CREDENTIALS);
      const client = createDynamoDbClient(config, credentials ? { credentials } : {});
      clients.push(client);
      return client;
    };
    // A table is created only on a local DynamoDB (with its own, unrestricted access); on AWS
    // the CDK stack owns it.
    if (iam && storeEndpoint) {
      const admin = createDynamoDbClient(config, {
        endpoint: storeEndpoint,
        credentials: LOCAL_CREDENTIALS,
      });
      clients.push(admin);
      await ensureRevocationTable(admin, config.revocationTableName);
    }
    const operatorCredentials = credentialsOf('operator');
    const dynamoDbClient = operatorCredentials
      ? createDynamoDbClient(config, { credentials: operatorCredentials })
      : clientAs('operator');
    clients.push(dynamoDbClient);

    if (devKey) {
      const jwks = JSON.stringify(devJwks(devKey));
      publicRoutes['GET /.well-known/jwks.json'] = (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      };
      publicRoutes['GET /.well-known/openid-configuration'] = (_request, response) => {
        sendJson(response, 200, { issuer, jwks_uri: `${issuer}/.well-known/jwks.json` });
      };
    }
    const authorizerCredentials = credentialsOf('authorizer');
    const authorizerClient = authorizerCredentials
      ? createDynamoDbClient(config, { credentials: authorizerCredentials })
      : clientAs('authorizer');
    clients.push(authorizerClient);
    const deps = createProductionDeps(config, { dynamoDbClient: authorizerClient });
    handler = createHandler(deps);
    const endpoint = createRevocationEndpoint({
      verifier: deps.verifier,
      client: clientAs('endpoint'),
      tableName: config.revocationTableName,
      subjectRetentionSeconds: config.subjectRevocationRetentionSeconds,
      requireSameClient: config.revokeRequireSameClient,
      onError: (error) => log(`revocation failed: ${describe(error)}`),
    });
    revocationRoutes.handle = endpoint;

    const state: LocalState = {
      pid: process.pid,
      url,
      issuer: config.issuers[0]?.issuer ?? issuer,
      audience: config.issuers[0]?.audience[0] ?? DEV_AUDIENCE,
      devIssuer: useDevIssuer,
      dynamoDbEndpoint: settings[ENV.dynamoDbEndpoint],
      operatorCredentials,
      authorizerCredentials,
      tableName: config.revocationTableName,
    };
    writeState(options.dataDir, state);
    const samEnvVarsFile = options.docker
      ? writeSamEnvVars(options.dataDir, {
          gatewayPort: actualPort,
          devIssuer: useDevIssuer ? { issuer, audience: state.audience } : undefined,
          dynamoDbPort: iam ? Number(new URL(iam.endpoint).port) : undefined,
          tableName: config.revocationTableName,
        })
      : undefined;

    return {
      url,
      port: actualPort,
      state,
      config,
      embeddedStore,
      dynamoDbClient,
      samEnvVarsFile,
      async close() {
        removeState(options.dataDir);
        if (samEnvVarsFile) rmSync(samEnvVarsFile, { force: true });
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        for (const client of clients) client.destroy();
        await iam?.stop();
        await embeddedStore?.stop();
      },
    };
  } catch (error) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const client of clients) client.destroy();
    await iam?.stop();
    await embeddedStore?.stop();
    throw error;
  }
}

/** The demo API's one route: it echoes what the authorizer passed on. */
const helloRoute: ProtectedRoute = (_request, response, authorizer) => {
  const sub = authorizer.context.sub;
  sendJson(response, 200, {
    message: `Hello, ${typeof sub === 'string' ? sub : 'caller'}`,
    principalId: authorizer.principalId,
    authorizer: authorizer.context,
  });
};

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new Error(`port ${port} on ${host} is taken; choose another with PORT=<port> or --port`),
        );
      } else if (error.code === 'EACCES') {
        reject(new Error(`not allowed to listen on ${host}:${port}; choose a port above 1023`));
      } else {
        reject(error);
      }
    });
    server.listen(port, host, () => resolve());
  });
}

function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    return isLoopbackHost(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

export function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    throw new Error(`PORT: "${text}" is not a port number`);
  }
  return Number(text);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
