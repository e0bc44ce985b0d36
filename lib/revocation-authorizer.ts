/**
 * The reusable construct: a revocation table, the authorizer function, least-privilege grants,
 * ready-to-attach authorizers for REST and HTTP APIs, and alarms. Safe by default: API
 * Gateway's authorizer result cache is off (CDK's own default of 300 s would keep revoked tokens
 * working for five minutes), the table is retained and protected from deletion.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as apigwv2Authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as apigwv2Integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  iamActions,
  TABLE_KEY,
  TTL_ATTRIBUTE,
  type TableSide,
} from '../lambda/revocations/table/layout';
import { FUNCTION_BUNDLING } from './bundling';

/** One trusted token issuer. */
export interface TrustedIssuer {
  /** Exact `iss` value, e.g. `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC`. */
  readonly issuer: string;
  /** Accepted audiences: the token must name at least one. */
  readonly audience: readonly string[];
  /**
   * Where the issuer publishes its keys.
   * @default `<issuer>/.well-known/jwks.json`
   */
  readonly jwksUri?: string;
}

export interface RevocationAuthorizerProps {
  /** The issuers whose tokens are accepted (at least one). */
  readonly issuers: readonly TrustedIssuer[];
  /**
   * An existing revocation table (partition key `pk`, string). When given, no table is created
   * and the table props below are ignored.
   * @default a new table
   */
  readonly table?: dynamodb.ITableV2;
  /**
   * KMS key for a new table.
   * @default an AWS-owned key
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Regions in which a new table gets replicas (a DynamoDB global table). Deploy the construct
   * in each of them with `table` set to `TableV2.fromTableName(...)`, so every region's
   * function reads its local replica.
   * @default no replicas
   */
  readonly replicaRegions?: readonly string[];
  /**
   * What happens to a new table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * Deletion protection of a new table.
   * @default true
   */
  readonly tableDeletionProtection?: boolean;
  /**
   * How long API Gateway reuses an authorizer decision. Raising it saves Lambda invocations but
   * adds to the revocation delay (see `maxRevocationDelay`): API Gateway keeps answering from
   * its cache even after a revocation. At most one hour.
   * @default Duration.seconds(0), no API Gateway cache
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * How often a warm container re-reads the revocation generation (`GENERATION_POLL_SECONDS`);
   * the in-container part of the revocation delay. Zero turns polling off.
   * @default Duration.seconds(1)
   */
  readonly generationPollInterval?: Duration;
  /**
   * Longest a container reuses a "not revoked" answer (`NOT_REVOKED_TTL_SECONDS`).
   * @default Duration.hours(1)
   */
  readonly notRevokedTtl?: Duration;
  /**
   * Overall deadline of one revocation lookup (`STORE_TIMEOUT_MS`).
   * @default Duration.seconds(1)
   */
  readonly storeTimeout?: Duration;
  /**
   * Claim naming the token for revocation (`JTI_CLAIM`).
   * @default 'jti'
   */
  readonly jtiClaim?: string;
  /**
   * Accept tokens without the jti claim, revocable per subject only (`ALLOW_TOKENS_WITHOUT_JTI`).
   * @default false
   */
  readonly allowTokensWithoutJti?: boolean;
  /**
   * Claim holding the audience (`JWT_AUDIENCE_CLAIM`): `client_id` for Cognito access tokens.
   * @default 'aud'
   */
  readonly audienceClaim?: 'aud' | 'client_id';
  /**
   * Required `typ` header, e.g. `at+jwt` (`JWT_REQUIRED_TYP`).
   * @default no check
   */
  readonly requiredTyp?: string;
  /**
   * Allowed signature algorithms (`JWT_ALGORITHMS`).
   * @default RS256, RS384, RS512, ES256, ES384, ES512, EdDSA
   */
  readonly algorithms?: readonly string[];
  /**
   * Further environment variables for the function (see the README's settings table).
   * @default none
   */
  readonly extraEnvironment?: Readonly<Record<string, string>>;
  /**
   * Runtime of the function (Node.js 22 or newer).
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;
  /**
   * Memory of the function; CPU, and so signature verification speed, grows with it.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Timeout of the function; must leave room for the store deadline and a JWKS fetch.
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Fail-closed answers (500s) in one minute that raise the alarm.
   * @default 5
   */
  readonly failClosedAlarmThreshold?: number;
  /**
   * Where alarms notify.
   * @default no action
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Deploy the revocation endpoint's function (`POST /revoke`, `POST /revoke-all`); attach its
   * routes with `addRestRevocationRoutes` or `addHttpRevocationRoutes`.
   * @default false
   */
  readonly revocationEndpoint?: boolean;
  /**
   * How long the endpoint keeps a "log out everywhere" record: longer than the longest-lived
   * token of your issuers (`SUBJECT_REVOCATION_RETENTION_SECONDS`).
   * @default Duration.days(30)
   */
  readonly subjectRevocationRetention?: Duration;
}

const AUTHORIZER_ENTRY = path.join(__dirname, '..', 'lambda', 'handlers', 'authorizer.ts');
const ENDPOINT_ENTRY = path.join(__dirname, '..', 'lambda', 'handlers', 'revoke.ts');
const METRICS_NAMESPACE = 'JwtRevocationAuthorizer';
const SERVICE_NAME = 'jwt-revocation-authorizer';

export class RevocationAuthorizer extends Construct {
  /** The revocation table (created, or the one passed in). */
  readonly table: dynamodb.ITableV2;
  /** The authorizer function, behind every authorizer made here. */
  readonly function: nodejs.NodejsFunction;
  /** The revocation endpoint's function, with `revocationEndpoint: true`. */
  readonly revokeFunction: nodejs.NodejsFunction | undefined;
  /** API Gateway's authorizer cache TTL applied to every authorizer made here. */
  readonly authorizerCacheTtl: Duration;
  /**
   * The longest a revoked token may still be accepted after its revocation was written: API
   * Gateway's cache TTL plus the in-container window (the generation poll interval, or the
   * "not revoked" TTL when polling is off). Add global-table replication lag (usually under a
   * second) for revocations written in another region.
   */
  readonly maxRevocationDelay: Duration;
  /** Alarm on fail-closed answers (the store or the JWKS could not be reached). */
  readonly failClosedAlarm: cloudwatch.Alarm;
  /** Alarm on DynamoDB throttling the authorizer's reads. */
  readonly storeThrottleAlarm: cloudwatch.Alarm;
  /** Alarm on Lambda throttling the authorizer (API Gateway then answers 500). */
  readonly functionThrottleAlarm: cloudwatch.Alarm;

  private readonly props: RevocationAuthorizerProps;
  private readonly environment: Record<string, string>;
  private readonly made = new Map<string, unknown>();

  constructor(scope: Construct, id: string, props: RevocationAuthorizerProps) {
    super(scope, id);
    validateProps(props, Stack.of(this).region);
    this.props = props;
    this.authorizerCacheTtl = props.authorizerCacheTtl ?? Duration.seconds(0);
    const poll = props.generationPollInterval ?? Duration.seconds(1);
    const notRevokedTtl = props.notRevokedTtl ?? Duration.seconds(3600);
    const inContainer = poll.toSeconds() > 0 ? poll : notRevokedTtl;
    this.maxRevocationDelay = Duration.seconds(
      this.authorizerCacheTtl.toSeconds() + inContainer.toSeconds(),
    );

    this.table = props.table ?? this.createTable(props);
    this.environment = {
      ...issuerEnvironment(props.issuers),
      REVOCATION_TABLE_NAME: this.table.tableName,
      GENERATION_POLL_SECONDS: String(poll.toSeconds()),
      NOT_REVOKED_TTL_SECONDS: String(notRevokedTtl.toSeconds()),
      STORE_TIMEOUT_MS: String((props.storeTimeout ?? Duration.seconds(1)).toMilliseconds()),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      NODE_OPTIONS: '--enable-source-maps',
      ...(props.jtiClaim ? { JTI_CLAIM: props.jtiClaim } : {}),
      ...(props.allowTokensWithoutJti ? { ALLOW_TOKENS_WITHOUT_JTI: 'true' } : {}),
      ...(props.audienceClaim ? { JWT_AUDIENCE_CLAIM: props.audienceClaim } : {}),
      ...(props.requiredTyp ? { JWT_REQUIRED_TYP: props.requiredTyp } : {}),
      ...(props.algorithms ? { JWT_ALGORITHMS: props.algorithms.join(',') } : {}),
      ...(props.subjectRevocationRetention
        ? {
            SUBJECT_REVOCATION_RETENTION_SECONDS: String(
              props.subjectRevocationRetention.toSeconds(),
            ),
          }
        : {}),
      ...props.extraEnvironment,
    };
    // Each function gets exactly the operations the table module declares for its side.
    this.function = this.createFunction('Function', AUTHORIZER_ENTRY, 'reader');
    this.revokeFunction = props.revocationEndpoint
      ? this.createFunction('RevokeFunction', ENDPOINT_ENTRY, 'revoker')
      : undefined;

    this.failClosedAlarm = new cloudwatch.Alarm(this, 'FailClosedAlarm', {
      alarmDescription:
        'The revocation authorizer failed closed (500): it could not reach DynamoDB or the issuer JWKS, so requests are being refused.',
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'FailClosed',
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      threshold: props.failClosedAlarmThreshold ?? 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.storeThrottleAlarm = new cloudwatch.Alarm(this, 'StoreThrottleAlarm', {
      alarmDescription:
        'DynamoDB throttled the revocation authorizer: lookups that stay throttled fail closed.',
      metric: this.table.metricThrottledRequestsForOperations({
        operations: [dynamodb.Operation.GET_ITEM, dynamodb.Operation.BATCH_GET_ITEM],
        period: Duration.minutes(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.functionThrottleAlarm = new cloudwatch.Alarm(this, 'FunctionThrottleAlarm', {
      alarmDescription: 'Lambda throttled the revocation authorizer: API Gateway answers 500.',
      metric: this.function.metricThrottles({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new cloudwatchActions.SnsAction(props.alarmTopic);
      for (const alarm of [
        this.failClosedAlarm,
        this.storeThrottleAlarm,
        this.functionThrottleAlarm,
      ]) {
        alarm.addAlarmAction(action);
      }
    }
  }

  /** A TOKEN authorizer for a REST API (Authorization header). Made on first use. */
  get restTokenAuthorizer(): apigateway.TokenAuthorizer {
    return this.once('RestTokenAuthorizer', (id) => this.newRestTokenAuthorizer(id));
  }

  /** A REQUEST authorizer for a REST API (Authorization header). Made on first use. */
  get restRequestAuthorizer(): apigateway.RequestAuthorizer {
    return this.once('RestRequestAuthorizer', (id) => this.newRestRequestAuthorizer(id));
  }

  /** An HTTP API authorizer with simple responses (`isAuthorized`). Made on first use. */
  get httpAuthorizer(): apigwv2Authorizers.HttpLambdaAuthorizer {
    return this.once('HttpAuthorizer', (id) => this.newHttpAuthorizer(id));
  }

  /**
   * An HTTP API authorizer with IAM policy responses. Made on first use. API Gateway sends it
   * payload format 1.0 events, which the function answers with policies.
   */
  get httpIamAuthorizer(): apigwv2Authorizers.HttpLambdaAuthorizer {
    return this.once('HttpIamAuthorizer', (id) => this.newHttpIamAuthorizer(id));
  }

  /** A further TOKEN authorizer, for another REST API (an authorizer belongs to one API). */
  newRestTokenAuthorizer(id: string): apigateway.TokenAuthorizer {
    return new apigateway.TokenAuthorizer(this, id, {
      handler: this.function,
      identitySource: apigateway.IdentitySource.header('Authorization'),
      resultsCacheTtl: this.authorizerCacheTtl,
    });
  }

  /** A further REQUEST authorizer, for another REST API. */
  newRestRequestAuthorizer(id: string): apigateway.RequestAuthorizer {
    return new apigateway.RequestAuthorizer(this, id, {
      handler: this.function,
      identitySources: [apigateway.IdentitySource.header('Authorization')],
      resultsCacheTtl: this.authorizerCacheTtl,
    });
  }

  /** A further simple-response authorizer, for another HTTP API. */
  newHttpAuthorizer(id: string): apigwv2Authorizers.HttpLambdaAuthorizer {
    return new apigwv2Authorizers.HttpLambdaAuthorizer(id, this.function, {
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: this.authorizerCacheTtl,
      responseTypes: [apigwv2Authorizers.HttpLambdaResponseType.SIMPLE],
    });
  }

  /** A further IAM-response authorizer, for another HTTP API. */
  newHttpIamAuthorizer(id: string): apigwv2Authorizers.HttpLambdaAuthorizer {
    return new apigwv2Authorizers.HttpLambdaAuthorizer(id, this.function, {
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: this.authorizerCacheTtl,
      responseTypes: [apigwv2Authorizers.HttpLambdaResponseType.IAM],
    });
  }

  private once<T>(id: string, make: (id: string) => T): T {
    if (!this.made.has(id)) this.made.set(id, make(id));
    return this.made.get(id) as T;
  }

  private createTable(props: RevocationAuthorizerProps): dynamodb.TableV2 {
    return new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: TABLE_KEY.name, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.tableDeletionProtection ?? true,
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
      encryption: props.encryptionKey
        ? dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey)
        : dynamodb.TableEncryptionV2.dynamoOwnedKey(),
      replicas: (props.replicaRegions ?? []).map((region) => ({ region })),
    });
  }

  /**
   * Adds `POST <resource>/revoke` and `POST <resource>/revoke-all` to a REST API, behind this
   * construct's TOKEN authorizer unless another is given.
   */
  addRestRevocationRoutes(
    resource: apigateway.IResource,
    authorizer: apigateway.IAuthorizer = this.restTokenAuthorizer,
  ): void {
    const integration = new apigateway.LambdaIntegration(this.requireRevokeFunction());
    for (const action of ['revoke', 'revoke-all']) {
      resource.addResource(action).addMethod('POST', integration, { authorizer });
    }
  }

  /**
   * Adds `POST <prefix>/revoke` and `POST <prefix>/revoke-all` to an HTTP API, behind this
   * construct's simple-response authorizer unless another is given.
   */
  addHttpRevocationRoutes(
    api: apigwv2.HttpApi,
    options: { pathPrefix?: string; authorizer?: apigwv2.IHttpRouteAuthorizer } = {},
  ): void {
    const integration = new apigwv2Integrations.HttpLambdaIntegration(
      `${api.node.id}RevokeIntegration`,
      this.requireRevokeFunction(),
    );
    for (const action of ['revoke', 'revoke-all']) {
      api.addRoutes({
        path: `${options.pathPrefix ?? ''}/${action}`,
        methods: [apigwv2.HttpMethod.POST],
        integration,
        authorizer: options.authorizer ?? this.httpAuthorizer,
      });
    }
  }

  private requireRevokeFunction(): nodejs.NodejsFunction {
    if (!this.revokeFunction) {
      throw new Error(
        'RevocationAuthorizer: set revocationEndpoint: true to add revocation routes',
      );
    }
    return this.revokeFunction;
  }

  private createFunction(id: string, entry: string, side: TableSide): nodejs.NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: this.props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role: write to its own log group, read the table, nothing else.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Revocation authorizer: its own logs and the revocation table',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const fn = new nodejs.NodejsFunction(this, id, {
      entry,
      handler: 'handler',
      runtime: this.props.runtime ?? lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: this.props.memorySize ?? 256,
      timeout: this.props.timeout ?? Duration.seconds(5),
      role,
      logGroup,
      description:
        entry === AUTHORIZER_ENTRY
          ? 'JWT revocation authorizer for API Gateway'
          : 'JWT revocation endpoint (POST /revoke, POST /revoke-all)',
      environment: this.environment,
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: FUNCTION_BUNDLING.target,
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        minify: FUNCTION_BUNDLING.minify,
        keepNames: FUNCTION_BUNDLING.keepNames,
        sourceMap: FUNCTION_BUNDLING.sourceMap,
        sourcesContent: FUNCTION_BUNDLING.sourcesContent,
        externalModules: [...FUNCTION_BUNDLING.externalModules],
        banner: FUNCTION_BUNDLING.banner,
      },
    });
    this.table.grant(fn, ...iamActions(side));
    if (side === 'reader') this.table.encryptionKey?.grantDecrypt(fn);
    else this.table.encryptionKey?.grantEncryptDecrypt(fn);
    return fn;
  }
}

function issuerEnvironment(issuers: readonly TrustedIssuer[]): Record<string, string> {
  const [only] = issuers;
  if (issuers.length === 1 && only) {
    return {
      JWT_ISSUER: only.issuer,
      JWT_AUDIENCE: only.audience.join(','),
      ...(only.jwksUri ? { JWKS_URI: only.jwksUri } : {}),
    };
  }
  return {
    JWT_ISSUERS: JSON.stringify(
      issuers.map(({ issuer, audience, jwksUri }) => ({
        issuer,
        audience,
        ...(jwksUri ? { jwksUri } : {}),
      })),
    ),
  };
}

/** Checks every prop first and throws one error that lists every problem. */
export function validateProps(props: RevocationAuthorizerProps, stackRegion?: string): void {
  const problems: string[] = [];
  if (
    stackRegion &&
    !Token.isUnresolved(stackRegion) &&
    props.replicaRegions?.includes(stackRegion)
  ) {
    problems.push('replicaRegions: must not list the stack region');
  }
  if (props.issuers.length === 0) problems.push('issuers: at least one issuer is required');
  props.issuers.forEach((issuer, index) => {
    const name = `issuers[${index}]`;
    if (!Token.isUnresolved(issuer.issuer) && !isUrl(issuer.issuer, ['https:', 'http:'])) {
      problems.push(`${name}.issuer: "${issuer.issuer}" is not a URL`);
    }
    if (issuer.audience.length === 0 || issuer.audience.some((audience) => !audience)) {
      problems.push(`${name}.audience: at least one non-empty audience is required`);
    }
    if (
      issuer.jwksUri !== undefined &&
      !Token.isUnresolved(issuer.jwksUri) &&
      !isUrl(issuer.jwksUri, ['https:'])
    ) {
      problems.push(`${name}.jwksUri: "${issuer.jwksUri}" must be an https URL`);
    }
  });
  const seconds = (duration: Duration | undefined): number | undefined =>
    duration === undefined || Token.isUnresolved(duration)
      ? undefined
      : duration.toSeconds({ integral: false });
  const cacheTtl = seconds(props.authorizerCacheTtl);
  if (cacheTtl !== undefined && (cacheTtl < 0 || cacheTtl > 3600)) {
    problems.push('authorizerCacheTtl: must be between 0 and 3600 seconds (API Gateway limit)');
  }
  const poll = seconds(props.generationPollInterval);
  if (poll !== undefined && (poll < 0 || poll > 3600 || !Number.isInteger(poll))) {
    problems.push('generationPollInterval: must be whole seconds between 0 and 3600');
  }
  const notRevokedTtl = seconds(props.notRevokedTtl);
  if (
    notRevokedTtl !== undefined &&
    (notRevokedTtl < 0 || notRevokedTtl > 86400 || !Number.isInteger(notRevokedTtl))
  ) {
    problems.push('notRevokedTtl: must be whole seconds between 0 and 86400');
  }
  const storeTimeout = seconds(props.storeTimeout) ?? 1;
  if (storeTimeout < 0.05 || storeTimeout > 30) {
    problems.push('storeTimeout: must be between 50 ms and 30 s');
  }
  const timeout = seconds(props.timeout) ?? 5;
  if (timeout < storeTimeout + 1) {
    problems.push(
      'timeout: must exceed storeTimeout by at least one second, so a slow store fails closed before the function times out',
    );
  }
  if (timeout > 29)
    problems.push('timeout: API Gateway waits at most 29 seconds for an authorizer');
  if (props.memorySize !== undefined && (props.memorySize < 128 || props.memorySize > 10240)) {
    problems.push('memorySize: must be between 128 and 10240 MB');
  }
  if (props.failClosedAlarmThreshold !== undefined && !(props.failClosedAlarmThreshold >= 1)) {
    problems.push('failClosedAlarmThreshold: must be at least 1');
  }
  if (props.table && (props.encryptionKey || props.replicaRegions?.length)) {
    problems.push(
      'table: encryptionKey and replicaRegions apply only to a table the construct creates',
    );
  }
  if (problems.length > 0) {
    throw new Error(`RevocationAuthorizer: invalid props:\n- ${problems.join('\n- ')}`);
  }
}

function isUrl(text: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
