/**
 * The functions' environment: the construct's props turned into the settings the Lambda reads
 * (`lambda/shared/config.ts`), under the variable names both take from `lambda/shared/settings.ts`.
 */
import type { Duration } from 'aws-cdk-lib';
import { ENV, INTEGER_SETTINGS } from '../lambda/shared/settings';
import { localDevelopmentVariables } from './local-development';
import type { RevocationAuthorizerProps, TrustedIssuer } from './revocation-authorizer-props';

/** Powertools' names for the service and the metric namespace. */
export const METRICS_NAMESPACE = 'JwtRevocationAuthorizer';
export const SERVICE_NAME = 'jwt-revocation-authorizer';
/**
 * The variable naming this construct instance; the telemetry publishes it as the `instance`
 * metric dimension, beside Powertools' `service`.
 */
export const METRICS_INSTANCE_ENV = ENV.metricsInstance;

export function functionEnvironment(
  props: RevocationAuthorizerProps,
  tableName: string,
  windows: { poll: Duration; notRevokedTtl: Duration; storeTimeout: Duration },
  metricsInstance: string,
): Record<string, string> {
  const setting = (name: keyof typeof INTEGER_SETTINGS, value: number): Record<string, string> => ({
    [INTEGER_SETTINGS[name].env]: String(value),
  });
  const environment: Record<string, string> = {
    ...issuerEnvironment(props.issuers),
    [ENV.revocationTableName]: tableName,
    ...setting('generationPollSeconds', windows.poll.toSeconds()),
    ...setting('notRevokedTtlSeconds', windows.notRevokedTtl.toSeconds()),
    ...setting('storeTimeoutMs', windows.storeTimeout.toMilliseconds()),
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    [METRICS_INSTANCE_ENV]: metricsInstance,
    NODE_OPTIONS: '--enable-source-maps',
    ...(props.jtiClaim ? { [ENV.jtiClaim]: props.jtiClaim } : {}),
    ...(props.allowTokensWithoutJti ? { [ENV.allowTokensWithoutJti]: 'true' } : {}),
    ...(props.revokeRequireSameClient === false ? { [ENV.revokeRequireSameClient]: 'false' } : {}),
    ...(props.audienceClaim ? { [ENV.audienceClaim]: props.audienceClaim } : {}),
    ...(props.requiredTyp ? { [ENV.requiredTyp]: props.requiredTyp } : {}),
    ...(props.algorithms ? { [ENV.algorithms]: props.algorithms.join(',') } : {}),
    ...(props.contextClaims?.length ? { [ENV.contextClaims]: props.contextClaims.join(',') } : {}),
    ...(props.subjectRevocationRetention
      ? setting('subjectRevocationRetentionSeconds', props.subjectRevocationRetention.toSeconds())
      : {}),
    ...props.extraEnvironment,
  };
  // Declared empty for sam local invoke to fill (lib/local-development.ts).
  return props.localDevelopment
    ? { ...environment, ...localDevelopmentVariables(environment) }
    : environment;
}

/**
 * One issuer without rules of its own: `JWT_ISSUER` and friends. Otherwise `JWT_ISSUERS`, whose
 * entries carry their own rules.
 */
function issuerEnvironment(issuers: readonly TrustedIssuer[]): Record<string, string> {
  const [only] = issuers;
  if (issuers.length === 1 && only && !hasOwnRules(only)) {
    return {
      [ENV.issuer]: only.issuer,
      [ENV.audience]: only.audience.join(','),
      ...(only.jwksUri ? { [ENV.jwksUri]: only.jwksUri } : {}),
    };
  }
  return {
    [ENV.issuers]: JSON.stringify(
      issuers.map(
        ({ issuer, audience, jwksUri, audienceClaim, requiredTyp, algorithms, tokenUse }) => ({
          issuer,
          audience,
          ...(jwksUri ? { jwksUri } : {}),
          ...(audienceClaim ? { audienceClaim } : {}),
          ...(requiredTyp ? { requiredTyp } : {}),
          ...(algorithms ? { algorithms } : {}),
          ...(tokenUse ? { tokenUse } : {}),
        }),
      ),
    ),
  };
}

function hasOwnRules(issuer: TrustedIssuer): boolean {
  return (
    issuer.audienceClaim !== undefined ||
    issuer.requiredTyp !== undefined ||
    issuer.algorithms !== undefined ||
    issuer.tokenUse !== undefined
  );
}
