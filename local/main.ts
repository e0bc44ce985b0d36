/**
 * `npm start`: runs local mode until Ctrl-C. See `server.ts`.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { EventKind } from '../lambda/request/authorizer-event';
import { DOCKER_HOST_NAME, DOCKER_WARNING } from './docker-access';
import { EVENT_KINDS } from './gateway';
import { parsePort, startLocalServer, type LocalServer } from './server';
import { localDataDir } from './state';

const USAGE = `Usage: npm start -- [options]

Runs the authorizer locally: an embedded DynamoDB, a dev issuer and a local API Gateway
with a protected demo route, GET /hello.

Options:
  --event <kind>     event API Gateway sends the authorizer: rest-token (default),
                     rest-request or http-v2
  --port <port>      port of the local gateway (default: PORT or 3000)
  --data-dir <dir>   where revocations and the dev issuer key are kept
                     (default: LOCAL_DATA_DIR or .local)
  --in-memory        keep revocations in memory only (nothing survives a restart)
  --docker           for sam local invoke: listen on every interface, so that a Docker
                     container reaches the dev issuer and DynamoDB at host.docker.internal,
                     and write SAM's env-vars file (docs/sam-local-invoke.md)
  -h, --help         show this help

Every setting of the Lambda (README, Settings) is read from the environment too.`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        event: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean' },
        docker: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const eventKind = (args.event ?? 'rest-token') as EventKind;
  if (!EVENT_KINDS.includes(eventKind)) {
    process.stderr.write(`--event: "${args.event}" is not one of ${EVENT_KINDS.join(', ')}\n`);
    return 2;
  }
  const dataDir = args['data-dir'] ? resolve(args['data-dir']) : localDataDir();
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const docker = args.docker ?? false;
  if (docker) process.stderr.write(`warning: ${DOCKER_WARNING}\n`);

  let server: LocalServer;
  try {
    server = await startLocalServer({
      env: process.env,
      dataDir,
      inMemory: args['in-memory'] ?? false,
      eventKind,
      docker,
      port: args.port !== undefined ? parsePort(args.port) : undefined,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    process.stderr.write(`npm start: ${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(banner(server, eventKind, args['in-memory'] ?? false, dataDir));

  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('\nStopping: closing the gateway and flushing the store...\n');
      server.close().then(done, (error: unknown) => {
        process.stderr.write(`error while stopping: ${String(error)}\n`);
        done();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

function banner(
  server: LocalServer,
  eventKind: string,
  inMemory: boolean,
  dataDir: string,
): string {
  const { state } = server;
  const store = server.embeddedStore
    ? `embedded DynamoDB at ${state.dynamoDbEndpoint} (${inMemory ? 'in memory' : `data in ${dataDir}`})`
    : `DynamoDB at ${state.dynamoDbEndpoint}`;
  const mint = state.devIssuer
    ? 'TOKEN=$(npx jti token --sub alice --scope "orders:read")'
    : 'TOKEN=<an access token from your identity provider>';
  return `
JWT revocation authorizer, local mode
  gateway   ${server.url}  (GET /hello behind the authorizer, ${eventKind} events)
  issuer    ${state.issuer}${state.devIssuer ? '  (dev issuer)' : ''}
  audience  ${state.audience}
  store     ${store}, table ${state.tableName}${
    state.operatorCredentials
      ? '\n  IAM       enforced: the authorizer and endpoint act as their synthesized roles, npx jti as\n            an operator (docs/permissions.md)'
      : ''
  }

Try it:
  ${mint}
  curl -i ${server.url}/hello -H "Authorization: Bearer $TOKEN"     # 200
  npx jti revoke "$TOKEN"
  curl -i ${server.url}/hello -H "Authorization: Bearer $TOKEN"     # 403
  curl -i ${server.url}/hello -H "Authorization: Bearer not-a-jwt"  # 401

${server.samEnvVarsFile ? samSection(server, server.samEnvVarsFile) : ''}
Ctrl-C stops.
`;
}

/** How to run `sam local invoke` against this server (`--docker`). */
function samSection(server: LocalServer, envVarsFile: string): string {
  const role = server.state.authorizerCredentials;
  const credentials = role
    ? `AWS_ACCESS_KEY_ID=${role.accessKeyId} AWS_SECRET_ACCESS_KEY=${role.secretAccessKey} `
    : '';
  return `
sam local invoke (--docker): the container reaches this machine as ${DOCKER_HOST_NAME}
  env-vars  ${envVarsFile}
  synth     npx cdk synth -c issuer=https://issuer.example -c audience=api -c localDevelopment=true
  invoke    ${credentials}sam local invoke -t cdk.out/JwtRevocationDemo.template.json Function \\
              -e <event with a token> --env-vars ${envVarsFile}
            (on Linux add --add-host ${DOCKER_HOST_NAME}:host-gateway; docs/sam-local-invoke.md)
`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm start: ${String(error)}\n`);
    process.exit(1);
  },
);
