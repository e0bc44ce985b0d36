/**
 * Which IAM permissions a DynamoDB JSON request needs: the (action, resource ARN) pairs that IAM
 * checks before DynamoDB runs it. Sources, as read in 2025:
 * - Service Authorization Reference, "Actions, resources, and condition keys for Amazon
 *   DynamoDB" (list_amazondynamodb): each API operation authorizes the action of the same name;
 *   BatchGetItem and BatchWriteItem are actions of their own, checked on each table; ListTables,
 *   DescribeLimits, DescribeEndpoints and the List* operations take no resource (`*`); Query and
 *   Scan may name an index (`table/<name>/index/<index>`), which is the ARN real denials quote.
 * - DynamoDB Developer Guide, "Using IAM with DynamoDB transactions" (transaction-apis-iam):
 *   "Permissions for Put, Update, Delete, and Get actions are governed by the permissions used
 *   for the underlying PutItem, UpdateItem, DeleteItem, and GetItem operations. For the
 *   ConditionCheck action, you can use the dynamodb:ConditionCheckItem permission".
 * PartiQL operations (ExecuteStatement, ...) need the statement parsed to know their action, so
 * they are refused as unsupported rather than guessed.
 */

/** One permission a request needs. */
export interface RequiredPermission {
  /** IAM action, e.g. `dynamodb:GetItem`. */
  readonly action: string;
  /** Resource ARN, or `*` for operations that take no resource. */
  readonly resource: string;
}

/** Where the tables live, to build their ARNs. */
export interface ArnContext {
  readonly region: string;
  readonly account: string;
  /** @default 'aws' */
  readonly partition?: string;
}

/** The request cannot be mapped to permissions; the caller must refuse it (fail closed). */
export class UnmappableRequestError extends Error {
  constructor(
    message: string,
    /** `unsupported`: an operation not modelled here; `invalid`: the body lacks a field. */
    readonly code: 'unsupported' | 'invalid',
  ) {
    super(message);
    this.name = 'UnmappableRequestError';
  }
}

const TARGET_PREFIX = 'DynamoDB_20120810.';

/** Operations checked on the table named by `TableName`. */
const TABLE_OPERATIONS = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'DescribeTable',
  'CreateTable',
  'UpdateTable',
  'DeleteTable',
  'DescribeTimeToLive',
  'UpdateTimeToLive',
  'DescribeContinuousBackups',
  'UpdateContinuousBackups',
  'DescribeContributorInsights',
  'UpdateContributorInsights',
  'DescribeKinesisStreamingDestination',
  'DescribeTableReplicaAutoScaling',
  'UpdateTableReplicaAutoScaling',
  'CreateBackup',
] as const;

/** Operations checked on their index when they name one, else on the table. */
const INDEXABLE_OPERATIONS = ['Query', 'Scan'] as const;

/** Operations checked on each table of `RequestItems`. */
const BATCH_OPERATIONS = ['BatchGetItem', 'BatchWriteItem'] as const;

/** Operations checked on the ARN in `ResourceArn`. */
const RESOURCE_ARN_OPERATIONS = [
  'TagResource',
  'UntagResource',
  'ListTagsOfResource',
  'GetResourcePolicy',
  'PutResourcePolicy',
  'DeleteResourcePolicy',
] as const;

/** Operations that take no resource: IAM checks them on `*`. */
const ACCOUNT_OPERATIONS = [
  'ListTables',
  'DescribeLimits',
  'DescribeEndpoints',
  'ListBackups',
  'ListGlobalTables',
  'ListExports',
  'ListImports',
  'ListContributorInsights',
] as const;

/** The action each element of `TransactWriteItems` needs. */
const TRANSACT_WRITE_ACTIONS = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
} as const;

/**
 * Every action a request on one table can need, in a stable order: the catalogue to ask an
 * evaluator "which of these does this role allow on that table?".
 */
export const TABLE_ACTIONS: readonly string[] = [
  ...new Set(
    [...TABLE_OPERATIONS, ...INDEXABLE_OPERATIONS, ...BATCH_OPERATIONS, 'ConditionCheckItem'].map(
      (operation) => `dynamodb:${operation}`,
    ),
  ),
];

/** The operation named by an `X-Amz-Target` header, or `undefined` when it is not DynamoDB's. */
export function operationFromTarget(target: string | undefined): string | undefined {
  if (!target?.startsWith(TARGET_PREFIX)) return undefined;
  const operation = target.slice(TARGET_PREFIX.length);
  return /^[A-Za-z]+$/.test(operation) ? operation : undefined;
}

/** The permissions `operation` with this JSON body needs, without duplicates, in request order. */
export function requiredPermissions(
  operation: string,
  body: unknown,
  context: ArnContext,
): RequiredPermission[] {
  const request = asRecord(body, 'the request body');
  const tableArn = (name: unknown, field: string): string => {
    if (typeof name !== 'string' || name === '') {
      throw new UnmappableRequestError(`${operation}: ${field} must be a table name`, 'invalid');
    }
    // TableName also accepts a table ARN (for resource-based policies across accounts).
    if (name.startsWith('arn:')) return name;
    const partition = context.partition ?? 'aws';
    return `arn:${partition}:dynamodb:${context.region}:${context.account}:table/${name}`;
  };
  const action = `dynamodb:${operation}`;

  if (includes(TABLE_OPERATIONS, operation)) {
    return [{ action, resource: tableArn(request.TableName, 'TableName') }];
  }
  if (includes(INDEXABLE_OPERATIONS, operation)) {
    const table = tableArn(request.TableName, 'TableName');
    const index = request.IndexName;
    return [{ action, resource: typeof index === 'string' ? `${table}/index/${index}` : table }];
  }
  if (includes(BATCH_OPERATIONS, operation)) {
    const items = asRecord(request.RequestItems, `${operation}: RequestItems`);
    return unique(
      Object.keys(items).map((name) => ({ action, resource: tableArn(name, 'RequestItems') })),
    );
  }
  if (includes(RESOURCE_ARN_OPERATIONS, operation)) {
    const arn = request.ResourceArn;
    if (typeof arn !== 'string' || !arn.startsWith('arn:')) {
      throw new UnmappableRequestError(`${operation}: ResourceArn must be an ARN`, 'invalid');
    }
    return [{ action, resource: arn }];
  }
  if (includes(ACCOUNT_OPERATIONS, operation)) return [{ action, resource: '*' }];
  if (operation === 'TransactWriteItems') {
    return unique(
      transactItems(request, operation).map((item, index) => {
        const kinds = Object.keys(TRANSACT_WRITE_ACTIONS).filter((kind) => kind in item);
        const [kind] = kinds;
        if (kinds.length !== 1 || !isTransactWriteKind(kind)) {
          throw new UnmappableRequestError(
            `${operation}: TransactItems[${index}] must hold exactly one of Put, Update, Delete, ConditionCheck`,
            'invalid',
          );
        }
        const element = asRecord(item[kind], `${operation}: TransactItems[${index}].${kind}`);
        return {
          action: TRANSACT_WRITE_ACTIONS[kind],
          resource: tableArn(element.TableName, `TransactItems[${index}].${kind}.TableName`),
        };
      }),
    );
  }
  if (operation === 'TransactGetItems') {
    return unique(
      transactItems(request, operation).map((item, index) => {
        const get = asRecord(item.Get, `${operation}: TransactItems[${index}].Get`);
        return {
          action: 'dynamodb:GetItem',
          resource: tableArn(get.TableName, `TransactItems[${index}].Get.TableName`),
        };
      }),
    );
  }
  throw new UnmappableRequestError(
    `${operation}: its IAM permissions are not modelled by this local endpoint`,
    'unsupported',
  );
}

function transactItems(
  request: Record<string, unknown>,
  operation: string,
): Record<string, unknown>[] {
  const items = request.TransactItems;
  if (!Array.isArray(items) || items.length === 0) {
    throw new UnmappableRequestError(
      `${operation}: TransactItems must be a non-empty list`,
      'invalid',
    );
  }
  return items.map((item, index) => asRecord(item, `${operation}: TransactItems[${index}]`));
}

function isTransactWriteKind(
  kind: string | undefined,
): kind is keyof typeof TRANSACT_WRITE_ACTIONS {
  return kind !== undefined && Object.hasOwn(TRANSACT_WRITE_ACTIONS, kind);
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UnmappableRequestError(`${what} must be a JSON object`, 'invalid');
  }
  return value as Record<string, unknown>;
}

function includes(list: readonly string[], operation: string): boolean {
  return list.includes(operation);
}

function unique(permissions: RequiredPermission[]): RequiredPermission[] {
  const seen = new Set<string>();
  return permissions.filter(({ action, resource }) => {
    const key = `${action} ${resource}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
