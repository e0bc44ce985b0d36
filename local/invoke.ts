/**
 * `npm run invoke -- <event.json> [--env-vars env.json] [--function <LogicalId>] [--token <jwt>]`
 * `npm run invoke -- -t <template.json> --function <id> <event.json> [--env-vars env.json] ...`
 * `npm run invoke -- -t <template.json> --list`
 *
 * With a synthesized template (`-t`), it applies SAM's rules (`sam-template.ts`): the function is
 * found as `sam local invoke` finds it, it gets only the variables the template declares (with
 * the shell's and the env-vars file's values for them), and each variable SAM would drop is
 * named on stderr. `--list` prints the identifiers SAM accepts for each function.
 *
 * `sam local invoke` without Docker: runs the authorizer's Lambda entry (`lambda/handlers/authorizer.mts`,
 * the code the bundle is built from) once with the given event, after applying an env-vars file
 * in SAM's format (`Parameters` for every function, then the block of the chosen function), and
 * prints what Lambda would return. With `--token`, the event's bearer token is replaced.
 * Exit code: 0 when the handler returned, 1 when it threw, 2 for bad input.
 */
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { isLoopbackHost } from '../lambda/shared/issuers-config';
import { ENV } from '../lambda/shared/settings';
import { DOCKER_HOST_NAME } from './docker-access';
import { findSamFunction, samEnvironment, samFunctions } from './sam-template';
import { localDataDir, readState } from './state';

const USAGE = [
  'Usage: npm run invoke -- <event.json> [--env-vars env.json] [--function <LogicalId>] [--token <jwt>]',
  '       npm run invoke -- -t <template.json> --function <id> <event.json> [--env-vars env.json] [--token <jwt>]',
  '       npm run invoke -- -t <template.json> --list',
].join('\n');

/** Environment variables from a SAM env-vars file. */
export function samEnvVars(json: unknown, functionId: string | undefined): Record<string, string> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('the env-vars file must be a JSON object, as sam local invoke takes it');
  }
  const blocks = json as Record<string, unknown>;
  const functionIds = Object.keys(blocks).filter((key) => key !== 'Parameters');
  if (functionId !== undefined && !(functionId in blocks)) {
    throw new Error(
      `the env-vars file has no block for ${functionId} (it has: ${functionIds.join(', ') || 'none'})`,
    );
  }
  const chosen = functionId ?? (functionIds.length === 1 ? functionIds[0] : undefined);
  if (functionId === undefined && functionIds.length > 1) {
    throw new Error(
      `the env-vars file has several functions; choose one with --function (${functionIds.join(', ')})`,
    );
  }
  const merged: Record<string, string> = {};
  for (const block of [blocks.Parameters, chosen === undefined ? undefined : blocks[chosen]]) {
    if (block === undefined) continue;
    if (typeof block !== 'object' || block === null)
      throw new Error('env-vars blocks must be objects');
    for (const [name, value] of Object.entries(block)) {
      if (typeof value === 'object' && value !== null) {
        throw new Error(`env-vars: ${name} must be a string, number or boolean`);
      }
      merged[name] = String(value);
    }
  }
  return merged;
}

/** Replaces the bearer token wherever the event carries it. */
export function withToken(event: Record<string, unknown>, token: string): Record<string, unknown> {
  const bearer = `Bearer ${token}`;
  const copy = structuredClone(event);
  if (typeof copy.authorizationToken === 'string') copy.authorizationToken = bearer;
  for (const field of ['headers', 'multiValueHeaders'] as const) {
    const headers = copy[field];
    if (typeof headers !== 'object' || headers === null) continue;
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() !== 'authorization') continue;
      (headers as Record<string, unknown>)[name] = field === 'headers' ? bearer : [bearer];
    }
  }
  if (Array.isArray(copy.identitySource)) copy.identitySource = [bearer];
  return copy;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        'env-vars': { type: 'string', short: 'n' },
        function: { type: 'string' },
        template: { type: 'string', short: 't' },
        list: { type: 'boolean' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.values.list) {
    if (!parsed.values.template) {
      process.stderr.write(`invoke: --list needs -t <template.json>\n${USAGE}\n`);
      return 2;
    }
    try {
      process.stdout.write(listFunctions(readJson(parsed.values.template)));
      return 0;
    } catch (error) {
      process.stderr.write(`invoke: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const [eventFile] = parsed.positionals;
  if (eventFile === undefined || parsed.positionals.length > 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(readFileSync(eventFile, 'utf8')) as Record<string, unknown>;
    if (parsed.values.template) {
      applySamEnvironment(
        readJson(parsed.values.template),
        parsed.values.function,
        parsed.values['env-vars'] ? readJson(parsed.values['env-vars']) : undefined,
      );
    } else if (parsed.values['env-vars']) {
      const vars = samEnvVars(readJson(parsed.values['env-vars']), parsed.values.function);
      Object.assign(process.env, vars);
    }
  } catch (error) {
    process.stderr.write(`invoke: ${(error as Error).message}\n`);
    return 2;
  }
  if (parsed.values.token) event = withToken(event, parsed.values.token);
  useLocalCredentials();
  resolveDockerHostHere();

  // The Lambda entry reads its settings at load, as at a cold start: load it only now.
  let handler: (event: unknown) => Promise<unknown>;
  try {
    const entry = (await import(
      pathToFileURL(join(__dirname, '..', 'lambda', 'handlers', 'authorizer.mts')).href
    )) as {
      handler: typeof handler;
    };
    handler = entry.handler;
  } catch (error) {
    process.stdout.write(`${JSON.stringify(lambdaError(error))}\n`);
    process.stderr.write(
      'invoke: the function failed at cold start (its settings are checked then)\n',
    );
    return 1;
  }
  try {
    const result = await handler(event);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    process.stdout.write(`${JSON.stringify(lambdaError(error))}\n`);
    return 1;
  }
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

/** The functions of a template and the identifiers `sam local invoke` accepts for each. */
export function listFunctions(template: unknown): string {
  return samFunctions(template)
    .map(
      (fn) =>
        `${fn.resourceId}\tlogical ID ${fn.logicalId}${fn.functionName ? `\tname ${fn.functionName}` : ''}\n` +
        `\tvariables SAM sets: ${Object.keys(fn.variables).join(', ') || 'none'}\n`,
    )
    .join('');
}

/**
 * Sets the environment `sam local invoke` would give the function: the settings this project
 * reads are cleared first, so that nothing the template leaves out reaches the function from
 * this shell, except where SAM itself passes it (a declared variable the shell also holds).
 */
function applySamEnvironment(
  template: unknown,
  identifier: string | undefined,
  envVars: unknown,
): void {
  const functions = samFunctions(template);
  if (identifier === undefined && functions.length !== 1) {
    throw new Error(
      `the template has ${functions.length} functions; choose one with --function (see --list)`,
    );
  }
  const fn = identifier === undefined ? functions[0]! : findSamFunction(functions, identifier);
  const shell = { ...process.env };
  const { variables, dropped } = samEnvironment(fn, envVars, shell);
  for (const name of [...Object.values(ENV), ...Object.keys(fn.variables)])
    delete process.env[name];
  Object.assign(process.env, variables);
  // As SAM: the region from the shell's settings, else us-east-1.
  process.env.AWS_REGION = shell.AWS_REGION ?? shell.AWS_DEFAULT_REGION ?? 'us-east-1';
  for (const name of dropped) {
    process.stderr.write(
      `invoke: sam local invoke would drop ${name}: the template does not declare it for ${fn.resourceId}\n`,
    );
  }
  for (const warning of containerLoopbackWarnings(variables)) {
    process.stderr.write(`invoke: ${warning}\n`);
  }
}

/**
 * What this process reaches but SAM's container would not: in the container, loopback is the
 * container itself. (This process runs on the machine, so it does reach them.)
 */
export function containerLoopbackWarnings(variables: Readonly<Record<string, string>>): string[] {
  const jwksUri = variables[ENV.jwksUri] || variables[ENV.issuer];
  const warnings: string[] = [];
  for (const [name, value] of [
    [jwksUri === variables[ENV.jwksUri] ? ENV.jwksUri : ENV.issuer, jwksUri],
    [ENV.dynamoDbEndpoint, variables[ENV.dynamoDbEndpoint]],
  ] as const) {
    if (!value) continue;
    try {
      if (!isLoopbackHost(new URL(value).hostname)) continue;
    } catch {
      continue;
    }
    warnings.push(
      `${name} is ${value}: in SAM's container that is the container itself, which sam local ` +
        `invoke would not reach (use ${DOCKER_HOST_NAME}; docs/sam-local-invoke.md)`,
    );
  }
  return warnings;
}

/**
 * In SAM's container, `host.docker.internal` is this machine; here, this process resolves it to
 * loopback likewise, so that an env-vars file written for SAM (`npm start -- --docker`) works
 * here as it would there. Nothing else is changed: the URLs, and so the JWKS_ALLOW_HTTP_HOSTS
 * check, stay as the function sees them.
 */
function resolveDockerHostHere(): void {
  const lookup = dns.lookup;
  const patched = function (this: unknown, hostname: string, ...rest: unknown[]): unknown {
    return Reflect.apply(lookup, this, [
      hostname.toLowerCase() === DOCKER_HOST_NAME ? '127.0.0.1' : hostname,
      ...rest,
    ]);
  };
  dns.lookup = patched as typeof dns.lookup;
}

/**
 * Credentials for a local DynamoDB: the authorizer role's when the endpoint is the IAM-enforcing
 * endpoint of a running npm start (so the function acts as its synthesized role, as in AWS, and
 * whatever AWS credentials the shell holds would be unknown there); else, when none are set,
 * placeholders a plain local DynamoDB accepts.
 */
function useLocalCredentials(): void {
  const endpoint = process.env[ENV.dynamoDbEndpoint];
  if (!endpoint) return;
  try {
    if (!isLoopbackHost(new URL(endpoint).hostname)) return;
  } catch {
    return;
  }
  const local = readState(localDataDir());
  const role = local?.dynamoDbEndpoint === endpoint ? local.authorizerCredentials : undefined;
  if (role) {
    process.env.AWS_ACCESS_KEY_ID = role.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = role.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
  } else if (!process.env.AWS_ACCESS_KEY_ID) {
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
  }
}

/** The shape Lambda reports a thrown error in. */
function lambdaError(error: unknown): { errorType: string; errorMessage: string } {
  return error instanceof Error
    ? { errorType: error.name, errorMessage: error.message }
    : { errorType: 'Error', errorMessage: String(error) };
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`invoke: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
