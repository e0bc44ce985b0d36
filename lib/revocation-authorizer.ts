/**
 * The reusable construct: a revocation table, the authorizer function, least-privilege grants,
 * ready-to-attach authorizers for REST and HTTP APIs, alarms, metrics of its own instance and an
 * optional dashboard. Safe by default: API Gateway's authorizer result cache is off (CDK's own
 * default of 300 s would keep revoked tokens working for five minutes), the table is retained
 * and protected from deletion.
 */
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as apigwv2Authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as apigwv2Integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { iamActions } from '../lambda/revocations/table/layout';
import { ENV, INTEGER_SETTINGS } from '../lambda/shared/settings';
import { createAlarms } from './alarms';
import { createDashboard } from './dashboard';
import { functionEnvironment } from './function-environment';
import { warnLocalDevelopment } from './local-development';
import { AuthorizerMetrics, defaultMetricsInstance, type IAuthorizerMetrics } from './metrics';
import { validateProps, type RevocationAuthorizerProps } from './revocation-authorizer-props';
import {
  RouteScopeTable,
  type HttpRouteScopeOptions,
  type RestMethodScopeOptions,
} from './route-scopes';
import { createRevocationTable, createTableFunction } from './table-resources';

export {
  validateProps,
  type RevocationAuthorizerProps,
  type TrustedIssuer,
} from './revocation-authorizer-props';
export type { FunctionTuning } from './function-tuning';
export type {
  HttpRouteScopeOptions,
  RestMethodScopeOptions,
  RouteScopeOptions,
} from './route-scopes';
export { AUTHORIZER_METRICS, type IAuthorizerMetrics } from './metrics';

export class RevocationAuthorizer extends Construct implements IAuthorizerMetrics {
  /** The revocation table (created, or the one passed in). */
  readonly table: dynamodb.ITableV2;
  /** The authorizer function, behind every authorizer made here (through `alias` if any). */
  readonly function: lambda.Function;
  /**
   * With `provisionedConcurrency`: the alias `live` with the provisioned environments, which
   * every authorizer made here invokes instead of the function.
   */
  readonly alias: lambda.Alias | undefined;
  /** The `instance` dimension of this construct's metrics (`metricsInstance`). */
  readonly metricsInstance: string;
  /** With `dashboard: true`: this instance's CloudWatch dashboard. */
  readonly dashboard: cloudwatch.Dashboard | undefined;
  /** The revocation endpoint's function, with `revocationEndpoint: true`. */
  readonly revokeFunction: lambda.Function | undefined;
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

  private readonly environment: Record<string, string>;
  private readonly metrics: AuthorizerMetrics;
  private readonly made = new Map<string, unknown>();
  /** Every authorizer made here: the only ones that read `ROUTE_SCOPES`. */
  private readonly ownAuthorizers = new Set<unknown>();
  private readonly routeScopes: RouteScopeTable;

  constructor(scope: Construct, id: string, props: RevocationAuthorizerProps) {
    super(scope, id);
    validateProps(props, Stack.of(this).region);
    this.authorizerCacheTtl = props.authorizerCacheTtl ?? Duration.seconds(0);
    const poll =
      props.generationPollInterval ??
      Duration.seconds(INTEGER_SETTINGS.generationPollSeconds.default);
    const notRevokedTtl =
      props.notRevokedTtl ?? Duration.seconds(INTEGER_SETTINGS.notRevokedTtlSeconds.default);
    const inContainer = poll.toSeconds() > 0 ? poll : notRevokedTtl;
    this.maxRevocationDelay = Duration.seconds(
      this.authorizerCacheTtl.toSeconds() + inContainer.toSeconds(),
    );

    this.table = props.table ?? createRevocationTable(this, props);
    this.metricsInstance = props.metricsInstance ?? defaultMetricsInstance(this);
    const storeTimeout =
      props.storeTimeout ?? Duration.millis(INTEGER_SETTINGS.storeTimeoutMs.default);
    this.environment = functionEnvironment(
      props,
      this.table.tableName,
      { poll, notRevokedTtl, storeTimeout },
      this.metricsInstance,
    );
    // The prop's routes and those attached through this construct, known at synthesis.
    this.routeScopes = new RouteScopeTable(props.routeScopes);
    this.routeScopes.validateOn(this);
    this.environment[ENV.routeScopes] = this.routeScopes.lazySetting();
    this.metrics = new AuthorizerMetrics(this.environment);
    if (props.localDevelopment) warnLocalDevelopment(this);
    // Each function gets exactly the operations the table module declares for its side.
    const functionParts = { props, environment: this.environment, table: this.table };
    this.function = createTableFunction(this, 'Function', 'authorizer', 'reader', functionParts);
    this.revokeFunction = props.revocationEndpoint
      ? createTableFunction(this, 'RevokeFunction', 'revoke', 'revoker', functionParts)
      : undefined;
    this.alias = props.provisionedConcurrency
      ? this.function.addAlias('live', {
          provisionedConcurrentExecutions: props.provisionedConcurrency,
        })
      : undefined;

    const alarms = createAlarms(this, {
      metrics: this,
      function: this.function,
      table: this.table,
      failClosedThreshold: props.failClosedAlarmThreshold ?? 5,
      topic: props.alarmTopic,
    });
    this.failClosedAlarm = alarms.failClosed;
    this.storeThrottleAlarm = alarms.storeThrottle;
    this.functionThrottleAlarm = alarms.functionThrottle;
    this.dashboard = props.dashboard
      ? createDashboard(this, 'Dashboard', {
          instance: this.metricsInstance,
          metrics: this,
          function: this.function,
          table: this.table,
          failClosedAlarm: this.failClosedAlarm,
        })
      : undefined;
  }

  /**
   * Lets `grantee` (your own service's role) revoke through `RevocationClient`: exactly the
   * operations the table module declares for the revoking side (GetItem, PutItem, UpdateItem on
   * the table), and encryption with the table's key when it has a customer-managed one. Removing
   * a revocation also needs DeleteItem (docs/permissions.md).
   */
  grantRevoke(grantee: iam.IGrantable): iam.Grant {
    this.table.encryptionKey?.grantEncryptDecrypt(grantee);
    return this.table.grant(grantee, ...iamActions('revoker'));
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
    return this.own(
      new apigateway.TokenAuthorizer(this, id, {
        handler: this.invoked,
        identitySource: apigateway.IdentitySource.header('Authorization'),
        resultsCacheTtl: this.authorizerCacheTtl,
      }),
    );
  }

  /** A further REQUEST authorizer, for another REST API. */
  newRestRequestAuthorizer(id: string): apigateway.RequestAuthorizer {
    return this.own(
      new apigateway.RequestAuthorizer(this, id, {
        handler: this.invoked,
        identitySources: [apigateway.IdentitySource.header('Authorization')],
        resultsCacheTtl: this.authorizerCacheTtl,
      }),
    );
  }

  /**
   * A further simple-response authorizer, for another HTTP API. A simple answer holds for one
   * route only when routes require scopes: with API Gateway's cache on, it is then cached per
   * route (`$context.routeKey` joins the identity sources).
   */
  newHttpAuthorizer(id: string): apigwv2Authorizers.HttpLambdaAuthorizer {
    return this.own(
      new apigwv2Authorizers.HttpLambdaAuthorizer(id, this.invoked, {
        identitySource: Lazy.list({
          produce: () => [
            '$request.header.Authorization',
            ...(this.authorizerCacheTtl.toSeconds() > 0 && !this.routeScopes.isEmpty
              ? ['$context.routeKey']
              : []),
          ],
        }),
        resultsCacheTtl: this.authorizerCacheTtl,
        responseTypes: [apigwv2Authorizers.HttpLambdaResponseType.SIMPLE],
      }),
    );
  }

  /** A further IAM-response authorizer, for another HTTP API. */
  newHttpIamAuthorizer(id: string): apigwv2Authorizers.HttpLambdaAuthorizer {
    return this.own(
      new apigwv2Authorizers.HttpLambdaAuthorizer(id, this.invoked, {
        identitySource: ['$request.header.Authorization'],
        resultsCacheTtl: this.authorizerCacheTtl,
        responseTypes: [apigwv2Authorizers.HttpLambdaResponseType.IAM],
      }),
    );
  }

  /**
   * Adds `httpMethod` on a REST API `resource` behind this construct's TOKEN authorizer (or
   * `options.authorizer`); with `options.scopes`, a token needs one of them on it, and the route
   * (`GET /orders/{id}`, as API Gateway writes it) joins `ROUTE_SCOPES`.
   */
  authorizeRestMethod(
    resource: apigateway.IResource,
    httpMethod: string,
    integration?: apigateway.Integration,
    options: RestMethodScopeOptions = {},
  ): apigateway.Method {
    const method = httpMethod.toUpperCase();
    if (options.scopes) {
      this.checkScopedAuthorizer(`${method} ${resource.path}`, options.authorizer);
      this.routeScopes.add(`${method} ${resource.path}`, options.scopes);
    }
    return resource.addMethod(method, integration, {
      ...options.methodOptions,
      authorizer: options.authorizer ?? this.restTokenAuthorizer,
    });
  }

  /**
   * Adds routes to an HTTP API behind this construct's simple-response authorizer (or
   * `options.authorizer`); with `options.scopes`, a token needs one of them on each, and each
   * route (`GET /orders/{id}`) joins `ROUTE_SCOPES`.
   */
  addHttpRoute(api: apigwv2.HttpApi, options: HttpRouteScopeOptions): apigwv2.HttpRoute[] {
    const methods = options.methods ?? [apigwv2.HttpMethod.ANY];
    const { scopes } = options;
    if (scopes) {
      this.checkScopedAuthorizer(options.path, options.authorizer);
      for (const method of methods) this.routeScopes.add(`${method} ${options.path}`, scopes);
    }
    return api.addRoutes({
      path: options.path,
      methods: [...methods],
      integration: options.integration,
      authorizer: options.authorizer ?? this.httpAuthorizer,
    });
  }

  /** What API Gateway invokes: the alias with provisioned concurrency, else the function. */
  private get invoked(): lambda.IFunction {
    return this.alias ?? this.function;
  }

  metricAllow(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricAllow(props);
  }

  metricDeny(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricDeny(props);
  }

  metricInsufficientScope(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricInsufficientScope(props);
  }

  metricUnauthorized(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricUnauthorized(props);
  }

  metricFailClosed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricFailClosed(props);
  }

  metricCacheHit(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricCacheHit(props);
  }

  metricCacheMiss(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricCacheMiss(props);
  }

  metricStoreLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricStoreLatency(props);
  }

  metricCacheHitRatio(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return this.metrics.metricCacheHitRatio(props);
  }

  private own<T>(authorizer: T): T {
    this.ownAuthorizers.add(authorizer);
    return authorizer;
  }

  /**
   * Scopes are checked by this construct's function through `ROUTE_SCOPES`: an authorizer it did
   * not make (a Cognito or JWT authorizer, or one made by hand) would never read them.
   */
  private checkScopedAuthorizer(route: string, authorizer: unknown): void {
    if (authorizer !== undefined && !this.ownAuthorizers.has(authorizer)) {
      throw new Error(
        `RevocationAuthorizer: ${route} has scopes but an authorizer this construct did not make, ` +
          'which would not check them: use one of its authorizers, or set the scopes on yours',
      );
    }
  }

  private once<T>(id: string, make: (id: string) => T): T {
    if (!this.made.has(id)) this.made.set(id, make(id));
    return this.made.get(id) as T;
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

  private requireRevokeFunction(): lambda.Function {
    if (!this.revokeFunction) {
      throw new Error(
        'RevocationAuthorizer: set revocationEndpoint: true to add revocation routes',
      );
    }
    return this.revokeFunction;
  }
}
