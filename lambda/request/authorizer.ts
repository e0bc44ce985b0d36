/**
 * The authorizer as a function of its dependencies: event -> token -> verify -> revocation
 * check -> answer. `handlers/authorizer.mts` builds the real dependencies once per container; tests and the
 * local gateway build their own.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AuthorizerConfig } from '../shared/config';
import { errorCode, TokenRejectedError } from '../shared/errors';
import { readAuthorizerRequest, type AuthorizerRequest } from './authorizer-event';
import { droppedContextClaims } from './claims-context';
import {
  denyResponse,
  toThrownError,
  validTokenAnswer,
  type AuthorizerResponse,
  type ValidTokenAnswer,
} from './responses';
import {
  DynamoDbRevocationStore,
  createDynamoDbClient,
  type RevocationStore,
} from '../revocations/table';
import { RevocationChecker, type RevocationCheck } from './revocation-checker';
import { RouteScopeRules } from './route-scope-rules';
import { PowertoolsTelemetry, type DecisionRecord, type Telemetry } from '../shared/telemetry';
import { createTokenVerifier, type TokenVerifier, type VerifiedToken } from './token-verifier';

export interface AuthorizerDeps {
  readonly config: AuthorizerConfig;
  readonly verifier: TokenVerifier;
  readonly revocations: RevocationChecker;
  readonly telemetry: Telemetry;
}

export type AuthorizerHandler = (event: unknown) => Promise<AuthorizerResponse>;

export function createHandler(deps: AuthorizerDeps): AuthorizerHandler {
  const { config, verifier, revocations, telemetry } = deps;
  const routeScopes = new RouteScopeRules(config.routeScopes);

  return async function authorize(event: unknown): Promise<AuthorizerResponse> {
    const started = performance.now();
    let request: AuthorizerRequest | undefined;
    let token: VerifiedToken | undefined;
    try {
      request = readAuthorizerRequest(event, config.maxTokenBytes);
      token = await verifier.verify(request.token);
      const check = await revocations.check(token);
      const input = {
        kind: request.kind,
        httpApiResponseMode: config.httpApiResponseMode,
        resourceArn: request.resourceArn,
        routeKey: request.routeKey,
        routeScopes,
        token,
        contextClaims: config.contextClaims,
      };
      // A revoked token is denied everywhere, whatever its scopes.
      const valid = check.revoked ? undefined : validTokenAnswer(input);
      const response = valid?.response ?? denyResponse(input);
      // Chosen claims an Allow had to leave out, by name: the log says so, never their values. An
      // answer that carries no claims (revoked, or a simple answer refused for its route) drops none.
      const carriesClaims =
        valid !== undefined && !(valid.insufficientScope && 'isAuthorized' in valid.response);
      const dropped = carriesClaims
        ? droppedContextClaims(token.claims, config.contextClaims, response.context)
        : [];
      telemetry.record({
        ...outcome(check.revokedBy, valid),
        eventKind: request.kind,
        cache: check.source === 'cache' ? 'hit' : 'miss',
        storeLatencyMs: check.storeLatencyMs,
        jti: token.jti,
        iss: token.iss,
        sub: token.sub,
        durationMs: performance.now() - started,
        ...(dropped.length > 0 ? { droppedContextClaims: dropped } : {}),
      });
      return response;
    } catch (error) {
      const refused = error instanceof TokenRejectedError;
      telemetry.record({
        decision: refused ? 'unauthorized' : 'error',
        reason: errorCode(error),
        eventKind: request?.kind,
        jti: token?.jti,
        iss: token?.iss,
        sub: token?.sub,
        durationMs: performance.now() - started,
        error: refused ? undefined : error,
      });
      throw toThrownError(error);
    }
  };
}

/** The decision and reason recorded for the answer to a verified token. */
function outcome(
  revokedBy: RevocationCheck['revokedBy'],
  valid: ValidTokenAnswer | undefined,
): Pick<DecisionRecord, 'decision' | 'reason'> {
  if (valid === undefined) {
    return { decision: 'deny', reason: revokedBy === 'subject' ? 'SUBJECT_REVOKED' : 'REVOKED' };
  }
  if (valid.insufficientScope)
    return { decision: 'insufficient-scope', reason: 'INSUFFICIENT_SCOPE' };
  return { decision: 'allow', reason: 'OK' };
}

export interface ProductionDepsOptions {
  /** Replaces the DynamoDB store. */
  readonly store?: RevocationStore;
  /** The client of the DynamoDB store; by default one built from the settings. */
  readonly dynamoDbClient?: DynamoDBClient;
  readonly telemetry?: Telemetry;
  /** Wall clock in milliseconds (tests pin it). */
  readonly now?: () => number;
  /**
   * Monotonic clock in milliseconds, for the revocation cache's durations.
   * @default `now` when it is given, else `performance.now`
   */
  readonly monotonicNow?: () => number;
  /** Which copy of the generation record to read; by default one at random. */
  readonly generationCopy?: number;
}

/** The real dependencies, as deployed: aws-jwt-verify, DynamoDB, Powertools. */
export function createProductionDeps(
  config: AuthorizerConfig,
  options: ProductionDepsOptions = {},
): AuthorizerDeps {
  const store =
    options.store ??
    new DynamoDbRevocationStore({
      client: options.dynamoDbClient ?? createDynamoDbClient(config),
      tableName: config.revocationTableName,
      timeoutMs: config.storeTimeoutMs,
      now: options.now,
    });
  return {
    config,
    verifier: createTokenVerifier(config, { now: options.now }),
    revocations: new RevocationChecker({
      store,
      notRevokedTtlSeconds: config.notRevokedTtlSeconds,
      generationPollSeconds: config.generationPollSeconds,
      maxEntries: config.cacheMaxEntries,
      now: options.now,
      monotonicNow: options.monotonicNow,
      generationCopy: options.generationCopy,
    }),
    telemetry:
      options.telemetry ??
      new PowertoolsTelemetry({ flushSeconds: config.metricsFlushSeconds, now: options.now }),
  };
}
