/**
 * How the AWS SAM CLI reads a CDK-synthesized template for `sam local invoke`, so that
 * `npm run invoke -t <template>` predicts what SAM does (SAM CLI sources:
 * `samcli/lib/providers/sam_function_provider.py`, `samcli/commands/local/lib/local_lambda.py`,
 * `samcli/local/lambdafn/env_vars.py`):
 *
 * - **Which function.** SAM gives each function a resource id: `Metadata.SamResourceId` if set,
 *   else from `Metadata['aws:cdk:path']` the construct id above `/Resource` (for
 *   `JwtRevocationDemo/Authorizer/Function/Resource`, `Function`), else the logical ID. A
 *   function of the root stack is found by that id, its logical ID or its `FunctionName`.
 *   `JwtRevocationDemo/Authorizer/Function` (a whole construct path) is none of them.
 * - **Which environment.** Only the variables the template declares for the function
 *   (`Environment.Variables`) are set: each takes the template's value (an intrinsic function
 *   such as `Ref` becomes ''), then the shell's value of that name, then the env-vars file's
 *   (`Parameters`, then the function's block, found by logical ID, resource id, function name or
 *   path). A variable the template does not declare is dropped without a word. SAM adds the
 *   `AWS_*` variables of a Lambda runtime (region and credentials from the shell's profile,
 *   else `us-east-1` and placeholder keys).
 */

/** One function of the template, as SAM sees it. */
export interface SamFunction {
  readonly logicalId: string;
  /** SAM's resource id (what the CDK guide calls the function construct identifier). */
  readonly resourceId: string;
  readonly functionName: string | undefined;
  /** The variables the template declares, with their values ('' for an intrinsic function). */
  readonly variables: Readonly<Record<string, string>>;
}

const FUNCTION_TYPES = new Set(['AWS::Lambda::Function', 'AWS::Serverless::Function']);

/** The functions of a synthesized template. */
export function samFunctions(template: unknown): SamFunction[] {
  const resources = asRecord(asRecord(template).Resources);
  const functions: SamFunction[] = [];
  for (const [logicalId, value] of Object.entries(resources)) {
    const resource = asRecord(value);
    if (!FUNCTION_TYPES.has(String(resource.Type))) continue;
    const properties = asRecord(resource.Properties);
    const declared = asRecord(asRecord(properties.Environment).Variables);
    functions.push({
      logicalId,
      resourceId: resourceIdOf(logicalId, asRecord(resource.Metadata)),
      functionName:
        typeof properties.FunctionName === 'string' ? properties.FunctionName : undefined,
      variables: Object.fromEntries(
        Object.entries(declared).map(([name, raw]) => [name, stringify(raw)]),
      ),
    });
  }
  return functions;
}

/** SAM's resource id of a function. */
function resourceIdOf(logicalId: string, metadata: Record<string, unknown>): string {
  const custom = metadata.SamResourceId;
  if (typeof custom === 'string' && custom) return custom;
  const path = metadata['aws:cdk:path'];
  if (typeof path !== 'string' || !path) return logicalId;
  const parts = path.split('/');
  if (parts.length < 2) return logicalId;
  return (
    (parts[parts.length - 1] === 'Resource' ? parts[parts.length - 2] : parts.at(-1)) ?? logicalId
  );
}

/** The function `identifier` names, as `sam local invoke <identifier>` finds it. */
export function findSamFunction(
  functions: readonly SamFunction[],
  identifier: string,
): SamFunction {
  const matches = functions.filter(
    (fn) =>
      fn.resourceId === identifier || fn.logicalId === identifier || fn.functionName === identifier,
  );
  const [found] = matches;
  if (found === undefined || matches.length > 1) {
    const names = functions.map((fn) => `${fn.resourceId} (${fn.logicalId})`).join(', ');
    throw new Error(
      matches.length > 1
        ? `${identifier} names ${matches.length} functions; use a logical ID (${names})`
        : `sam local invoke would not find ${identifier}; the template's functions: ${names}`,
    );
  }
  return found;
}

export interface SamEnvironment {
  /** The variables the function gets (the template's, with the overrides SAM applies). */
  readonly variables: Record<string, string>;
  /** Variables of the env-vars file for this function that SAM drops: the template lacks them. */
  readonly dropped: string[];
}

/** The environment SAM gives `fn`, from the shell and an env-vars file's contents. */
export function samEnvironment(
  fn: SamFunction,
  envVars: unknown,
  shell: Readonly<Record<string, string | undefined>>,
): SamEnvironment {
  const blocks = envVars === undefined ? {} : asRecord(envVars);
  // The first non-empty block, by logical ID, resource id, then function name.
  const block =
    [fn.logicalId, fn.resourceId, fn.functionName]
      .map((key) => (key === undefined ? {} : asRecord(blocks[key])))
      .find((candidate) => Object.keys(candidate).length > 0) ?? {};
  const overrides: Record<string, string> = {};
  for (const source of [blocks.Parameters ?? {}, block]) {
    for (const [name, value] of Object.entries(asRecord(source))) {
      overrides[name] = stringify(value);
    }
  }
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.variables)) {
    variables[name] = overrides[name] ?? shell[name] ?? value;
  }
  const dropped = Object.keys(overrides).filter((name) => !(name in fn.variables));
  return { variables, dropped };
}

/** As SAM: strings and numbers as they are, booleans as `true`/`false`, anything else ''. */
function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
