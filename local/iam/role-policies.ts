/**
 * The identity policies of the construct's two roles, read from the CloudFormation template it
 * synthesizes: what IAM would evaluate after a deploy, not what the construct's code seems to
 * grant. Tests register them with `IamDynamoDb` so a missing grant fails locally.
 *
 * Intrinsic functions are resolved for one table name chosen by the test, so the ARNs match the
 * table the test created. Anything that cannot be resolved becomes a placeholder ARN that no
 * DynamoDB request matches, so an unknown reference can never widen a grant.
 */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import {
  RevocationAuthorizer,
  type RevocationAuthorizerProps,
} from '../../lib/revocation-authorizer';
import type { PolicyDocument } from './policy-evaluator';

/** The part of a CloudFormation template read here. */
export interface CfnTemplate {
  readonly Resources?: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>
  >;
}

/** Turns a template value with intrinsic functions into plain JSON. */
export type IntrinsicResolver = (value: unknown) => unknown;

export interface ResolverContext {
  readonly region: string;
  readonly account: string;
  /** @default 'aws' */
  readonly partition?: string;
  /** What `{ Ref: <logicalId> }` resolves to, e.g. the table's logical id -> its name. */
  readonly refs?: Readonly<Record<string, string>>;
  /** What `{ 'Fn::GetAtt': [<logicalId>, <attribute>] }` resolves to, keyed `logicalId.attribute`. */
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface SynthesizeRolePoliciesOptions {
  /** The table name the table's ARN resolves to: the table the test created. */
  readonly tableName: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly account?: string;
  /** Props merged over the defaults (one issuer, `revocationEndpoint: true`). */
  readonly props?: Partial<RevocationAuthorizerProps>;
}

export interface RolePolicies {
  /** The authorizer function's role. */
  readonly authorizer: PolicyDocument[];
  /** The revocation endpoint function's role; empty when the props turn the endpoint off. */
  readonly endpoint: PolicyDocument[];
}

/** ARN standing for a reference that could not be resolved: it matches no DynamoDB resource. */
export function unresolvedArn(logicalId: string): string {
  return `arn:aws:unresolved:::${logicalId}`;
}

const UNRESOLVED_PREFIX = unresolvedArn('');
/** Marks `Ref: AWS::NoValue`: the enclosing property or list element is dropped. */
const NO_VALUE = Symbol('AWS::NoValue');

/**
 * A resolver for `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub` (string form) and `Fn::Select`, the
 * functions CDK writes into policies; any other function resolves to a placeholder ARN.
 */
export function createIntrinsicResolver(context: ResolverContext): IntrinsicResolver {
  const pseudo: Record<string, string> = {
    'AWS::Region': context.region,
    'AWS::AccountId': context.account,
    'AWS::Partition': context.partition ?? 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const ref = (name: string): string => pseudo[name] ?? context.refs?.[name] ?? unresolvedArn(name);
  const getAtt = (logicalId: string, attribute: string): string =>
    context.attributes?.[`${logicalId}.${attribute}`] ?? unresolvedArn(logicalId);

  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      return value.map(resolve).filter((element) => element !== NO_VALUE);
    }
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return resolveFunction(first[0], first[1]);
    }
    const resolved: Record<string, unknown> = {};
    for (const [key, inner] of entries) {
      const result = resolve(inner);
      if (result !== NO_VALUE) resolved[key] = result;
    }
    return resolved;
  };

  const resolveFunction = (name: string, argument: unknown): unknown => {
    if (name === 'Ref' && typeof argument === 'string') {
      return argument === 'AWS::NoValue' ? NO_VALUE : ref(argument);
    }
    if (name === 'Fn::GetAtt') {
      const [logicalId, attribute] =
        typeof argument === 'string' ? argument.split('.') : (argument as unknown[]);
      if (typeof logicalId === 'string' && typeof attribute === 'string') {
        return getAtt(logicalId, attribute);
      }
    }
    if (name === 'Fn::Join' && Array.isArray(argument)) {
      const [separator, parts] = argument as unknown[];
      if (typeof separator === 'string' && Array.isArray(parts)) {
        const strings = parts.map(resolve).filter((part) => part !== NO_VALUE);
        // One unresolved part makes the whole ARN unresolved, not a half-real one.
        const unresolved = strings.find(isUnresolved);
        if (unresolved !== undefined) return unresolved;
        if (strings.every((part) => typeof part === 'string')) return strings.join(separator);
      }
    }
    if (name === 'Fn::Sub' && typeof argument === 'string') {
      let unresolved: string | undefined;
      const result = argument.replace(/\$\{([^}!]+)\}/g, (_, reference: string) => {
        const [logicalId = '', attribute] = reference.split('.');
        const value = attribute === undefined ? ref(logicalId) : getAtt(logicalId, attribute);
        if (isUnresolved(value)) unresolved ??= value;
        return value;
      });
      return unresolved ?? result;
    }
    if (name === 'Fn::Select' && Array.isArray(argument)) {
      const [index, list] = argument as unknown[];
      const resolved = resolve(list);
      if (Array.isArray(resolved) && resolved.length > Number(index)) {
        return resolved[Number(index)] as unknown;
      }
    }
    return unresolvedArn(name);
  };

  return resolve;
}

/**
 * The identity policies attached to `roleLogicalId` in `template`: every `AWS::IAM::Policy` and
 * `AWS::IAM::ManagedPolicy` whose `Roles` holds `{ Ref: roleLogicalId }`, and the role's inline
 * `Policies`, each resolved with `resolve`. The role's `ManagedPolicyArns` (AWS managed policies
 * such as AWSLambdaBasicExecutionRole) are ignored: their content is not in the template, and
 * the construct attaches none today.
 */
export function rolePoliciesFromTemplate(
  template: CfnTemplate,
  roleLogicalId: string,
  resolve: IntrinsicResolver,
): PolicyDocument[] {
  const resources = template.Resources ?? {};
  const role = resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') {
    throw new Error(`${roleLogicalId} is not an AWS::IAM::Role in the template`);
  }
  const documents: unknown[] = [];
  const inline = role.Properties?.Policies;
  if (Array.isArray(inline)) {
    for (const policy of inline as { PolicyDocument?: unknown }[]) {
      documents.push(policy.PolicyDocument);
    }
  }
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') {
      continue;
    }
    const roles = resource.Properties?.Roles;
    const attached =
      Array.isArray(roles) &&
      roles.some(
        (entry) =>
          typeof entry === 'object' &&
          entry !== null &&
          (entry as { Ref?: unknown }).Ref === roleLogicalId,
      );
    if (attached) documents.push(resource.Properties?.PolicyDocument);
  }
  return documents
    .filter((document) => document !== undefined)
    .map((document) => resolve(document) as PolicyDocument);
}

/**
 * Synthesizes the construct (bundling skipped: about a second) and returns its roles' policies,
 * with the table's ARN resolved to `tableName` in `region` and `account`.
 */
export function synthesizeRolePolicies(options: SynthesizeRolePoliciesOptions): RolePolicies {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '123456789012';
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'IamDynamoDbRoles', { env: { account, region } });
  const construct = new RevocationAuthorizer(stack, 'Authorizer', {
    issuers: [{ issuer: 'https://issuer.example', audience: ['api'] }],
    revocationEndpoint: true,
    ...options.props,
  });
  const template = app.synth().getStackArtifact(stack.artifactId).template as CfnTemplate;

  const logicalId = (element: unknown): string | undefined =>
    element instanceof CfnElement ? stack.getLogicalId(element) : undefined;
  const tableId = logicalId(construct.table.node.defaultChild);
  const tableArn = `arn:aws:dynamodb:${region}:${account}:table/${options.tableName}`;
  const resolve = createIntrinsicResolver({
    region,
    account,
    refs: tableId ? { [tableId]: options.tableName } : {},
    attributes: tableId ? { [`${tableId}.Arn`]: tableArn } : {},
  });
  const policiesOf = (fn: { role?: { node: { defaultChild?: unknown } } } | undefined) => {
    const roleId = logicalId(fn?.role?.node.defaultChild);
    return roleId ? rolePoliciesFromTemplate(template, roleId, resolve) : [];
  };
  return {
    authorizer: policiesOf(construct.function),
    endpoint: policiesOf(construct.revokeFunction),
  };
}

function isUnresolved(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(UNRESOLVED_PREFIX);
}
