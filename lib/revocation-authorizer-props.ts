/**
 * The construct's props, each `readonly` with its `@default`, and their validation: every prop
 * is checked first and one error lists every problem, before any resource is made.
 */
import { Duration, Token, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { parseContextClaims } from '../lambda/shared/context-claims';
import { issuerRuleProblems, SUPPORTED_ALGORITHMS } from '../lambda/shared/issuer-rules';
import { routeScopesProblems } from '../lambda/shared/route-scopes';
import { ENV, INTEGER_SETTINGS as INT } from '../lambda/shared/settings';
import { functionTuningProblems, type FunctionTuning } from './function-tuning';
import { plainHttpJwksProblem } from './local-development';

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
  /**
   * Claim of this issuer's tokens holding the audience: `client_id` for Cognito access tokens.
   * @default the construct's `audienceClaim`
   */
  readonly audienceClaim?: 'aud' | 'client_id';
  /**
   * Required `typ` header of this issuer's tokens, e.g. `at+jwt`.
   * @default the construct's `requiredTyp`
   */
  readonly requiredTyp?: string;
  /**
   * Signature algorithms accepted from this issuer.
   * @default the construct's `algorithms`
   */
  readonly algorithms?: readonly string[];
  /**
   * Cognito issuers only (`https://cognito-idp.<region>.amazonaws.com/<pool id>`): the required
   * `token_use`, `access` or `id`. Refused for any other issuer.
   * @default 'access' for a Cognito issuer: ID tokens are refused
   */
  readonly tokenUse?: 'access' | 'id';
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
   * Further claims an Allow passes to the integration as `$context.authorizer.<key>`
   * (`CONTEXT_CLAIMS`), each `claim` or `claim=key`: `['email', 'cognito:groups=groups']`. A
   * value passes as one flat string or is left out whole (an object, over 1024 bytes, or no room
   * left in the context); keys the context already carries are refused (docs/settings.md).
   * @default none
   */
  readonly contextClaims?: readonly string[];
  /**
   * Further environment variables for the function (see the README's settings table). A value
   * for `JWKS_ALLOW_HTTP_HOSTS` is refused: see `localDevelopment`.
   * @default none
   */
  readonly extraEnvironment?: Readonly<Record<string, string>>;
  /**
   * For `sam local invoke` of the synthesized template: the functions declare
   * `AWS_ENDPOINT_URL_DYNAMODB`, `JWKS_ALLOW_HTTP_HOSTS` and (with one issuer) `JWKS_URI`, empty,
   * so that SAM's env-vars file can point them at a local DynamoDB and a dev issuer. Empty, they
   * change nothing (a deployed function still reads DynamoDB in AWS and fetches keys over
   * HTTPS), but synthesize without it to deploy; the synth warns. docs/sam-local-invoke.md.
   * @default false
   */
  readonly localDevelopment?: boolean;
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
   * Retention of the functions' logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the functions' log groups when they leave the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Further options for the authorizer function (not the revocation endpoint's), e.g.
   * `reservedConcurrentExecutions`, `tracing: lambda.Tracing.ACTIVE`, `vpc` with `vpcSubnets`
   * and `securityGroups`, `layers`, `functionName`.
   *
   * Precedence: these are applied over the construct's own defaults (so a `description` here
   * wins), but the construct always wins for what safety and its wiring need: runtime,
   * architecture, entry, handler and bundling are not options here; `role`, `initialPolicy`,
   * `environment`, `memorySize`, `timeout`, `logGroup`, `logRetention*`, `logRemovalPolicy`
   * and `currentVersionOptions` are refused by the type and by the props validation (use the
   * props of the same name; see `CONSTRUCT_OWNED_OPTIONS`). With a `vpc`, the construct adds
   * the network-interface permissions Lambda needs to its role; the function must then reach
   * DynamoDB (a gateway endpoint) and the issuers' JWKS (HTTPS egress).
   * @default none
   */
  readonly functionProps?: FunctionTuning;
  /**
   * Provisioned concurrency of the authorizer function: the construct publishes a version,
   * points the alias `live` at it with this many provisioned environments, and every
   * authorizer it makes invokes that alias (see `alias`). Billed while deployed, used or not.
   * Less than `functionProps.reservedConcurrentExecutions` when both are set.
   * @default none: no alias, the authorizers invoke the function
   */
  readonly provisionedConcurrency?: number;
  /**
   * The `instance` dimension of the function's metrics (`METRICS_INSTANCE`), which the alarms,
   * the dashboard and the `metric*` methods read: two instances in one account never share a
   * metric. Printable ASCII, at most 255 characters.
   * @default the stack name and the construct's path in it, e.g. `Orders/Revocation`
   */
  readonly metricsInstance?: string;
  /**
   * A CloudWatch dashboard for this instance: decisions by kind, cache hit ratio, store latency
   * (p50, p99), fail-closed answers against their alarm, DynamoDB and Lambda throttles.
   * @default false
   */
  readonly dashboard?: boolean;
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
  /**
   * `POST /revoke` revokes a token only for the client it was issued to, by the `client_id`
   * (else `azp`) of the caller's token and of the token (RFC 7009 section 2.1); a caller whose
   * token names no client revokes nothing. `false` lets any token of the same user revoke any
   * other, for deployments with a single client (`REVOKE_REQUIRE_SAME_CLIENT`).
   * @default true
   */
  readonly revokeRequireSameClient?: boolean;
  /**
   * Scopes required per route (`ROUTE_SCOPES`), for routes attached elsewhere: the route key as
   * API Gateway writes it (`GET /orders/{id}`, `ANY /admin/{proxy+}`, `$default`) -> the scopes
   * it accepts, at least one; a token needs one of them, else 403. Routes attached with
   * `authorizeRestMethod` or `addHttpRoute` add their own. See docs/route-scopes.md.
   * @default no route requires a scope
   */
  readonly routeScopes?: Readonly<Record<string, readonly string[]>>;
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
    problems.push(...algorithmProblems(`${name}.algorithms`, issuer.algorithms));
    if (issuer.requiredTyp !== undefined && !issuer.requiredTyp.trim()) {
      problems.push(`${name}.requiredTyp: must not be empty`);
    }
    // An issuer known only at deploy time (a token) is checked by the function at cold start.
    if (!Token.isUnresolved(issuer.issuer)) {
      const rules = {
        issuer: issuer.issuer,
        audienceClaim: issuer.audienceClaim ?? props.audienceClaim ?? 'aud',
        tokenUse: issuer.tokenUse,
      };
      problems.push(...issuerRuleProblems(rules).map((problem) => `${name}: ${problem}`));
    }
  });
  problems.push(...algorithmProblems('algorithms', props.algorithms));
  const contextClaims = (props.contextClaims ?? []).filter((entry) => !Token.isUnresolved(entry));
  problems.push(
    ...parseContextClaims(contextClaims).problems.map((problem) => `contextClaims: ${problem}`),
  );
  const seconds = (duration: Duration | undefined): number | undefined =>
    duration === undefined || Token.isUnresolved(duration)
      ? undefined
      : duration.toSeconds({ integral: false });
  const cacheTtl = seconds(props.authorizerCacheTtl);
  if (cacheTtl !== undefined && (cacheTtl < 0 || cacheTtl > 3600)) {
    problems.push('authorizerCacheTtl: must be between 0 and 3600 seconds (API Gateway limit)');
  }
  // The ranges the function's settings loader accepts, so a prop it would refuse fails here.
  const wholeSeconds = (
    name: string,
    value: number | undefined,
    setting: { min: number; max: number },
  ): void => {
    if (
      value !== undefined &&
      !(Number.isInteger(value) && value >= setting.min && value <= setting.max)
    ) {
      problems.push(`${name}: must be whole seconds between ${setting.min} and ${setting.max}`);
    }
  };
  wholeSeconds(
    'generationPollInterval',
    seconds(props.generationPollInterval),
    INT.generationPollSeconds,
  );
  wholeSeconds('notRevokedTtl', seconds(props.notRevokedTtl), INT.notRevokedTtlSeconds);
  const storeTimeout = seconds(props.storeTimeout) ?? INT.storeTimeoutMs.default / 1000;
  if (
    storeTimeout * 1000 < INT.storeTimeoutMs.min ||
    storeTimeout * 1000 > INT.storeTimeoutMs.max
  ) {
    problems.push(
      `storeTimeout: must be between ${INT.storeTimeoutMs.min} ms and ${INT.storeTimeoutMs.max / 1000} s`,
    );
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
  problems.push(...functionTuningProblems(props.functionProps, props.provisionedConcurrency));
  const plainHttpJwks = plainHttpJwksProblem(props.extraEnvironment);
  if (plainHttpJwks) problems.push(plainHttpJwks);
  const instance = props.metricsInstance;
  if (
    instance !== undefined &&
    !Token.isUnresolved(instance) &&
    !(/^[\x20-\x7e]{1,255}$/.test(instance) && /\S/.test(instance))
  ) {
    problems.push('metricsInstance: must be 1 to 255 printable ASCII characters, not only spaces');
  }
  if (props.routeScopes) problems.push(...routeScopesProblems(props.routeScopes, 'routeScopes'));
  if (props.extraEnvironment?.[ENV.routeScopes] !== undefined) {
    problems.push(`extraEnvironment: set ${ENV.routeScopes} with the routeScopes prop`);
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

/** The function's settings loader accepts a non-empty list of these names only. */
function algorithmProblems(name: string, algorithms: readonly string[] | undefined): string[] {
  if (algorithms === undefined) return [];
  const supported: readonly string[] = SUPPORTED_ALGORITHMS;
  if (algorithms.length > 0 && algorithms.every((algorithm) => supported.includes(algorithm))) {
    return [];
  }
  return [
    `${name}: must name at least one of ${SUPPORTED_ALGORITHMS.join(', ')}, and nothing else`,
  ];
}

function isUrl(text: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
