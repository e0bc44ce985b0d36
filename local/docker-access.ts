/**
 * Local mode for `sam local invoke` (`npm start -- --docker`). SAM runs the function in a Docker
 * container, where 127.0.0.1 is the container itself: it reaches this machine as
 * `host.docker.internal` (Docker Desktop defines the name; on Linux, SAM's
 * `--add-host host.docker.internal:host-gateway` does), and only services that listen on an
 * interface the container can reach, so `--docker` makes the gateway (which serves the dev
 * issuer's JWKS) and the IAM-enforcing DynamoDB endpoint listen on every interface.
 *
 * It also writes an env-vars file for SAM with the variables the construct's `localDevelopment`
 * mode declares: the dev issuer's keys at `host.docker.internal` over plain HTTP (allowed for that
 * host by `JWKS_ALLOW_HTTP_HOSTS`), and the DynamoDB endpoint there. The issuer stays
 * `http://127.0.0.1:<port>`: it is the `iss` of the tokens `npx jti token` mints, compared as a
 * string, never fetched.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV } from '../lambda/shared/settings';

/** The name by which a Docker container reaches the machine that runs it. */
export const DOCKER_HOST_NAME = 'host.docker.internal';

/** Every interface: what `--docker` listens on. */
export const ALL_INTERFACES = '0.0.0.0';

const SAM_ENV_FILE = 'sam-env.json';

export const DOCKER_WARNING =
  '--docker: the local gateway and the IAM-enforcing DynamoDB endpoint listen on every ' +
  'interface, so other machines that reach this one can call them too (the endpoint checks no ' +
  'signatures, only made-up access key ids). Use it on a trusted network only.';

export interface SamEnvVarsInput {
  /** Port of the local gateway, which serves the dev issuer's JWKS. */
  readonly gatewayPort: number;
  /** The dev issuer (its `iss`) and audience, when local mode runs one. */
  readonly devIssuer: { readonly issuer: string; readonly audience: string } | undefined;
  /** Port of the IAM-enforcing DynamoDB endpoint, when local mode runs one. */
  readonly dynamoDbPort: number | undefined;
  readonly tableName: string;
}

/** SAM's env-vars file for the authorizer (and the endpoint) against this local mode. */
export function samEnvVars(input: SamEnvVarsInput): { Parameters: Record<string, string> } {
  const parameters: Record<string, string> = {};
  if (input.devIssuer) {
    parameters[ENV.issuer] = input.devIssuer.issuer;
    parameters[ENV.audience] = input.devIssuer.audience;
    parameters[ENV.jwksUri] =
      `http://${DOCKER_HOST_NAME}:${input.gatewayPort}/.well-known/jwks.json`;
    parameters[ENV.jwksAllowHttpHosts] = DOCKER_HOST_NAME;
  }
  if (input.dynamoDbPort !== undefined) {
    parameters[ENV.dynamoDbEndpoint] = `http://${DOCKER_HOST_NAME}:${input.dynamoDbPort}`;
  }
  parameters[ENV.revocationTableName] = input.tableName;
  return { Parameters: parameters };
}

/** Writes the env-vars file into the data folder; returns its path. */
export function writeSamEnvVars(dataDir: string, input: SamEnvVarsInput): string {
  const file = join(dataDir, SAM_ENV_FILE);
  writeFileSync(file, `${JSON.stringify(samEnvVars(input), null, 2)}\n`);
  return file;
}

/** The address to show for a listener: loopback for one that listens on every interface. */
export function reachableHost(host: string): string {
  return host === ALL_INTERFACES || host === '::' ? '127.0.0.1' : host;
}
