/**
 * The construct's local-development mode, for `sam local invoke` of a synthesized template, and
 * the guard that keeps plain-HTTP JWKS out of every template the construct makes.
 *
 * SAM sets only the environment variables a template declares (`local/sam-template.ts`). To
 * reach a dev issuer and a local DynamoDB from SAM's container, the function needs
 * `AWS_ENDPOINT_URL_DYNAMODB`, `JWKS_URI` and `JWKS_ALLOW_HTTP_HOSTS`; with `localDevelopment`,
 * the construct declares them, empty, for SAM's env-vars file to fill. Empty, each means "unset"
 * to the settings loader and to the AWS SDK, so such a template, deployed by mistake, still
 * fetches keys over HTTPS only and reads DynamoDB in AWS.
 *
 * A value for `JWKS_ALLOW_HTTP_HOSTS` is refused at synth, in either mode, however it got into a
 * function's environment (`extraEnvironment` or `addEnvironment`): plain HTTP lets anyone on the
 * path substitute the issuer's keys, and a deployed function has no development host to reach.
 */
import { Annotations, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { ENV } from '../lambda/shared/settings';

/** The variables `localDevelopment` declares, when the environment has no value for them. */
export function localDevelopmentVariables(
  environment: Readonly<Record<string, string>>,
): Record<string, string> {
  const names = [
    ENV.dynamoDbEndpoint,
    ENV.jwksAllowHttpHosts,
    // Read only beside JWT_ISSUER; with JWT_ISSUERS, SAM's env-vars file replaces that instead.
    ...(ENV.issuer in environment ? [ENV.jwksUri] : []),
  ];
  return Object.fromEntries(names.filter((name) => !(name in environment)).map((n) => [n, '']));
}

/** The problem with a value for `JWKS_ALLOW_HTTP_HOSTS` in construct props, if any. */
export function plainHttpJwksProblem(
  extraEnvironment: Readonly<Record<string, string>> | undefined,
): string | undefined {
  const value = extraEnvironment?.[ENV.jwksAllowHttpHosts];
  return value === undefined || value.trim() === '' ? undefined : refusal('extraEnvironment');
}

function refusal(where: string): string {
  return (
    `${where}.${ENV.jwksAllowHttpHosts}: plain-HTTP JWKS is for sam local invoke and npm run ` +
    'invoke only, never in a template: set localDevelopment: true, which declares it empty, ' +
    "and give its value in SAM's env-vars file"
  );
}

/**
 * Fails the synth when a function's final environment holds a value for `JWKS_ALLOW_HTTP_HOSTS`
 * (added after the construct, e.g. by `addEnvironment` or a property override, which the props
 * validation cannot see).
 */
export function refusePlainHttpJwks(fn: lambda.Function): void {
  fn.node.addValidation({
    validate: () => {
      const cfn = fn.node.defaultChild as lambda.CfnFunction;
      // The resource as it will be written, property overrides (addPropertyOverride) included.
      const rendered = Stack.of(fn).resolve(
        (cfn as unknown as { _toCloudFormation(): object })._toCloudFormation(),
      ) as { Resources?: Record<string, { Properties?: { Environment?: Environment } }> };
      const written = Object.values(rendered.Resources ?? {}).map(
        (resource) => resource.Properties?.Environment?.Variables,
      );
      const declared = (Stack.of(fn).resolve(cfn.environment) as { variables?: Variables })
        ?.variables;
      const values = [declared, ...written].map((variables) => variables?.[ENV.jwksAllowHttpHosts]);
      const empty = values.every(
        (value) => value === undefined || (typeof value === 'string' && value.trim() === ''),
      );
      return empty ? [] : [refusal(`${fn.node.path} environment`)];
    },
  });
}

type Variables = Record<string, unknown>;
type Environment = { Variables?: Variables };

/** A synth warning on the construct in local-development mode. */
export function warnLocalDevelopment(scope: IConstruct): void {
  Annotations.of(scope).addWarningV2(
    'jwt-revocation-authorizer:localDevelopment',
    'localDevelopment: true declares AWS_ENDPOINT_URL_DYNAMODB, JWKS_ALLOW_HTTP_HOSTS and ' +
      'JWKS_URI empty for sam local invoke. Deployed, empty values change nothing, but this ' +
      'template is meant for local use: synthesize without it to deploy.',
  );
}
