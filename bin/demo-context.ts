/**
 * Reads the demo stack's settings from CDK context (`cdk deploy -c issuer=... -c audience=...`)
 * and fails with one clear message naming what is missing or wrong.
 */
import { Duration } from 'aws-cdk-lib';
import type { DemoStackProps } from '../lib/demo-stack';

export const CONTEXT_HELP = `Set them with -c, for example:
  npx cdk deploy -c issuer=https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC -c audience=my-client-id -c audienceClaim=client_id
Context keys: issuer (required), audience (required, comma-separated), jwksUri,
audienceClaim (aud or client_id; client_id for Cognito access tokens, which a Cognito issuer requires),
authorizerCacheTtlSeconds (default 0), replicaRegions (comma-separated), stackName,
localDevelopment (true: a template for sam local invoke, not for deploying; docs/sam-local-invoke.md).`;

type ContextReader = (key: string) => unknown;

export function demoPropsFromContext(read: ContextReader): DemoStackProps & { stackName: string } {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const value = read(key);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value !== 'string' || value.trim() === '') return undefined;
    return value.trim();
  };
  const issuer = text('issuer');
  const audience = (text('audience') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (!issuer) problems.push('issuer: missing (the exact iss of your tokens)');
  if (audience.length === 0)
    problems.push('audience: missing (accepted aud values, comma-separated)');
  const cacheText = text('authorizerCacheTtlSeconds');
  let authorizerCacheTtl: Duration | undefined;
  if (cacheText !== undefined) {
    if (!/^\d+$/.test(cacheText)) {
      problems.push(`authorizerCacheTtlSeconds: "${cacheText}" is not a whole number of seconds`);
    } else {
      authorizerCacheTtl = Duration.seconds(Number(cacheText));
    }
  }
  const audienceClaim = text('audienceClaim');
  if (audienceClaim !== undefined && audienceClaim !== 'aud' && audienceClaim !== 'client_id') {
    problems.push(`audienceClaim: "${audienceClaim}" is not aud or client_id`);
  }
  const localDevelopment = text('localDevelopment');
  if (
    localDevelopment !== undefined &&
    localDevelopment !== 'true' &&
    localDevelopment !== 'false'
  ) {
    problems.push(`localDevelopment: "${localDevelopment}" is not true or false`);
  }
  if (problems.length > 0) {
    throw new Error(`Demo stack: bad CDK context:\n- ${problems.join('\n- ')}\n${CONTEXT_HELP}`);
  }
  const jwksUri = text('jwksUri');
  const replicaRegions = (text('replicaRegions') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return {
    stackName: text('stackName') ?? 'JwtRevocationDemo',
    issuers: [{ issuer: issuer as string, audience, ...(jwksUri ? { jwksUri } : {}) }],
    authorizerCacheTtl,
    ...(audienceClaim ? { audienceClaim: audienceClaim as 'aud' | 'client_id' } : {}),
    ...(replicaRegions.length > 0 ? { replicaRegions } : {}),
    ...(localDevelopment === 'true' ? { localDevelopment: true } : {}),
  };
}
